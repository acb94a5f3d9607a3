package main

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"teahouse/session/sessiontest"
)

// dialFrom connects to addr from the loopback address local (127.0.0.x),
// so that address bans can be tested without touching the network.
func dialFrom(t *testing.T, local, addr string) *client {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}, Timeout: waitTime}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s from %s: %v", addr, local, err)
	}
	p := sessiontest.NewPeer(t, c)
	return &client{p}
}

// loginFrom logs in as nick from the loopback address local.
func loginFrom(t *testing.T, local, addr, nick string) *client {
	t.Helper()
	c := dialFrom(t, local, addr)
	c.Name = nick
	c.expect("Please enter a nickname (or /help):")
	c.send(nick)
	c.expect("*** " + nick + " joined #lobby")
	return c
}

// withData starts a server whose store is the file path, with opers.
func withData(t *testing.T, path, opers string) *testServer {
	t.Helper()
	return startServer(t, func(o *Options) { o.Data, o.Opers = path, opers })
}

// TestAccountsSurviveARestart registers a nickname, restarts the server on
// the same file, and logs in again: with the password, and three times
// without it.
func TestAccountsSurviveARestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "teahouse.db")
	s := withData(t, path, "")
	alice := login(t, s.addr, "alice")
	alice.send("/register correct-horse")
	alice.expect("-> registered alice: logging in as alice now asks for this password")
	alice.send("said before the restart")
	alice.barrier()
	s.stop(t)

	s = withData(t, path, "")
	t.Run("the password logs in and the room history is back", func(t *testing.T) {
		c := dial(t, s.addr)
		c.expect("Please enter a nickname (or /help):")
		c.send("alice")
		c.expect("-> alice is registered: password:")
		c.send("correct-horse")
		c.expect("-> hello alice! /help lists the commands")
		c.expect("alice: said before the restart")
		c.expect("*** alice joined #lobby")
		c.send("/quit")
		c.expectEOF()
	})
	t.Run("three wrong passwords close the connection", func(t *testing.T) {
		c := dial(t, s.addr)
		c.expect("Please enter a nickname (or /help):")
		c.send("alice")
		for i := range 3 {
			c.expect("-> alice is registered: password:")
			c.send("wrong-" + strings.Repeat("x", i+8))
		}
		if lines := c.expectEOF(); len(lines) == 0 || lines[len(lines)-1] != "-> wrong password; goodbye" {
			t.Errorf("the last lines were %q", lines)
		}
		s.wantMetric(t, "teahouse_auth_failures_total", 3)
		s.wantMetric(t, `teahouse_closes_total{reason="auth"}`, 1)
	})
	t.Run("no log line holds a password", func(t *testing.T) {
		if logs := s.logs.String(); strings.Contains(logs, "correct-horse") || strings.Contains(logs, "wrong-x") {
			t.Errorf("a password reached the log:\n%s", logs)
		}
	})
}

// TestBansAtConnect bans a 127.0.0.x address: a new connection from it is
// refused with one line, and still is after a restart.
func TestBansAtConnect(t *testing.T) {
	path := filepath.Join(t.TempDir(), "teahouse.db")
	s := withData(t, path, "op")
	op := loginFrom(t, "127.0.0.1", s.addr, "op")
	op.send("/register op-password")
	op.expect("-> registered op: logging in as op now asks for this password; you are an operator (/help lists the operator commands)")

	troll := loginFrom(t, "127.0.0.7", s.addr, "troll")
	op.send("/ban troll 1h spamming")
	op.expectPrefix("-> banned troll until ")
	troll.expect(`-> you were banned by op: "spamming"`)
	troll.expectEOF()
	op.expect(`*** troll left #lobby (banned by op: "spamming")`)

	refused := func(t *testing.T, s *testServer) {
		t.Helper()
		c := dialFrom(t, "127.0.0.7", s.addr)
		line := c.expectPrefix("-> you are banned from this server until ")
		if !strings.HasSuffix(line, `: "spamming"`) {
			t.Errorf("refusal %q", line)
		}
		c.expectEOF()
	}
	t.Run("a new connection from the address is refused", func(t *testing.T) { refused(t, s) })
	t.Run("another loopback address is let in", func(t *testing.T) { loginFrom(t, "127.0.0.8", s.addr, "fine") })
	s.stop(t)
	s = withData(t, path, "op")
	t.Run("after a restart it is still refused", func(t *testing.T) { refused(t, s) })
	t.Run("after a restart the nickname is still banned", func(t *testing.T) {
		c := dialFrom(t, "127.0.0.9", s.addr)
		c.expect("Please enter a nickname (or /help):")
		c.send("troll")
		c.expectPrefix("-> troll is banned until ")
	})
}

