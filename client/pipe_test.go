package main

import (
	"errors"
	"net"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"teahouse/session/sessiontest"
)

// shortDrain keeps the tests that wait out a drain quick.
const shortDrain = "-drain=100ms"

func TestPipeModeChatsBothWaysAndQuits(t *testing.T) {
	srv := startFakeServer(t)
	p := startClient(t, "-nick", "bot", srv.addr())
	fc := srv.accept(t)
	if nick := fc.login(); nick != "bot" {
		t.Fatalf("nickname sent: %q, want bot", nick)
	}
	p.write(t, "hi there\n")
	fc.ExpectNext("hi there")
	fc.Send("alice: hello bot")
	sessiontest.WaitContains(t, "stdout", &p.stdout, "alice: hello bot\n")
	p.write(t, "/quit\n")
	fc.quit()
	if code := p.exit(t); code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", code, p.stderr.String())
	}
	want := strings.Join([]string{fakeWelcome, fakePrompt, "-> hello bot! /help lists the commands", "*** bot joined #lobby", "bot: hi there", "alice: hello bot", ""}, "\n")
	if got := p.stdout.String(); got != want {
		t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
	}
	if got := p.stderr.String(); got != "" {
		t.Errorf("stderr: %q, want nothing", got)
	}
}

func TestPipeModeWaitsForTheJoinBeforeSendingChat(t *testing.T) {
	// One goroutine sends the stdin lines, and it also answers a signal with
	// /quit: a signal is a barrier, since a line it had sent before would
	// arrive before the /quit. (Should the client give up on a join that is
	// slow to follow the greeting, it sends that /quit from the same
	// goroutine, so the barrier holds then too.)
	barriers := []struct {
		name   string
		server []string // what the server says after the nickname, before the barrier
	}{
		{"nothing is sent while the nickname is unanswered", nil},
		{"nothing is sent after the greeting, before the join", []string{"-> hello bot! /help lists the commands"}},
	}
	for _, tt := range barriers {
		t.Run(tt.name, func(t *testing.T) {
			p, fc := nickSentWithLinesWaiting(t)
			fc.Send(tt.server...)
			// Once the client shows a later line, it has read those.
			fc.Send("alice: are you there?")
			sessiontest.WaitContains(t, "stdout", &p.stdout, "alice: are you there?\n")
			p.cancel(signalled{syscall.SIGTERM})
			if got := fc.Next(); got != "/quit" {
				t.Fatalf("the client sent %q before it had joined", got)
			}
			fc.Conn.Close()
			p.exit(t)
		})
	}
	t.Run("the first line goes out after the join", func(t *testing.T) {
		p, fc := nickSentWithLinesWaiting(t)
		fc.Send("-> hello bot! /help lists the commands", "*** bot joined #lobby")
		fc.ExpectNext("first line")
		fc.quit()
		if code := p.exit(t); code != exitOK {
			t.Fatalf("exit %d, want 0", code)
		}
		// A line is echoed just before it is sent, and a line sent before
		// the join would be taken for a nickname and not echoed: the echo
		// after the join line proves the order.
		if got, want := p.stdout.String(), "*** bot joined #lobby\nbot: first line\n"; !strings.HasSuffix(got, want) {
			t.Errorf("stdout:\n%s\nwant it to end with:\n%s", got, want)
		}
	})
}

// nickSentWithLinesWaiting starts pipe mode as bot with "first line" and
// /quit already on stdin, greets it, and reads its nickname: the server has
// not answered it yet.
func nickSentWithLinesWaiting(t *testing.T) (*inProcess, fakeConn) {
	t.Helper()
	srv := startFakeServer(t)
	p := startClient(t, "-nick", "bot", srv.addr())
	fc := srv.accept(t)
	p.write(t, "first line\n/quit\n")
	fc.greet()
	fc.ExpectNext("bot")
	return p, fc
}

