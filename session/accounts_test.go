package session

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"teahouse/session/wire"
)

// Prompts as PROTOCOL.md words them.
const (
	askNew      = "-> a new password for alice (at least 8 characters; an empty line cancels): password:"
	askAgain    = "-> the same new password again: password:"
	askLogin    = "-> alice is registered: password:"
	askCurrent  = "-> your current password:"
	registered  = "-> registered alice: logging in as alice now asks for this password"
	helloAlice  = "-> hello alice! /help lists the commands"
	aliceJoined = "*** alice joined #lobby"
)

// TestRegister checks /register, interactive and in one line, and what it
// refuses.
func TestRegister(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []string
		ok    bool
	}{
		{"the interactive form asks twice and registers once it is stored",
			[]string{"/register", "secret12", "secret12"}, []string{askNew, askAgain, registered}, true},
		{"the one-line form registers at once",
			[]string{"/register secret12"}, []string{registered}, true},
		{"a short password is refused in one line",
			[]string{"/register short"}, []string{"-> a password needs at least 8 characters"}, false},
		{"a short password at the prompt is asked again",
			[]string{"/register", "short"}, []string{askNew, "-> a password needs at least 8 characters; try again (an empty line cancels)", askNew}, false},
		{"two different passwords start again",
			[]string{"/register", "secret12", "secret13"},
			[]string{askNew, askAgain, "-> the two passwords differ; start again", askNew}, false},
		{"an empty line cancels",
			[]string{"/register", ""}, []string{askNew, "-> cancelled"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, fs, _ := storeHarness(t, Saved{})
			us := h.logins("alice", "bob")
			alice, bob := us[0], us[1]
			for _, l := range tt.lines {
				alice.send(l)
			}
			fs.settle()
			expectLines(t, "alice", alice.got(), tt.want)
			expectLines(t, "bob, who must see none of it", bob.got(), nil)
			if _, ok := fs.accounts["alice"]; ok != tt.ok {
				t.Errorf("stored: %v, want %v", ok, tt.ok)
			}
		})
	}
	t.Run("registered is said only once the store has it", func(t *testing.T) {
		h, fs, _ := storeHarness(t, Saved{})
		alice := h.logins("alice")[0]
		expectLines(t, "alice before the store answers", alice.says("/register secret12"), nil)
		fs.settle()
		expectLines(t, "alice", alice.got(), []string{registered})
	})
	t.Run("a store that fails says nothing was registered", func(t *testing.T) {
		h, fs, _ := storeHarness(t, Saved{})
		fs.fail = errDisk
		alice := h.logins("alice")[0]
		alice.send("/register secret12")
		fs.settle()
		expectLines(t, "alice", alice.got(), []string{"-> alice was not registered: disk on fire"})
	})
	t.Run("a registered nickname cannot be registered again", func(t *testing.T) {
		h, fs, _ := storeHarness(t, Saved{})
		alice := h.registered(fs, "127.0.0.1:1", "alice", "secret12")
		expectLines(t, "alice", alice.says("/register other123"), []string{"-> alice is registered already (/passwd changes the password)"})
	})
}

var errDisk = errString("disk on fire")

type errString string

func (e errString) Error() string { return string(e) }