// TestOperatorsInTheRoom checks kick and mute as the room sees them, and
// that a non-operator is refused with one line.
func TestOperatorsInTheRoom(t *testing.T) {
	s := withData(t, "", "op")
	op := login(t, s.addr, "op")
	op.send("/register op-password")
	op.expectPrefix("-> registered op")
	bob := login(t, s.addr, "bob")
	zed := login(t, s.addr, "zed")
	op.barrier()

	bob.send("/kick zed")
	bob.expect("-> only operators can do that: /kick")

	op.send("/mute bob 10m")
	op.expectPrefix("-> muted bob until ")
	bob.expectPrefix("-> you are muted until ")
	bob.send("can anyone hear me?")
	bob.barrier()
	for _, l := range zed.barrier() { // bob's line came before the barrier's answer, if at all
		if strings.Contains(l, "can anyone hear me") {
			t.Errorf("zed heard a muted user: %q", l)
		}
	}

	op.send("/kick zed flooding")
	op.expect("-> kicked zed")
	zed.expect(`-> you were kicked by op: "flooding"`)
	zed.expectEOF()
	bob.expect(`*** zed left #lobby (kicked by op: "flooding")`)
	s.wantMetric(t, `teahouse_audit_total{action="kick"}`, 1)
	if !strings.Contains(s.logs.String(), "action=kick actor=op target=zed") {
		t.Errorf("no audit log line for the kick:\n%s", s.logs)
	}
}

// TestTelnetEchoAroundThePasswordPrompt checks RFC 857 on the wire: a
// client that ends its lines in CR LF is told WILL ECHO at the prompt and
// WONT ECHO once the password is checked.
func TestTelnetEchoAroundThePasswordPrompt(t *testing.T) {
	s := withData(t, "", "")
	alice := login(t, s.addr, "alice")
	alice.send("/register correct-horse")
	alice.expectPrefix("-> registered alice")
	alice.send("/quit")
	alice.expectEOF()

	c := dial(t, s.addr)
	c.KeepTelnet = true
	c.expect("Please enter a nickname (or /help):")
	c.send("alice")
	upTo := func(what, text string) string {
		t.Helper()
		before, got := c.waitLine(what, func(l string) bool { return strings.Contains(l, text) })
		return strings.Join(before, "") + got
	}
	// The CR LF of "alice" is what shows a telnet client, so WILL ECHO
	// follows the prompt line at once, in the same write, before anything
	// can be typed.
	seen := upTo("the password prompt", "password:")
	c.sendRaw("\xff\xfd\x01") // DO ECHO: the client agrees
	c.send("correct-horse")
	seen += upTo("the welcome", "-> hello alice!")
	will, wont := strings.Index(seen, "\xff\xfb\x01"), strings.Index(seen, "\xff\xfc\x01")
	if will < 0 || wont < will || wont > strings.Index(seen, "-> hello alice!") {
		t.Errorf("want IAC WILL ECHO for the prompt, then IAC WONT ECHO before the welcome: %q", seen)
	}
}

// TestADamagedDataFileStopsTheStart checks that a data file the store
// cannot read is a startup error naming the file, never an empty start.
func TestADamagedDataFileStopsTheStart(t *testing.T) {
	tests := []struct {
		name     string
		contents string
	}{
		{"a file of text", "not a database at all\n"},
		{"a truncated file", strings.Repeat("\x00", 100)},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused with its name", func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "damaged.db")
			if err := os.WriteFile(path, []byte(tt.contents), 0o600); err != nil {
				t.Fatal(err)
			}
			o := testOptions()
			o.Data = path
			err := run(t.Context(), o, newLogger(o, io.Discard), nil)
			if err == nil || !strings.Contains(err.Error(), path) {
				t.Errorf("run with %s: %v, want an error naming it", tt.name, err)
			}
			if b, _ := os.ReadFile(path); string(b) != tt.contents {
				t.Error("the damaged file was changed")
			}
		})
	}
}
