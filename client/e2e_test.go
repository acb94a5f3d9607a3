package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"teahouse/session/sessiontest"
)

// realServer is the teahouse server binary, on a random loopback port.
type realServer struct {
	cmd    *exec.Cmd
	addr   string
	stderr sessiontest.SyncBuffer
}

// startRealServer runs the server built from ./server; a server that does
// not build fails the test.
func startRealServer(t *testing.T, extra ...string) *realServer {
	t.Helper()
	bin := sessiontest.Binary(t, "teahouse/server")
	s := &realServer{addr: freePort(t)}
	s.cmd = exec.Command(bin, append([]string{"-addr", s.addr, "-log-level", "warn"}, extra...)...)
	s.cmd.Stderr = &s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		if t.Failed() {
			t.Logf("server stderr:\n%s", s.stderr.String())
		}
	})
	sessiontest.CheckFor(t, sessiontest.Wait, sessiontest.Poll, func() error {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			return err
		}
		c.Close()
		return nil
	})
	return s
}

// freePort finds a loopback port nobody listens on: listen on port 0,
// note the port, close. Another process could take it in between; on a
// test machine that is rare enough.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// rawPeer logs in to addr over a bare TCP connection, as telnet would.
func rawPeer(t *testing.T, addr, nick string) *sessiontest.Peer {
	t.Helper()
	p := sessiontest.Dial(t, addr)
	p.Name = nick
	p.Send(nick)
	p.Expect("*** " + nick + " joined #lobby")
	return p
}

// clientProcess is the client binary in pipe mode.
type clientProcess struct {
	cmd            *exec.Cmd
	stdin          io.WriteCloser
	stdout, stderr sessiontest.SyncBuffer
	exited         chan error
}

// startClientProcess runs the client binary with args and a stdin pipe.
func startClientProcess(t *testing.T, args ...string) *clientProcess {
	t.Helper()
	return startClientProcessEnv(t, nil, args...)
}

// startClientProcessEnv is startClientProcess with env added to the
// client's environment.
func startClientProcessEnv(t *testing.T, env []string, args ...string) *clientProcess {
	t.Helper()
	p := &clientProcess{cmd: exec.Command(clientBinary(t), args...), exited: make(chan error, 1)}
	p.cmd.Env = append(os.Environ(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill() })
	go func() { p.exited <- p.cmd.Wait() }()
	return p
}

// write feeds the client's stdin.
func (p *clientProcess) write(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, s); err != nil {
		t.Fatal(err)
	}
}

// exitCode waits for the client to exit.
func (p *clientProcess) exitCode(t *testing.T) int {
	t.Helper()
	return waitExit(t, p.exited, func() string {
		return fmt.Sprintf("stdout:\n%s\nstderr:\n%s", p.stdout.String(), p.stderr.String())
	})
}

func TestRealServerPipeModeChatsWithARawPeer(t *testing.T) {
	srv := startRealServer(t)
	alice := rawPeer(t, srv.addr, "alice")
	bot := startClientProcess(t, "-nick", "bot", srv.addr)
	alice.Expect("*** bot joined #lobby")
	bot.write(t, "hi alice\n")
	alice.Expect("bot: hi alice")
	alice.Send("hello bot", "/me pours tea")
	sessiontest.WaitContains(t, "stdout", &bot.stdout, "alice: hello bot\n* alice pours tea\n")
	bot.write(t, "/quit\n")
	bot.stdin.Close()
	if code := bot.exitCode(t); code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", code, bot.stderr.String())
	}
	if !strings.Contains(bot.stdout.String(), "*** bot joined #lobby\n") || !strings.Contains(bot.stdout.String(), "bot: hi alice\n") {
		t.Errorf("stdout misses the join or the own line:\n%s", bot.stdout.String())
	}
	if s := bot.stderr.String(); s != "" {
		t.Errorf("stderr: %q, want nothing", s)
	}
}

func TestRealServerGBKModeRoundTripsChinese(t *testing.T) {
	srv := startRealServer(t)
	alice := rawPeer(t, srv.addr, "alice") // a UTF-8 terminal
	bot := startClientProcess(t, "-nick", "bot", "-encoding", "gbk", srv.addr)
	alice.Expect("*** bot joined #lobby")
	bot.write(t, "你好，世界\n")
	alice.Expect("bot: 你好，世界")
	alice.Send("喝茶吗？")
	sessiontest.WaitContains(t, "stdout", &bot.stdout, "alice: 喝茶吗？\n")
	bot.write(t, "/quit\n")
	bot.stdin.Close()
	if code := bot.exitCode(t); code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", code, bot.stderr.String())
	}
	if strings.ContainsRune(bot.stdout.String(), '\uFFFD') {
		t.Errorf("stdout has undecodable text:\n%s", bot.stdout.String())
	}
}

