package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

func TestLoginForms(t *testing.T) {
	s := startServer(t, nil)
	for _, tc := range []struct{ nick, line string }{
		{"alice", "alice"},
		{"bob", "login bob"},
		{"carol", "/login carol"},
		{"dave", "/nick dave"},
	} {
		c := dial(t, s.addr)
		c.Name = tc.nick
		c.expect("Welcome to teahouse!")
		c.send(tc.line)
		c.expect("*** " + tc.nick + " joined #lobby")
	}
	s.wantMetric(t, "teahouse_logins_total", 4)
	s.wantMetric(t, "teahouse_users_online", 4)
}

func TestWelcomeNameAndMOTD(t *testing.T) {
	motd := t.TempDir() + "/motd"
	writeFile(t, motd, "first line\r\nsecond line\n")
	s := startServer(t, func(o *Options) { o.Name = "tearoom"; o.MOTDFile = motd })
	c := dial(t, s.addr)
	c.expect("Welcome to tearoom!")
	c.expect("first line")
	c.expect("second line")
}

func TestBroadcastWithoutEcho(t *testing.T) {
	s := startServer(t, nil)
	alice := login(t, s.addr, "alice")
	bob := login(t, s.addr, "bob")
	alice.expect("*** bob joined #lobby")

	alice.send("hello")
	bob.expect("alice: hello")
	if got := alice.barrier(); slices.Contains(got, "alice: hello") {
		t.Errorf("the sender got its own line back: %q", got)
	}
}

func TestPrivateMessageIsPrivate(t *testing.T) {
	s := startServer(t, nil)
	alice := login(t, s.addr, "alice")
	bob := login(t, s.addr, "bob")
	carol := login(t, s.addr, "carol")

	alice.send("/msg bob hi")
	bob.expect("[PM from alice] hi")
	alice.expect("[PM to bob] hi")
	for _, l := range carol.barrier() {
		if strings.Contains(l, "hi") && !strings.HasPrefix(l, "***") {
			t.Errorf("carol saw the private message: %q", l)
		}
	}
}

func TestRoomsAndHistory(t *testing.T) {
	s := startServer(t, nil)
	alice := login(t, s.addr, "alice")
	bob := login(t, s.addr, "bob")

	alice.send("/join tea")
	alice.expect("*** alice joined #tea")
	bob.expectPrefix("*** alice left #lobby")
	alice.send("green or black?")
	alice.send("oolong")
	alice.barrier()

	// Bob hears nothing said in #tea from the lobby.
	for _, l := range bob.barrier() {
		if strings.Contains(l, "oolong") {
			t.Errorf("lobby heard #tea: %q", l)
		}
	}
	// Entering #tea replays its history, then announces bob.
	bob.send("/join tea")
	before := bob.expect("*** bob joined #tea")
	if !slices.Contains(before, "alice: green or black?") || !slices.Contains(before, "alice: oolong") {
		t.Errorf("history not replayed on /join: %q", before)
	}
	alice.expect("*** bob joined #tea")
	bob.send("sencha")
	alice.expect("bob: sencha")
}

func TestSplitPacketsAndTerminators(t *testing.T) {
	s := startServer(t, nil)
	bob := login(t, s.addr, "bob")
	alice := dial(t, s.addr)
	alice.Name = "alice"
	alice.expect("Welcome to teahouse!")

	// One byte per write, through the nick and CRLF.
	for _, b := range []byte("alice\r\n") {
		alice.sendRaw(string(b))
	}
	alice.expect("*** alice joined #lobby")
	bob.expect("*** alice joined #lobby")

	// Every terminator; a \n or \0 that follows a \r arrives in the next write.
	for _, part := range []string{"one\r", "\ntwo\n", "three\r", "\x00four\r", "five\r\n", "si", "x\n"} {
		alice.sendRaw(part)
	}
	alice.barrier()
	for _, want := range []string{"alice: one", "alice: two", "alice: three", "alice: four", "alice: five", "alice: six"} {
		bob.expect(want)
	}
	// Several lines in one write, in order.
	alice.sendRaw("seven\r\neight\r\nnine\r\n")
	if before := bob.expect("alice: nine"); !slices.Equal(before, []string{"alice: seven", "alice: eight"}) {
		t.Errorf("lines before nine: %q", before)
	}
}

