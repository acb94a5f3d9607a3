package session

import (
	"strings"
	"testing"
)

// TestGreeting checks the first lines a new connection gets.
func TestGreeting(t *testing.T) {
	tests := []struct {
		name string
		mod  func(*Config)
		want []string
	}{
		{"the welcome names the server and asks for a nickname", nil,
			[]string{"Welcome to teahouse!", "Please enter a nickname (or /help):"}},
		{"the server name comes from the config", func(c *Config) { c.Name = "chaguan" },
			[]string{"Welcome to chaguan!", "Please enter a nickname (or /help):"}},
		{"an empty server name falls back to teahouse", func(c *Config) { c.Name = "" },
			[]string{"Welcome to teahouse!", "Please enter a nickname (or /help):"}},
		{"the message of the day comes between welcome and prompt", func(c *Config) { c.MOTD = []string{"be kind", "no spam"} },
			[]string{"Welcome to teahouse!", "be kind", "no spam", "Please enter a nickname (or /help):"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h *harness
			if tt.mod != nil {
				h = newHarness(t, tt.mod)
			} else {
				h = newHarness(t)
			}
			c := &recorder{}
			s := h.table.Open(c, "192.0.2.1:5000")
			expectLines(t, "the new connection", c.lines(), tt.want)
			if s.Remote() != "192.0.2.1:5000" || s.state != stateLogin || h.table.Len() != 1 {
				t.Errorf("after Open: remote %q, phase %d, table len %d", s.Remote(), s.state, h.table.Len())
			}
		})
	}
}

// TestLogin checks every way of giving a nickname.
func TestLogin(t *testing.T) {
	tests := []struct{ name, line, nick string }{
		{"a bare nickname logs in", "alice", "alice"},
		{"login NAME logs in", "login alice", "alice"},
		{"LOGIN NAME logs in", "LOGIN alice", "alice"},
		{"slash login logs in", "/login alice", "alice"},
		{"slash nick logs in", "/nick alice", "alice"},
		{"the nickname keeps the case it was typed in", "Alice", "Alice"},
		{"spaces around the nickname are trimmed", "  alice \t", "alice"},
		{"a Chinese nickname logs in", "小明", "小明"},
		{"a nickname that is a chat-only bare word logs in", "say", "say"},
		{"a nickname that is a chat-only bare word in capitals logs in", "Say", "Say"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			bob := h.logins("bob")[0]
			u := h.connect()
			u.send(tt.line)
			expectLines(t, "the new user", u.got(), []string{
				"-> hello " + tt.nick + "! /help lists the commands",
				"*** " + tt.nick + " joined #lobby",
			})
			expectLines(t, "bob", bob.got(), []string{"*** " + tt.nick + " joined #lobby"})
			if u.s.Nick() != tt.nick || u.s.state != stateChat || u.s.room != h.table.lobby {
				t.Errorf("nick %q phase %d room %v, want %q in chat in the lobby", u.s.Nick(), u.s.state, u.s.room, tt.nick)
			}
		})
	}
}

// TestLifecycle walks a session through login → chat → closing → gone,
// checking the state and what the connection saw at each step.
func TestLifecycle(t *testing.T) {
	h := newHarness(t)
	bob := h.logins("bob")[0]
	u := h.connect()
	if u.s.state != stateLogin {
		t.Fatalf("a new session is in phase %d, want login", u.s.state)
	}
	u.send("alice")
	if u.s.state != stateChat {
		t.Fatalf("after a nickname the session is in phase %d, want chat", u.s.state)
	}
	u.send("/quit")
	if u.s.state != stateClosed || u.conn.closed != ReasonQuit || u.conn.closes != 1 {
		t.Fatalf("after /quit: phase %d, closed %v (%d times), want closing, quit, once", u.s.state, u.conn.closed, u.conn.closes)
	}
	if h.table.Len() != 2 {
		t.Errorf("a closing session left the table early: len %d, want 2", h.table.Len())
	}
	u.closed(ReasonEOF)
	if u.s.state != stateGone || h.table.Len() != 1 {
		t.Fatalf("after Closed: phase %d, table len %d, want gone and 1", u.s.state, h.table.Len())
	}
	expectLines(t, "alice", u.got(), []string{
		"-> hello alice! /help lists the commands", "*** alice joined #lobby", "-> goodbye, alice",
	})
	expectLines(t, "bob", bob.got(), []string{"*** alice joined #lobby", "*** alice left #lobby (quit)"})
	u.send("anyone there?")
	expectLines(t, "alice after she is gone", u.got(), nil)
	expectLines(t, "bob after alice is gone", bob.got(), nil)
}