func TestPipeModeLogsInWithTheFirstLineWithoutNick(t *testing.T) {
	srv := startFakeServer(t)
	p := startClient(t, srv.addr())
	fc := srv.accept(t)
	fc.greet()
	p.write(t, "taken\ncarol\nhello\n/quit\n")
	fc.ExpectNext("taken")
	fc.Send("-> nickname taken is taken", fakePrompt)
	fc.ExpectNext("carol")
	// Replayed history holds other people's joins: they are not ours.
	fc.Send("*** dave joined #lobby", "*** carol joined #lobby")
	fc.ExpectNext("hello")
	fc.quit()
	if code := p.exit(t); code != exitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	if got := p.stdout.String(); !strings.HasSuffix(got, "*** carol joined #lobby\ncarol: hello\n") {
		t.Errorf("stdout:\n%s\nwant the chat line echoed as carol's", got)
	}
}

func TestPipeModeFailsWhenTheNickIsRefused(t *testing.T) {
	srv := startFakeServer(t)
	p := startClient(t, "-nick", "alice", srv.addr())
	fc := srv.accept(t)
	fc.greet()
	fc.ExpectNext("alice")
	fc.Send("-> nickname alice is taken", fakePrompt)
	fc.quit()
	if code := p.exit(t); code != exitFail {
		t.Fatalf("exit %d, want 1", code)
	}
	if got, want := p.stderr.String(), "teahouse: nickname \"alice\" refused: nickname alice is taken\n"; got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	if !strings.Contains(p.stdout.String(), "-> nickname alice is taken\n") {
		t.Errorf("stdout does not show the server's reason:\n%s", p.stdout.String())
	}
}

func TestPipeModeLeavesAfterTheDrainWhenStdinEnds(t *testing.T) {
	srv := startFakeServer(t)
	p := startClient(t, "-nick", "bot", shortDrain, srv.addr())
	fc := srv.accept(t)
	fc.login()
	p.write(t, "bye all")
	p.stdin.Close()
	fc.ExpectNext("bye all") // a last line without a newline is still sent
	fc.quit()
	if code := p.exit(t); code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", code, p.stderr.String())
	}
}