func TestTelnetCommandsStrippedAndRefused(t *testing.T) {
	s := startServer(t, nil)
	bob := login(t, s.addr, "bob")
	alice := login(t, s.addr, "alice")

	// IAC DO ECHO (1) is refused with WONT; IAC WILL NAWS (31) with DONT;
	// the commands inside the line vanish from it.
	alice.KeepTelnet = true
	alice.sendRaw("he\xff\xfd\x01l\xff\xfb\x1flo\xff\xff!\r\n")
	bob.expect("alice: hello\uFFFD!")

	raw := strings.Join(alice.barrier(), "\n")
	if !strings.Contains(raw, "\xff\xfc\x01") {
		t.Errorf("no IAC WONT ECHO in %q", raw)
	}
	if !strings.Contains(raw, "\xff\xfe\x1f") {
		t.Errorf("no IAC DONT NAWS in %q", raw)
	}
}

func TestEscapeSequencesRemoved(t *testing.T) {
	s := startServer(t, nil)
	bob := login(t, s.addr, "bob")
	alice := login(t, s.addr, "alice")
	alice.send("\x1b[31mred\x1b[0m \x1b]0;title\x07text\x07")
	bob.expect("alice: red text")
}

func TestGBKAndUTF8UsersReadEachOther(t *testing.T) {
	s := startServer(t, nil)
	utf := login(t, s.addr, "utf")
	gbk := login(t, s.addr, "gbk")
	gbk.send("/charset gbk")
	gbk.expectPrefix("-> ")

	enc := simplifiedchinese.GBK.NewEncoder()
	hello, err := enc.String("你好，世界")
	if err != nil {
		t.Fatal(err)
	}
	gbk.send(hello)
	utf.expect("gbk: 你好，世界")

	utf.send("早上好")
	want, _ := enc.String("utf: 早上好")
	gbk.expect(want)
}

func TestAutoDetectsGBK(t *testing.T) {
	s := startServer(t, func(o *Options) { o.Encoding = "auto" })
	utf := login(t, s.addr, "utf")
	win := login(t, s.addr, "win")

	enc := simplifiedchinese.GBK.NewEncoder()
	tea, _ := enc.String("喝茶吗")
	win.send(tea)
	utf.expect("win: 喝茶吗")
	win.expectPrefix("-> ") // told that its charset is now gbk

	utf.send("好的")
	want, _ := enc.String("utf: 好的")
	win.expect(want)
}

func TestTooLongLine(t *testing.T) {
	s := startServer(t, func(o *Options) { o.MaxLine = 64 })
	bob := login(t, s.addr, "bob")
	alice := login(t, s.addr, "alice")

	alice.send(strings.Repeat("x", 500))
	alice.expectPrefix("-> ")
	alice.send("short")
	for _, l := range bob.expect("alice: short") {
		if strings.Contains(l, "xxx") {
			t.Errorf("bob got part of the long line: %q", l)
		}
	}
	s.wantMetric(t, `teahouse_drops_total{reason="long_line"}`, 1)
}

func TestFloodLimit(t *testing.T) {
	s := startServer(t, func(o *Options) { o.Rate = 1; o.Burst = 3 })
	bob := login(t, s.addr, "bob")
	alice := login(t, s.addr, "alice")

	var b strings.Builder
	for i := range 10 {
		b.WriteString("m" + string(rune('0'+i)) + "\r\n")
	}
	alice.sendRaw(b.String())
	alice.expectPrefix("-> ") // the flood notice, once the burst is over

	alice.send("/quit")
	before, _ := bob.waitLine("alice leaving", func(l string) bool { return strings.HasPrefix(l, "*** alice left #lobby") })
	var got []string
	for _, l := range before {
		if strings.HasPrefix(l, "alice: m") {
			got = append(got, l)
		}
	}
	// The burst is 3, less the login line (and a fraction refilled since).
	if len(got) < 2 || len(got) > 3 {
		t.Errorf("bob got %d of 10 flooded lines, want about the burst of 3: %q", len(got), got)
	}
	s.wantMetric(t, `teahouse_drops_total{reason="flood"}`, float64(10-len(got)))
}

