package session

import (
	"testing"
	"time"

	"teahouse/session/wire"
)

// TestMessageString checks the canonical form of every kind of message,
// as PROTOCOL.md writes them.
func TestMessageString(t *testing.T) {
	at := time.Date(2026, 11, 21, 15, 4, 5, 0, time.UTC)
	tests := []struct {
		name string
		msg  Message
		want string
	}{
		{"chat reads nick colon text", Message{Kind: Chat, From: "alice", Text: "hello"}, "alice: hello"},
		{"an emote reads star nick action", Message{Kind: Emote, From: "alice", Text: "waves"}, "* alice waves"},
		{"a private message reads PM from to the receiver", Message{Kind: PrivateFrom, From: "alice", Text: "hi"}, "[PM from alice] hi"},
		{"a private message reads PM to for the sender", Message{Kind: PrivateTo, To: "bob", Text: "hi"}, "[PM to bob] hi"},
		{"an announcement reads three stars", Message{Kind: Announce, Text: "alice joined #lobby"}, "*** alice joined #lobby"},
		{"a reply reads an arrow", Message{Kind: Reply, Text: "no such user: bob"}, "-> no such user: bob"},
		{"plain text reads as it is", Message{Kind: Plain, Text: "Welcome to teahouse!"}, "Welcome to teahouse!"},
		{"the time is not part of the canonical form", Message{Kind: Chat, From: "a", Text: "b", Time: at}, "a: b"},
		{"Chinese text is kept as UTF-8", Message{Kind: Chat, From: "小明", Text: "你好"}, "小明: 你好"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.msg.String(); got != tt.want {
				t.Errorf("String() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestEcho checks that senders get their own talk back only with /echo on.
func TestEcho(t *testing.T) {
	tests := []struct {
		name  string
		setup string
		line  string
		me    []string
	}{
		{"by default the sender does not get their chat back", "", "hello", nil},
		{"by default the sender does not get their emote back", "", "/me waves", nil},
		{"with echo on the sender gets their chat back", "/echo on", "hello", []string{"alice: hello"}},
		{"with echo on the sender gets their emote back", "/echo on", "/me waves", []string{"* alice waves"}},
		{"with echo on a said slash line comes back", "/echo on", "//shrug", []string{"alice: /shrug"}},
		{"echo off again stops it", "/echo off", "hello", nil},
		{"echo does not double private messages", "/echo on", "@bob hi", []string{"[PM to bob] hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bob")
			alice, bob := us[0], us[1]
			if tt.setup != "" {
				alice.send("/echo on")
				alice.send(tt.setup)
				drain(alice)
			}
			alice.send(tt.line)
			expectLines(t, "alice", alice.got(), tt.me)
			if got := bob.got(); len(got) != 1 {
				t.Errorf("bob got %q, want the line once", got)
			}
		})
	}
}

// TestTimestamps checks the [15:04:05] prefix: from the injected clock, per
// recipient, on every kind of line.
func TestTimestamps(t *testing.T) {
	h := newHarness(t)
	us := h.logins("alice", "bob")
	alice, bob := us[0], us[1]
	bob.send("/ts on")
	drain(bob)
	h.clock.advance(3*time.Hour + 25*time.Minute + 30*time.Second)

	tests := []struct {
		name, line string
		alice, bob []string
	}{
		{"chat gets the time to those who asked for it", "hello",
			nil, []string{"[18:29:35] alice: hello"}},
		{"emotes get the time", "/me waves",
			nil, []string{"[18:29:35] * alice waves"}},
		{"private messages get the time", "@bob psst",
			[]string{"[PM to bob] psst"}, []string{"[18:29:35] [PM from alice] psst"}},
		{"announcements get the time", "/nick alicia",
			[]string{"*** alice is now known as alicia"}, []string{"[18:29:35] *** alice is now known as alicia"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			alice.send(tt.line)
			expectLines(t, "alice (timestamps off)", alice.got(), tt.alice)
			expectLines(t, "bob (timestamps on)", bob.got(), tt.bob)
		})
	}
	t.Run("replies get the time", func(t *testing.T) {
		h.clock.advance(time.Second)
		expectLines(t, "bob", bob.says("/msg nobody x"), []string{"[18:29:36] -> no such user: nobody"})
	})
	t.Run("timestamps off removes the prefix", func(t *testing.T) {
		bob.send("/ts off")
		drain(bob)
		alice.send("again")
		expectLines(t, "bob", bob.got(), []string{"alicia: again"})
	})
}

// TestIgnore checks both kinds of /ignore: what they hide and what they
// never hide.
func TestIgnore(t *testing.T) {
	tests := []struct {
		name   string
		ignore []string // what alice types first
		from   int      // who types the line: 1 bob, 2 carol
		line   string
		want   []string // what alice gets
	}{
		{"ignoring room chat hides chat", []string{"/ignore"}, 1, "hello", nil},
		{"ignoring room chat hides emotes", []string{"/ignore"}, 1, "/me waves", nil},
		{"ignoring room chat still shows private messages", []string{"/ignore"}, 1, "@alice psst", []string{"[PM from bob] psst"}},
		{"ignoring room chat still shows announcements", []string{"/ignore"}, 1, "/join games", []string{"*** bob left #lobby (to #games)"}},
		{"ignoring room chat still shows renames", []string{"/ignore"}, 1, "/nick robert", []string{"*** bob is now known as robert"}},
		{"toggling room chat twice shows chat again", []string{"/ignore", "/ignore"}, 1, "hello", []string{"bob: hello"}},
		{"ignoring bob hides bob's chat", []string{"/ignore bob"}, 1, "hello", nil},
		{"ignoring bob hides bob's emotes", []string{"/ignore bob"}, 1, "/me waves", nil},
		{"ignoring bob hides bob's private messages", []string{"/ignore bob"}, 1, "@alice psst", nil},
		{"ignoring bob still shows bob's announcements", []string{"/ignore bob"}, 1, "/quit", []string{"*** bob left #lobby (quit)"}},
		{"ignoring bob still shows carol's chat", []string{"/ignore bob"}, 2, "hello", []string{"carol: hello"}},
		{"ignoring bob still shows carol's private messages", []string{"/ignore bob"}, 2, "@alice hi", []string{"[PM from carol] hi"}},
		{"unignoring bob shows bob's chat again", []string{"/ignore bob", "/unignore bob"}, 1, "hello", []string{"bob: hello"}},
		{"unignoring bob shows bob's private messages again", []string{"/ignore bob", "/unignore BOB"}, 1, "@alice hi", []string{"[PM from bob] hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bob", "carol")
			alice := us[0]
			for _, l := range tt.ignore {
				alice.send(l)
			}
			drain(us...)
			us[tt.from].send(tt.line)
			expectLines(t, "alice", alice.got(), tt.want)
		})
	}
	t.Run("ignoring bob follows bob through a rename", func(t *testing.T) {
		h := newHarness(t)
		us := h.logins("alice", "bob")
		alice, bob := us[0], us[1]
		alice.send("/ignore bob")
		bob.send("/nick robert")
		drain(us...)
		bob.send("it is still me")
		bob.send("@alice really")
		expectLines(t, "alice", alice.got(), nil)
		expectLines(t, "alice", alice.says("/unignore robert"), []string{"-> you see robert again"})
	})
}

// TestIgnoreSenderSide checks what the ignored user sees: nothing that
// would tell them, and their private message still looks sent.
func TestIgnoreSenderSide(t *testing.T) {
	h := newHarness(t)
	us := h.logins("alice", "bob")
	alice, bob := us[0], us[1]
	alice.send("/ignore bob")
	drain(us...)
	expectLines(t, "bob", bob.says("@alice hi"), []string{"[PM to alice] hi"})
	expectLines(t, "alice", alice.got(), nil)
	expectLines(t, "alice", alice.says("/reply hello?"), []string{"-> no one has sent you a private message yet"})
}

// TestIgnoreFollowsIdentity checks that an ignore is of a user, not of a
// name: when the ignored user leaves, a newcomer with the same name is
// seen, and can be ignored.
func TestIgnoreFollowsIdentity(t *testing.T) {
	leave := []struct {
		name string
		how  func(u *user)
	}{
		{"quits", func(u *user) { u.send("/quit") }},
		{"loses the connection", func(u *user) { u.closed(ReasonEOF) }},
	}
	for _, tt := range leave {
		t.Run("when the ignored user "+tt.name+" the ignore ends", func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bob")
			alice, bob := us[0], us[1]
			alice.send("/ignore bob")
			bob.send("/ignore alice")
			tt.how(bob)
			newBob := h.login("bob")
			drain(alice)
			newBob.send("I am new")
			expectLines(t, "alice", alice.got(), []string{"bob: I am new"})
			expectLines(t, "alice", alice.says("/ignore bob"), []string{"-> ignoring bob: you will not see their messages (/unignore bob to undo)"})
		})
	}
	t.Run("when the ignoring user leaves a newcomer with that name sees everyone", func(t *testing.T) {
		h := newHarness(t)
		us := h.logins("alice", "bob")
		alice, bob := us[0], us[1]
		alice.send("/ignore bob")
		alice.send("/quit")
		newAlice := h.login("alice")
		drain(bob)
		bob.send("hello")
		expectLines(t, "the new alice", newAlice.got(), []string{"bob: hello"})
	})
}

// TestIgnoreAppliesToReplay checks that entering a room does not replay
// what an /ignore would have hidden.
func TestIgnoreAppliesToReplay(t *testing.T) {
	tests := []struct {
		name, ignore string
		want         []string
	}{
		{"ignoring bob hides bob's lines in the replay", "/ignore bob",
			[]string{"carol: hi bob", "*** alice joined #games"}},
		{"ignoring room chat hides the whole replay", "/ignore",
			[]string{"*** alice joined #games"}},
		{"without ignore the replay is whole", "/look",
			[]string{"bob: hello", "* bob waves", "carol: hi bob", "*** alice joined #games"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bob", "carol")
			alice, bob, carol := us[0], us[1], us[2]
			bob.send("/join games")
			carol.send("/join games")
			bob.send("hello")
			bob.send("/me waves")
			carol.send("hi bob")
			alice.send(tt.ignore)
			drain(us...)
			alice.send("/join games")
			expectLines(t, "alice", alice.got(), tt.want)
		})
	}
}

// TestCharsetsBetweenSessions checks that GBK and UTF-8 users read each
// other: text is decoded from the sender's charset and encoded for each
// recipient's.
func TestCharsetsBetweenSessions(t *testing.T) {
	h := newHarness(t)
	us := h.logins("alice", "bob")
	gbkUser, utf8User := us[0], us[1]
	gbkUser.send("/charset gbk")
	drain(gbkUser)

	t.Run("a GBK user's Chinese reaches a UTF-8 user as UTF-8", func(t *testing.T) {
		gbkUser.sendBytes(append(toGBK("你好，世界"), '\r', '\n'))
		expectLines(t, "the UTF-8 user", utf8User.got(), []string{"alice: 你好，世界"})
	})
	t.Run("a UTF-8 user's Chinese reaches a GBK user as GBK", func(t *testing.T) {
		utf8User.send("你好")
		got := gbkUser.conn.lines()
		want := "bob: " + string(toGBK("你好"))
		if len(got) != 1 || got[0] != want {
			t.Errorf("the GBK user got bytes %x, want %x", got, want)
		}
	})
	t.Run("an emoji becomes a question mark for the GBK user", func(t *testing.T) {
		utf8User.send("好😀!")
		expectLines(t, "the GBK user", gbkUser.gotGBK(), []string{"bob: 好?!"})
	})
	t.Run("the UTF-8 user gets the emoji as it was sent", func(t *testing.T) {
		gbkUser.send("/echo on")
		drain(gbkUser)
		utf8User.send("/echo on")
		drain(utf8User)
		utf8User.send("茶🍵")
		expectLines(t, "the UTF-8 user", utf8User.got(), []string{"bob: 茶🍵"})
		expectLines(t, "the GBK user", gbkUser.gotGBK(), []string{"bob: 茶?"})
	})
	t.Run("private messages and nicknames cross charsets", func(t *testing.T) {
		gbkUser.sendBytes(append(toGBK("/nick 小明"), '\r', '\n'))
		gbkUser.sendBytes(append(toGBK("@bob 喝茶吗"), '\r', '\n'))
		expectLines(t, "the UTF-8 user", utf8User.got(), []string{"*** alice is now known as 小明", "[PM from 小明] 喝茶吗"})
		expectLines(t, "the GBK user", gbkUser.gotGBK(), []string{"*** alice is now known as 小明", "[PM to bob] 喝茶吗"})
	})
}

// TestAutoCharset checks auto-detection: a UTF-8 session that sends GBK is
// switched to GBK and told once.
func TestAutoCharset(t *testing.T) {
	const switched = "-> your terminal sends GBK, so your charset is now gbk (/charset utf-8 to change it back)"
	tests := []struct {
		name    string
		mod     func(*Config)
		before  string   // a command first, if any
		lines   [][]byte // what alice sends
		me      []string // what she gets, decoded from her final charset
		room    []string // what bob (UTF-8) gets
		charset wire.Charset
	}{
		{name: "GBK bytes switch an auto session to GBK and say so once",
			lines:   [][]byte{toGBK("你好"), toGBK("再见")},
			me:      []string{switched},
			room:    []string{"alice: 你好", "alice: 再见"},
			charset: wire.GBK},
		{name: "GBK that is also valid UTF-8 switches on the first line",
			lines:   [][]byte{toGBK("谢谢")},
			me:      []string{switched},
			room:    []string{"alice: 谢谢"},
			charset: wire.GBK},
		{name: "Russian in UTF-8 does not switch",
			lines:   [][]byte{[]byte("привет, как дела?"), []byte("да")},
			room:    []string{"alice: привет, как дела?", "alice: да"},
			charset: wire.UTF8},
		{name: "Greek and emoji in UTF-8 do not switch",
			lines:   [][]byte{[]byte("καλημέρα ☕"), []byte("👍")},
			room:    []string{"alice: καλημέρα ☕", "alice: 👍"},
			charset: wire.UTF8},
		{name: "valid UTF-8 does not switch",
			lines:   [][]byte{[]byte("你好")},
			room:    []string{"alice: 你好"},
			charset: wire.UTF8},
		{name: "bytes valid as both UTF-8 and GBK stay UTF-8",
			lines:   [][]byte{[]byte("café")},
			room:    []string{"alice: café"},
			charset: wire.UTF8},
		{name: "bytes that are neither UTF-8 nor GBK do not switch",
			lines:   [][]byte{{'a', 0x81, '!', 'b'}},
			room:    []string{"alice: a\ufffd!b"},
			charset: wire.UTF8},
		{name: "setting utf-8 turns detection off",
			before:  "/charset utf-8",
			lines:   [][]byte{toGBK("你好")},
			room:    []string{"alice: \ufffd\ufffd\ufffd\ufffd"},
			charset: wire.UTF8},
		{name: "a server without auto never switches",
			mod:     func(c *Config) { c.AutoCharset = false },
			lines:   [][]byte{toGBK("你好")},
			room:    []string{"alice: \ufffd\ufffd\ufffd\ufffd"},
			charset: wire.UTF8},
		{name: "a GBK server's sessions start in GBK and are not told",
			mod:     func(c *Config) { c.Charset = wire.GBK },
			lines:   [][]byte{toGBK("你好")},
			room:    []string{"alice: 你好"}, // bob is GBK too
			charset: wire.GBK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mods := []func(*Config){}
			if tt.mod != nil {
				mods = append(mods, tt.mod)
			}
			h := newHarness(t, mods...)
			us := h.logins("alice", "bob")
			alice, bob := us[0], us[1]
			if tt.before != "" {
				alice.send(tt.before)
				drain(alice)
			}
			for _, l := range tt.lines {
				alice.sendBytes(append(l, '\r', '\n'))
			}
			var me []string
			if alice.s.Charset() == wire.GBK {
				me = alice.gotGBK()
			} else {
				me = alice.got()
			}
			expectLines(t, "alice", me, tt.me)
			if bob.s.Charset() == wire.GBK {
				expectLines(t, "bob", bob.gotGBK(), tt.room)
			} else {
				expectLines(t, "bob", bob.got(), tt.room)
			}
			if alice.s.Charset() != tt.charset {
				t.Errorf("alice's charset is %v, want %v", alice.s.Charset(), tt.charset)
			}
		})
	}
	for _, nick := range []string{"小明", "小"} {
		t.Run("the GBK nickname "+nick+" at the login prompt switches the session", func(t *testing.T) {
			h := newHarness(t)
			u := h.connect()
			u.sendBytes(append(toGBK(nick), '\r', '\n'))
			expectLines(t, "the newcomer", u.gotGBK(), []string{switched, "-> hello " + nick + "! /help lists the commands", "*** " + nick + " joined #lobby"})
		})
	}
}

// TestInputIsCleaned checks what the room gets from lines with controls,
// escapes and telnet commands in them.
func TestInputIsCleaned(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		room []string
	}{
		{"colour escapes are removed", []byte("\x1b[31mred\x1b[0m alert"), []string{"alice: red alert"}},
		{"a screen-clearing escape alone says nothing", []byte("\x1b[2J\x1b[H"), nil},
		{"a tab becomes a space", []byte("tab\there"), []string{"alice: tab here"}},
		{"a bell is removed", []byte("ding\x07"), []string{"alice: ding"}},
		{"a bidi override is removed", []byte("\u202Egnp.exe"), []string{"alice: gnp.exe"}},
		{"a line of spaces says nothing", []byte("   \t "), nil},
		{"spaces around the text are trimmed", []byte("   hi   "), []string{"alice: hi"}},
		{"an escaped 0xFF is a data byte, invalid UTF-8 and not GBK", []byte{'a', wire.IAC, wire.IAC, 'b'}, []string{"alice: a\ufffdb"}},
		{"escapes are removed from commands too", []byte("/me \x1b[5mblinks"), []string{"* alice blinks"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bob")
			us[0].sendBytes(append(tt.in, '\r', '\n'))
			expectLines(t, "bob", us[1].got(), tt.room)
			expectLines(t, "alice", us[0].got(), nil)
		})
	}
	t.Run("a nickname typed with escapes logs in cleaned", func(t *testing.T) {
		h := newHarness(t)
		u := h.connect()
		u.sendBytes([]byte("\x1b[1malice\x1b[0m\r\n"))
		if u.s.Nick() != "alice" {
			t.Errorf("logged in as %q, want alice", u.s.Nick())
		}
	})
}