// TestLoginWithPassword checks logging in with a registered nickname: the
// password is asked for, wrong answers are counted, and nothing typed
// reaches anyone before the password is right.
func TestLoginWithPassword(t *testing.T) {
	saved := Saved{Accounts: []Account{{Key: "alice", Display: "alice"}}}
	tests := []struct {
		name   string
		lines  []string
		want   []string
		online bool
	}{
		{"the right password logs in", []string{"alice", "secret12"},
			[]string{askLogin, helloAlice, aliceJoined}, true},
		{"the name in capitals asks for the same password", []string{"ALICE", "secret12"},
			[]string{"-> ALICE is registered: password:", "-> hello ALICE! /help lists the commands", "*** ALICE joined #lobby"}, true},
		{"slash login with the password logs in at once", []string{"/login alice secret12"},
			[]string{helloAlice, aliceJoined}, true},
		{"bare login with the password logs in at once", []string{"login alice secret12"},
			[]string{helloAlice, aliceJoined}, true},
		{"a wrong password is asked again", []string{"alice", "wrong123"},
			[]string{askLogin, "-> wrong password; try again (an empty line cancels)", askLogin}, false},
		{"an empty line cancels and another name works", []string{"alice", "", "carol"},
			[]string{askLogin, "-> cancelled: type another nickname", "-> hello carol! /help lists the commands", "*** carol joined #lobby"}, false},
		{"a command typed at the prompt is taken as a password, not run", []string{"alice", "/who"},
			[]string{askLogin, "-> wrong password; try again (an empty line cancels)", askLogin}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, fs, _ := storeHarness(t, saved)
			fs.passwords["alice"] = "secret12"
			bob := h.logins("bob")[0]
			u := h.connect()
			for _, l := range tt.lines {
				u.send(l)
				fs.settle()
			}
			expectLines(t, "the user", u.got(), tt.want)
			if got := u.s.loggedIn() && u.s.key == "alice"; got != tt.online {
				t.Errorf("logged in as alice: %v, want %v", got, tt.online)
			}
			for _, l := range bob.got() {
				if strings.Contains(l, "secret") || strings.Contains(l, "wrong") || strings.Contains(l, "/who") {
					t.Errorf("bob saw %q", l)
				}
			}
		})
	}
	t.Run("three wrong passwords close the connection", func(t *testing.T) {
		h, fs, audit := storeHarness(t, saved)
		fs.passwords["alice"] = "secret12"
		u := h.connect()
		for _, l := range []string{"alice", "wrong001", "wrong002", "wrong003"} {
			u.send(l)
			fs.settle()
		}
		got := u.got()
		if last := got[len(got)-1]; last != "-> wrong password; goodbye" {
			t.Errorf("last line %q", last)
		}
		if u.conn.closed != ReasonAuth {
			t.Errorf("closed for %v, want %v", u.conn.closed, ReasonAuth)
		}
		if n := h.table.Stats().AuthFailures.Load(); n != 3 {
			t.Errorf("AuthFailures %d, want 3", n)
		}
		for _, e := range *audit {
			if strings.Contains(e.Detail+e.Target+e.Actor, "wrong00") {
				t.Errorf("a password reached the audit log: %+v", e)
			}
		}
	})
	t.Run("a password is checked for the name it was asked for, even if the user gave up meanwhile", func(t *testing.T) {
		h, fs, _ := storeHarness(t, saved)
		fs.passwords["alice"] = "secret12"
		u := h.connect()
		u.send("alice")
		u.send("secret12") // the check is under way…
		u.send("")         // …so this waits: it is not a cancel
		fs.settle()
		expectLines(t, "the user", u.got(), []string{askLogin, "-> still checking the password you typed before: this line was not used", helloAlice, aliceJoined})
	})
	t.Run("a password line is never quoted in a flood notice", func(t *testing.T) {
		h, fs, _ := storeHarness(t, saved)
		fs.passwords["alice"] = "secret12"
		u := h.connect()
		u.send("alice")
		fs.settle()
		for range 40 {
			u.send("hunter2hunter2")
			fs.settle()
		}
		for _, l := range u.got() {
			if strings.Contains(l, "flood") || strings.Contains(l, "hunter2") {
				t.Fatalf("the user got %q", l)
			}
		}
	})
	t.Run("a one-line password is never quoted in a flood notice", func(t *testing.T) {
		h, fs, _ := storeHarness(t, saved)
		fs.passwords["alice"] = "secret12"
		bob := h.logins("bob")[0]
		for range DefaultBurst {
			bob.send("spam")
		}
		bob.send("/register hunter2hunter2")
		bob.send("/passwd hunter2hunter2 other")
		h.clock.advance(time.Second)
		bob.send("ok")
		fs.settle()
		for _, l := range bob.got() {
			if strings.Contains(l, "hunter2") {
				t.Fatalf("bob got %q", l)
			}
			if strings.Contains(l, "flood") && !strings.HasSuffix(l, `to "/passwd …"`) {
				t.Errorf("notice %q", l)
			}
		}
	})
	t.Run("another user cannot rename to a registered nickname", func(t *testing.T) {
		h, _, _ := storeHarness(t, saved)
		bob := h.logins("bob")[0]
		expectLines(t, "bob", bob.says("/nick Alice"),
			[]string{"-> nickname is taken: Alice is registered; log in as Alice with its password"})
	})
	t.Run("a password for an unregistered name is not needed", func(t *testing.T) {
		h, _, _ := storeHarness(t, saved)
		u := h.connect()
		expectLines(t, "the user", u.says("/login carol secret12"), []string{
			"-> carol is not registered, so it needs no password", "-> hello carol! /help lists the commands", "*** carol joined #lobby"})
	})
}