func TestPipeModeReportsTheServerClosing(t *testing.T) {
	srv := startFakeServer(t)
	p := startClient(t, "-nick", "bot", srv.addr())
	fc := srv.accept(t)
	fc.login()
	fc.Send("*** server shutting down")
	fc.Conn.Close()
	if code := p.exit(t); code != exitFail {
		t.Fatalf("exit %d, want 1", code)
	}
	want := "teahouse: connection to " + srv.addr() + " closed by server\n"
	if got := p.stderr.String(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	if !strings.HasSuffix(p.stdout.String(), "*** server shutting down\n") {
		t.Errorf("stdout misses the last server line:\n%s", p.stdout.String())
	}
}

func TestPipeModeReportsALostConnection(t *testing.T) {
	srv := startFakeServer(t)
	p := startClient(t, "-nick", "bot", srv.addr())
	fc := srv.accept(t)
	fc.login()
	// A zero linger turns Close into a reset: the connection is lost, not closed.
	fc.Conn.(*net.TCPConn).SetLinger(0)
	fc.Conn.Close()
	if code := p.exit(t); code != exitFail {
		t.Fatalf("exit %d, want 1", code)
	}
	want := "teahouse: connection to " + srv.addr() + " lost: connection reset by peer\n"
	if got := p.stderr.String(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}

func TestPipeModeLeavesOnASignal(t *testing.T) {
	srv := startFakeServer(t)
	p := startClient(t, "-nick", "bot", srv.addr())
	fc := srv.accept(t)
	fc.login()
	p.cancel(signalled{syscall.SIGTERM})
	fc.quit()
	if code, want := p.exit(t), exitSignal+int(syscall.SIGTERM); code != want {
		t.Fatalf("exit %d, want %d", code, want)
	}
}

func TestPipeModeSpeaksGBK(t *testing.T) {
	srv := startFakeServer(t)
	p := startClient(t, "-nick", "bot", "-encoding", "gbk", srv.addr())
	fc := srv.accept(t)
	p.write(t, "你好，世界\n") // already waiting when the join comes
	fc.login()
	fc.ExpectNext("/charset gbk") // said right after the join, before any chat
	got := fc.Next()
	if want := gbk(t, "你好，世界"); got != want {
		t.Fatalf("the client sent % x, want GBK % x", got, want)
	}
	fc.Send(gbk(t, "alice: 喝茶吗？"))
	sessiontest.WaitContains(t, "stdout", &p.stdout, "alice: 喝茶吗？\n")
	if !strings.Contains(p.stdout.String(), "bot: 你好，世界\n") {
		t.Errorf("own line not echoed in UTF-8:\n%s", p.stdout.String())
	}
	p.write(t, "/quit\n")
	fc.quit()
	if code := p.exit(t); code != exitOK {
		t.Fatalf("exit %d, want 0", code)
	}
}

// gbk encodes s as GBK.
func gbk(t *testing.T, s string) string {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestPipeModeStripsEscapesFromServerLines(t *testing.T) {
	srv := startFakeServer(t)
	p := startClient(t, "-nick", "bot", srv.addr())
	fc := srv.accept(t)
	fc.login()
	fc.Send("mallory: \x1b[2Jgotcha\x07")
	sessiontest.WaitContains(t, "stdout", &p.stdout, "mallory: gotcha\n")
	p.write(t, "/quit\n")
	fc.quit()
	p.exit(t)
}

func TestClientSaysWhereItCouldNotConnect(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	p := startClient(t, addr)
	if code := p.exit(t); code != exitFail {
		t.Fatalf("exit %d, want 1", code)
	}
	want := "teahouse: cannot connect to " + addr + ": connection refused\n"
	if got := p.stderr.String(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
}

func TestCommandLineMistakesExitWithStatus2(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"an unknown flag is named", []string{"-bogus"}, "teahouse: flag provided but not defined: -bogus (see -h)\n"},
		{"an unknown encoding is named", []string{"-encoding", "latin1"}, `teahouse: -encoding: unknown charset "latin1" (use utf-8 or gbk) (see -h)` + "\n"},
		{"a bad port is named", []string{"localhost", "http"}, `teahouse: bad port "http" (want 1-65535) (see -h)` + "\n"},
		{"too many arguments are refused", []string{"a", "1", "b"}, `teahouse: too many arguments ["a" "1" "b"] (want HOST:PORT or HOST PORT) (see -h)` + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startClient(t, tt.args...)
			if code := p.exit(t); code != exitUsage {
				t.Fatalf("exit %d, want 2", code)
			}
			if got := p.stderr.String(); got != tt.want {
				t.Errorf("stderr %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHelpExplainsEachFlag(t *testing.T) {
	p := startClient(t, "-h")
	if code := p.exit(t); code != exitOK {
		t.Fatalf("exit %d, want 0", code)
	}
	for _, want := range []string{"HOST:PORT | HOST PORT", "localhost:6666", "-nick NAME", "-encoding utf-8 or gbk", "-drain", "NO_COLOR", "-password-file FILE", "TEAHOUSE_PASSWORD", "chmod 600"} {
		if !strings.Contains(p.stdout.String(), want) {
			t.Errorf("-h does not mention %q:\n%s", want, p.stdout.String())
		}
	}
}

func TestAddressesAcceptTheDocumentedForms(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no argument means localhost:6666", nil, "localhost:6666"},
		{"HOST:PORT is taken as is", []string{"example.org:7000"}, "example.org:7000"},
		{"HOST PORT is joined", []string{"example.org", "7000"}, "example.org:7000"},
		{"a bare host gets the default port", []string{"example.org"}, "example.org:6666"},
		{"an IPv6 literal gets brackets", []string{"::1"}, "[::1]:6666"},
		{"a bracketed IPv6 address keeps its port", []string{"[::1]:7000"}, "[::1]:7000"},
		{"an empty host means localhost", []string{":7000"}, "localhost:7000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseAddr(tt.args)
			if err != nil || got != tt.want {
				t.Errorf("parseAddr(%q) = %q, %v; want %q", tt.args, got, err, tt.want)
			}
		})
	}
}

func TestReasonKeepsOnlyTheHumanPart(t *testing.T) {
	err := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "nowhere.invalid"}}
	if got, want := reason(err), "no such host (nowhere.invalid)"; got != want {
		t.Errorf("reason = %q, want %q", got, want)
	}
	if got, want := reason(errors.New("plain")), "plain"; got != want {
		t.Errorf("reason = %q, want %q", got, want)
	}
}