// TestQuit checks every way of leaving and what the room hears.
func TestQuit(t *testing.T) {
	tests := []struct {
		name     string
		line     string
		loggedIn bool
		me, room []string
	}{
		{"quit tells the room", "/quit", true,
			[]string{"-> goodbye, alice"}, []string{"*** alice left #lobby (quit)"}},
		{"quit with a reason tells the room the reason", "/quit see you tomorrow", true,
			[]string{"-> goodbye, alice"}, []string{`*** alice left #lobby (quit: "see you tomorrow")`}},
		{"a reason that reads like the server's is quoted as the user's", "/quit idle timeout", true,
			[]string{"-> goodbye, alice"}, []string{`*** alice left #lobby (quit: "idle timeout")`}},
		{"a reason with quotes in it is quoted whole", `/quit say "bye"`, true,
			[]string{"-> goodbye, alice"}, []string{`*** alice left #lobby (quit: "say \"bye\"")`}},
		{"a Chinese reason stays readable", "/quit 下次见", true,
			[]string{"-> goodbye, alice"}, []string{`*** alice left #lobby (quit: "下次见")`}},
		{"bare logout leaves", "logout", true,
			[]string{"-> goodbye, alice"}, []string{"*** alice left #lobby (quit)"}},
		{"slash logout leaves", "/logout", true,
			[]string{"-> goodbye, alice"}, []string{"*** alice left #lobby (quit)"}},
		{"exit leaves", "/EXIT", true,
			[]string{"-> goodbye, alice"}, []string{"*** alice left #lobby (quit)"}},
		{"quit before login just says goodbye", "/quit", false,
			[]string{"-> goodbye"}, nil},
		{"logout before login just says goodbye", "logout", false,
			[]string{"-> goodbye"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			bob := h.logins("bob")[0]
			var u *user
			if tt.loggedIn {
				u = h.logins("alice")[0]
				drain(bob)
			} else {
				u = h.connect()
			}
			u.send(tt.line)
			expectLines(t, "the user", u.got(), tt.me)
			expectLines(t, "bob", bob.got(), tt.room)
			if u.conn.closed != ReasonQuit || u.conn.closes != 1 {
				t.Errorf("closed %v %d times, want quit once", u.conn.closed, u.conn.closes)
			}
			if h.table.Stats().Online.Load() != 1 {
				t.Errorf("online %d, want 1 (bob)", h.table.Stats().Online.Load())
			}
		})
	}
}

// TestLinesAfterQuitAreIgnored sends /quit with more input behind it in
// the same packet: none of it is handled, not even a too-long line.
func TestLinesAfterQuitAreIgnored(t *testing.T) {
	tests := []struct{ name, after string }{
		{"a chat line after quit is not said", "secret\r\n"},
		{"a command after quit is not run", "/nick mallory\r\n"},
		{"a private message after quit is not sent", "@bob psst\r\n"},
		{"a too-long line after quit gets no notice", strings.Repeat("x", 100) + "\r\n"},
		{"a second quit after quit does nothing", "/quit again\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.MaxLine = 64 })
			us := h.logins("alice", "bob")
			alice, bob := us[0], us[1]
			alice.sendBytes([]byte("hi\r\n/quit\r\n" + tt.after))
			alice.sendBytes([]byte("and a later packet\r\n"))
			expectLines(t, "alice", alice.got(), []string{"-> goodbye, alice"})
			expectLines(t, "bob", bob.got(), []string{"alice: hi", "*** alice left #lobby (quit)"})
			if alice.conn.closes != 1 || alice.s.Nick() != "alice" {
				t.Errorf("closed %d times as %q, want once as alice", alice.conn.closes, alice.s.Nick())
			}
		})
	}
}

// TestClosed checks the reactor's report that a connection is gone.
func TestClosed(t *testing.T) {
	tests := []struct {
		name   string
		before string // a line alice types first, if any
		reason CloseReason
		room   []string
	}{
		{"EOF tells the room the connection closed", "", ReasonEOF,
			[]string{"*** alice left #lobby (connection closed)"}},
		{"a read error tells the room", "", ReasonReadError,
			[]string{"*** alice left #lobby (read error)"}},
		{"a write error tells the room", "", ReasonWriteError,
			[]string{"*** alice left #lobby (write error)"}},
		{"after quit the room is not told twice", "/quit", ReasonEOF,
			[]string{"*** alice left #lobby (quit)"}},
		{"the room hears from the room alice is in", "/join games", ReasonEOF,
			[]string{"*** alice left #lobby (to #games)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bob")
			alice, bob := us[0], us[1]
			if tt.before != "" {
				alice.send(tt.before)
			}
			alice.closed(tt.reason)
			alice.closed(tt.reason) // idempotent
			alice.closed(ReasonReadError)
			expectLines(t, "bob", bob.got(), tt.room)
			if alice.s.state != stateGone || h.table.Len() != 1 || h.table.Stats().Online.Load() != 1 {
				t.Errorf("phase %d, len %d, online %d; want gone, 1, 1", alice.s.state, h.table.Len(), h.table.Stats().Online.Load())
			}
			// The nickname is free again.
			again := h.login("alice")
			expectLines(t, "bob", bob.got(), []string{"*** alice joined #lobby"})
			again.send("back")
			expectLines(t, "bob", bob.got(), []string{"alice: back"})
		})
	}
}

// TestClosedBeforeLogin checks that a connection that never logged in
// leaves quietly.
func TestClosedBeforeLogin(t *testing.T) {
	h := newHarness(t)
	bob := h.logins("bob")[0]
	u := h.connect()
	u.send("/charset gbk")
	u.closed(ReasonEOF)
	u.closed(ReasonEOF)
	expectLines(t, "bob", bob.got(), nil)
	if h.table.Len() != 1 || u.s.state != stateGone || u.conn.closes != 0 {
		t.Errorf("len %d, phase %d, Close called %d times; want 1, gone, 0 (the reactor already closed it)",
			h.table.Len(), u.s.state, u.conn.closes)
	}
}