// TestTelnetRefusals checks that option requests are answered on the
// session's connection, once per option, even before login.
func TestTelnetRefusals(t *testing.T) {
	const echo, timingMark = 1, wire.OptTimingMark
	tests := []struct {
		name string
		in   []byte
		want []byte
	}{
		// The first telnet command also brings the offer of TRANSMIT-BINARY.
		{"DO ECHO is refused with WONT ECHO", []byte{wire.IAC, wire.DO, echo}, append([]byte{wire.IAC, wire.WONT, echo}, binaryOffer...)},
		{"WILL ECHO is refused with DONT ECHO", []byte{wire.IAC, wire.WILL, echo}, append([]byte{wire.IAC, wire.DONT, echo}, binaryOffer...)},
		{"DO ECHO twice is refused once", []byte{wire.IAC, wire.DO, echo, wire.IAC, wire.DO, echo}, append([]byte{wire.IAC, wire.WONT, echo}, binaryOffer...)},
		{"Ctrl-C's TIMING-MARK is refused every time",
			[]byte{wire.IAC, 244, wire.IAC, wire.DO, timingMark, wire.IAC, 244, wire.IAC, wire.DO, timingMark},
			append(append([]byte{}, binaryOffer...), wire.IAC, wire.WONT, timingMark, wire.IAC, wire.WONT, timingMark)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			u := h.connect()
			u.sendBytes(tt.in)
			if got := string(u.conn.out); got != string(tt.want) {
				t.Errorf("the connection got % x, want % x", got, tt.want)
			}
			u.conn.lines()
			u.send("alice")
			if u.s.state != stateChat {
				t.Errorf("the session cannot log in after the negotiation: %q", u.got())
			}
		})
	}
}