// TestPasswordGuessingIsThrottled checks that after GuessFree failures from
// one address, each further try waits longer, and that the wait ends.
func TestPasswordGuessingIsThrottled(t *testing.T) {
	h, fs, _ := storeHarness(t, Saved{Accounts: []Account{{Key: "alice", Display: "alice"}}})
	fs.passwords["alice"] = "secret12"
	try := func(pw string) []string {
		t.Helper()
		u := h.connectFrom("192.0.2.9:5000")
		u.send("alice")
		u.send(pw)
		fs.settle()
		return u.got()
	}
	for i := range GuessFree {
		if got := try("wrong123"); !strings.Contains(strings.Join(got, "\n"), "wrong password") {
			t.Fatalf("try %d: %q", i+1, got)
		}
	}
	throttled := []string{askLogin, "-> too many wrong passwords for alice or from your address: try again in 1s", askLogin}
	expectLines(t, "the sixth try at once", try("secret12"), throttled)
	h.clock.advance(GuessBaseDelay)
	expectLines(t, "the right password after the wait", try("secret12"), []string{askLogin, helloAlice, aliceJoined})
	if n := h.table.Stats().AuthThrottled.Load(); n != 1 {
		t.Errorf("AuthThrottled %d, want 1", n)
	}
	t.Run("the delay doubles with each failure past the free ones", func(t *testing.T) {
		g := make(guesses)
		now := time.Unix(0, 0)
		for range GuessFree + 2 {
			g.fail(now, "k")
		}
		if w := g.wait(now, "k"); w != 4*GuessBaseDelay {
			t.Errorf("wait %v, want %v", w, 4*GuessBaseDelay)
		}
		if w := g.wait(now.Add(GuessWindow+time.Second), "k"); w != 0 {
			t.Errorf("wait after the window %v, want 0", w)
		}
		g.expire(now.Add(GuessWindow + GuessMaxDelay + time.Second))
		if len(g) != 0 {
			t.Errorf("%d logs kept after they expired", len(g))
		}
	})
}

// TestPasswdAndUnregister checks changing and dropping a registration.
func TestPasswdAndUnregister(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  []string
		pw    string // the stored password after, "" for none
	}{
		{"passwd asks the current password and the new one twice",
			[]string{"/passwd", "secret12", "newpass12", "newpass12"},
			[]string{askCurrent, askNew, askAgain, "-> password changed for alice"}, "newpass12"},
		{"passwd in one line",
			[]string{"/passwd secret12 newpass12"}, []string{"-> password changed for alice"}, "newpass12"},
		{"passwd with a wrong current password changes nothing",
			[]string{"/passwd wrong123 newpass12"},
			[]string{"-> wrong password; try again (an empty line cancels)", askCurrent}, "secret12"},
		{"unregister asks for the password",
			[]string{"/unregister", "secret12"}, []string{askCurrent, "-> alice is no longer registered"}, ""},
		{"unregister in one line",
			[]string{"/unregister secret12"}, []string{"-> alice is no longer registered"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, fs, _ := storeHarness(t, Saved{})
			alice := h.registered(fs, "127.0.0.1:1", "alice", "secret12")
			for _, l := range tt.lines {
				alice.send(l)
				fs.settle()
			}
			expectLines(t, "alice", alice.got(), tt.want)
			if got := fs.passwords["alice"]; got != tt.pw {
				t.Errorf("stored password %q, want %q", got, tt.pw)
			}
		})
	}
	t.Run("an unregistered nickname has nothing to change", func(t *testing.T) {
		h, _, _ := storeHarness(t, Saved{})
		bob := h.logins("bob")[0]
		expectLines(t, "bob", bob.says("/passwd"), []string{"-> bob is not registered (/register registers it)"})
		expectLines(t, "bob", bob.says("/unregister"), []string{"-> bob is not registered (/register registers it)"})
	})
}

// TestOperatorBootstrap checks -opers: such a name registers only from the
// server's own machine, and is an operator from then on.
func TestOperatorBootstrap(t *testing.T) {
	t.Run("from another address it is refused", func(t *testing.T) {
		h, fs, audit := storeHarness(t, Saved{}, "alice")
		alice := h.loginFrom("192.0.2.1:4000", "alice")
		expectLines(t, "alice", alice.says("/register secret12"),
			[]string{"-> alice is reserved for an operator: register it from the server's own machine"})
		if len(fs.accounts) != 0 || len(*audit) != 1 {
			t.Errorf("accounts %v, audit %v", fs.accounts, *audit)
		}
	})
	t.Run("from loopback it registers an operator", func(t *testing.T) {
		h, fs, _ := storeHarness(t, Saved{}, "alice")
		alice := h.loginFrom("[::1]:4000", "alice")
		alice.send("/register secret12")
		fs.settle()
		expectLines(t, "alice", alice.got(), []string{
			"-> registered alice: logging in as alice now asks for this password; you are an operator (/help lists the operator commands)"})
		if !alice.s.operator || !fs.accounts["alice"].Operator {
			t.Errorf("operator: session %v, stored %v", alice.s.operator, fs.accounts["alice"].Operator)
		}
	})
	t.Run("logging in again makes an operator without any flag stored", func(t *testing.T) {
		h, fs, _ := storeHarness(t, Saved{Accounts: []Account{{Key: "alice", Display: "alice"}}}, "Alice")
		fs.passwords["alice"] = "secret12"
		u := h.connect()
		u.send("/login alice secret12")
		fs.settle()
		if !u.s.operator {
			t.Error("alice is not an operator")
		}
	})
}