func TestRealServerShutdownEndsTheClientWithStatus1(t *testing.T) {
	srv := startRealServer(t)
	bot := startClientProcess(t, "-nick", "bot", srv.addr)
	sessiontest.WaitContains(t, "stdout", &bot.stdout, "*** bot joined #lobby\n")
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := bot.exitCode(t); code != exitFail {
		t.Fatalf("exit %d, want 1; stderr: %s", code, bot.stderr.String())
	}
	want := fmt.Sprintf("teahouse: connection to %s closed by server\n", srv.addr)
	if got := bot.stderr.String(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	t.Logf("the client's last lines:\n%s", bot.stdout.String())
}

// serverHasAccounts reports whether the server binary keeps registered
// nicknames: its -h lists -data.
func serverHasAccounts(t *testing.T) bool {
	t.Helper()
	out, _ := exec.Command(sessiontest.Binary(t, "teahouse/server"), "-h").CombinedOutput()
	return strings.Contains(string(out), "-data")
}

func TestRealServerTakesPasswordsFromTheClient(t *testing.T) {
	if !serverHasAccounts(t) {
		t.Skip("this server has no accounts yet (no -data flag)")
	}
	srv := startRealServer(t, "-data", filepath.Join(t.TempDir(), "teahouse.db"))
	pwFile := writePasswordFile(t, testPassword+"\n", 0o600)
	outputs := map[string]string{}

	t.Run("a script registers its nickname with TEAHOUSE_PASSWORD", func(t *testing.T) {
		c := startClientProcessEnv(t, []string{passwordEnv + "=" + testPassword}, "-nick", "tea-bot", srv.addr)
		c.write(t, "/register\n")
		sessiontest.WaitContains(t, "stdout", &c.stdout, "-> registered tea-bot")
		c.write(t, "/quit\n")
		c.stdin.Close()
		if code := c.exitCode(t); code != exitOK {
			t.Fatalf("exit %d, want 0; stderr: %s", code, c.stderr.String())
		}
		outputs["register stdout"], outputs["register stderr"] = c.stdout.String(), c.stderr.String()
	})
	t.Run("a script logs in with -password-file", func(t *testing.T) {
		alice := rawPeer(t, srv.addr, "alice")
		c := startClientProcess(t, "-password-file", pwFile, "-nick", "tea-bot", srv.addr)
		alice.Expect("*** tea-bot joined #lobby")
		c.write(t, "hello alice\n")
		alice.Expect("tea-bot: hello alice")
		c.write(t, "/quit\n")
		c.stdin.Close()
		if code := c.exitCode(t); code != exitOK {
			t.Fatalf("exit %d, want 0; stderr: %s", code, c.stderr.String())
		}
		outputs["login stdout"], outputs["login stderr"] = c.stdout.String(), c.stderr.String()
	})
	t.Run("a wrong password ends a script with status 1", func(t *testing.T) {
		c := startClientProcessEnv(t, []string{passwordEnv + "=not the password"}, "-nick", "tea-bot", srv.addr)
		c.write(t, "this line is no password\n")
		if code := c.exitCode(t); code != exitFail {
			t.Fatalf("exit %d, want 1; stderr: %s", code, c.stderr.String())
		}
		want := "teahouse: the password from TEAHOUSE_PASSWORD was refused: wrong password\n"
		if got := c.stderr.String(); got != want {
			t.Errorf("stderr %q, want %q", got, want)
		}
		outputs["wrong stdout"] = c.stdout.String()
	})
	t.Run("a typed password in pipe mode is never echoed", func(t *testing.T) {
		c := startClientProcess(t, "-nick", "tea-bot", srv.addr)
		c.write(t, testPassword+"\n/passwd\n"+testPassword+"\n"+testPassword+"\n"+testPassword+"\nall done\n")
		sessiontest.WaitContains(t, "stdout", &c.stdout, "tea-bot: all done\n")
		c.write(t, "/quit\n")
		c.stdin.Close()
		if code := c.exitCode(t); code != exitOK {
			t.Fatalf("exit %d, want 0; stderr: %s", code, c.stderr.String())
		}
		if !strings.Contains(c.stdout.String(), "-> password changed for tea-bot") {
			t.Errorf("stdout has no confirmation:\n%s", c.stdout.String())
		}
		outputs["typed stdout"], outputs["typed stderr"] = c.stdout.String(), c.stderr.String()
	})
	wantNoPassword(t, testPassword, outputs)
}