func TestQuitAnnounced(t *testing.T) {
	s := startServer(t, nil)
	bob := login(t, s.addr, "bob")
	alice := login(t, s.addr, "alice")
	alice.send("/quit tea time")
	alice.expectEOF()
	bob.expectPrefix("*** alice left #lobby (")
	s.wantMetric(t, `teahouse_closes_total{reason="quit"}`, 1)
	s.wantMetric(t, "teahouse_connections_open", 1)
}

func TestIdleTimeout(t *testing.T) {
	s := startServer(t, func(o *Options) { o.Idle = time.Second })
	bob := login(t, s.addr, "bob")
	alice := login(t, s.addr, "alice")
	start := time.Now()
	alice.expectEOF()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("idle session closed after %v, want about 1-2s", d)
	}
	_ = bob
	s.wantMetric(t, `teahouse_closes_total{reason="idle"}`, 2)
}

func TestChatTextNotLogged(t *testing.T) {
	s := startServer(t, nil)
	bob := login(t, s.addr, "bob")
	alice := login(t, s.addr, "alice")
	alice.send("secret-oolong-recipe")
	bob.expect("alice: secret-oolong-recipe")
	alice.send("/quit")
	alice.expectEOF()
	s.stop(t)
	logs := s.logs.String()
	if strings.Contains(logs, "secret-oolong-recipe") {
		t.Errorf("chat text in the logs:\n%s", logs)
	}
	for _, want := range []string{`msg="teahouse listening"`, "msg=open", "msg=close", "reason=quit", `msg="shutting down"`} {
		if !strings.Contains(logs, want) {
			t.Errorf("logs lack %s:\n%s", want, logs)
		}
	}
}

func TestMetricsEndpoint(t *testing.T) {
	s := startServer(t, nil)
	bob := login(t, s.addr, "bob")
	alice := login(t, s.addr, "alice")
	alice.send("/join tea")
	alice.expect("*** alice joined #tea")
	bob.send("anyone?")
	bob.barrier()

	s.wantMetric(t, "teahouse_rooms", 2)
	s.wantMetric(t, "teahouse_connections_open", 2)
	s.wantMetric(t, "teahouse_connections_total", 2)
	s.wantMetric(t, "teahouse_lines_in_total", 5) // two nicks, /join, a chat line, the barrier
	for _, series := range []string{"teahouse_bytes_in_total", "teahouse_bytes_out_total", "teahouse_deliveries_total",
		"go_goroutines", "process_open_fds"} {
		checkFor(t, waitTime, 20*time.Millisecond, func() error {
			v, err := s.scrape(series)
			if err == nil && v <= 0 {
				err = fmt.Errorf("%s = %v", series, v)
			}
			return err
		})
	}
	for _, r := range []string{"quit", "eof", "read_error", "write_error", "too_slow", "idle", "shutdown", "refused"} {
		s.wantMetric(t, `teahouse_closes_total{reason="`+r+`"}`, 0)
	}
	for _, r := range []string{"flood", "long_line", "slow_reader"} {
		s.wantMetric(t, `teahouse_drops_total{reason="`+r+`"}`, 0)
	}
}

func TestEncodingFlagGBK(t *testing.T) {
	s := startServer(t, func(o *Options) { o.Encoding = "gbk" })
	enc := simplifiedchinese.GBK.NewEncoder()
	nick, _ := enc.String("茶客")
	c := dial(t, s.addr)
	c.expect("Welcome to teahouse!")
	c.send(nick)
	want, _ := enc.String("*** 茶客 joined #lobby")
	c.expect(want)
}