// TestPasswordPromptHidesTelnetInput checks RFC 857 around the prompt: a
// telnet client is told WILL ECHO before it and WONT ECHO after it; a raw
// client gets no telnet byte.
func TestPasswordPromptHidesTelnetInput(t *testing.T) {
	willEcho := []byte{wire.IAC, wire.WILL, wire.OptEcho}
	wontEcho := []byte{wire.IAC, wire.WONT, wire.OptEcho}
	tests := []struct {
		name   string
		telnet bool
	}{
		{"a telnet client stops echoing for the password and echoes again after", true},
		{"a raw client gets a plain prompt", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, fs, _ := storeHarness(t, Saved{Accounts: []Account{{Key: "alice", Display: "alice"}}})
			fs.passwords["alice"] = "secret12"
			u := h.connect()
			if tt.telnet {
				u.sendBytes([]byte{wire.IAC, wire.NOP}) // shows it speaks telnet
			}
			u.conn.out = u.conn.out[:0]
			u.sendBytes([]byte("alice\n"))
			atPrompt := bytes.Clone(u.conn.out)
			u.conn.out = u.conn.out[:0]
			if tt.telnet {
				// The client agrees to let the server echo.
				u.sendBytes([]byte{wire.IAC, wire.DO, wire.OptEcho})
			}
			u.sendBytes([]byte("secret12\n"))
			fs.settle()
			after := u.conn.out
			switch {
			case tt.telnet && (!bytes.Contains(atPrompt, willEcho) || !bytes.Contains(after, wontEcho)):
				t.Errorf("at the prompt %q, after %q: want WILL ECHO then WONT ECHO", atPrompt, after)
			case !tt.telnet && (bytes.IndexByte(atPrompt, wire.IAC) >= 0 || bytes.IndexByte(after, wire.IAC) >= 0):
				t.Errorf("a raw client got telnet bytes: %q then %q", atPrompt, after)
			}
			if !u.s.loggedIn() {
				t.Errorf("not logged in: %q", after)
			}
		})
	}
}

// TestThrottleKeys checks what the guessing throttle counts: the account,
// and the address (an IPv6 /64 as one); a right password clears the
// account's count, not the address's.
func TestThrottleKeys(t *testing.T) {
	saved := Saved{Accounts: []Account{{Key: "alice", Display: "alice"}, {Key: "bob", Display: "bob"}}}
	setup := func(t *testing.T) (*harness, *fakeStore, func(remote, name, pw string) []string) {
		h, fs, _ := storeHarness(t, saved)
		fs.passwords["alice"], fs.passwords["bob"] = "secret12", "secret34"
		try := func(remote, name, pw string) []string {
			u := h.connectFrom(remote)
			u.send(name)
			u.send(pw)
			fs.settle()
			return u.got()
		}
		return h, fs, try
	}
	throttled := func(lines []string) bool {
		return strings.Contains(strings.Join(lines, "\n"), "too many wrong passwords")
	}
	t.Run("a right password clears the account's count but not the address's", func(t *testing.T) {
		_, _, try := setup(t)
		for i := range GuessFree {
			try("192.0.2.9:1", "alice", "wrong00"+string(rune('0'+i)))
		}
		if !throttled(try("198.51.100.1:1", "alice", "secret12")) {
			t.Fatal("the account was not throttled from another address")
		}
	})
	t.Run("after a right password the account is free, the guessing address still counted", func(t *testing.T) {
		h, _, try := setup(t)
		for i := range GuessFree {
			try("192.0.2.9:1", "alice", "wrong00"+string(rune('0'+i)))
		}
		h.clock.advance(GuessBaseDelay)
		try("198.51.100.1:1", "alice", "secret12")
		if throttled(try("198.51.100.2:1", "alice", "wrong999")) {
			t.Error("the account is still throttled after its right password")
		}
		try("192.0.2.9:1", "bob", "wrong999") // allowed: the address's wait is over…
		if !throttled(try("192.0.2.9:1", "bob", "wrong998")) {
			t.Error("…but its count was cleared by alice's right password")
		}
	})
	t.Run("two addresses in one IPv6 /64 count as one", func(t *testing.T) {
		_, _, try := setup(t)
		for i := range GuessFree {
			try("[2001:db8::"+string(rune('1'+i))+"]:1", "bob", "wrong00"+string(rune('0'+i)))
		}
		if !throttled(try("[2001:db8::ff]:1", "alice", "secret12")) {
			t.Error("a neighbour in the same /64 was not slowed")
		}
		if throttled(try("[2001:db8:0:1::1]:1", "alice", "secret12")) {
			t.Error("another /64 was slowed")
		}
	})
}
