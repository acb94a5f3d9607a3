package session

import (
	"fmt"
	"testing"
)

// lineCase is one line alice types with bob in the lobby, and what each
// of them gets.
type lineCase struct {
	name, line string
	me, bob    []string
}

// runLineCases runs each case on a fresh table.
func runLineCases(t *testing.T, tests []lineCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bob")
			alice, bob := us[0], us[1]
			expectLines(t, "alice", alice.says(tt.line), tt.me)
			expectLines(t, "bob", bob.got(), tt.bob)
		})
	}
}

// TestBareWords checks the book's words without a slash: login, say and
// logout, and look and who alone on a line. A line with more words after a
// word that takes none is chat.
func TestBareWords(t *testing.T) {
	tests := []lineCase{
		{"look alone lists the room", "look", []string{"-> 2 in #lobby: alice, bob"}, nil},
		{"who alone lists everyone online", "who", []string{"-> 2 online: alice (#lobby), bob (#lobby)"}, nil},
		{"a bare word in capitals works too", "WHO", []string{"-> 2 online: alice (#lobby), bob (#lobby)"}, nil},
		{"who with more words is chat", "who is here?", nil, []string{"alice: who is here?"}},
		{"look with more words is chat", "look at this", nil, []string{"alice: look at this"}},
		{"say takes words", "say /not a command", nil, []string{"alice: /not a command"}},
		{"logout with more words is chat", "logout is broken", nil, []string{"alice: logout is broken"}},
		{"login after login is chat", "login bob", nil, []string{"alice: login bob"}},
	}
	runLineCases(t, tests)
}

// TestFullWidthSeparators checks input from CJK input methods: any Unicode
// white space separates a command's words, and the full-width ／ ＠ ＃ work
// like / @ # where they start a command or a name, without changing the
// chat text itself.
func TestFullWidthSeparators(t *testing.T) {
	pm := []string{"[PM from alice] 你好"}
	tests := []lineCase{
		{"msg with ideographic spaces", "/msg　bob　你好", []string{"[PM to bob] 你好"}, pm},
		{"at-message with an ideographic space", "@bob　你好", []string{"[PM to bob] 你好"}, pm},
		{"a full-width slash starts a command", "／msg bob 你好", []string{"[PM to bob] 你好"}, pm},
		{"a full-width at sign starts a private message", "＠bob 你好", []string{"[PM to bob] 你好"}, pm},
		{"a tab separates words too", "/msg\tbob\t你好", []string{"[PM to bob] 你好"}, pm},
		{"join a room typed with a full-width hash", "/join ＃茶馆",
			[]string{"*** alice joined #茶馆"}, []string{"*** alice left #lobby (to #茶馆)"}},
		{"all full-width", "／join　＃茶馆",
			[]string{"*** alice joined #茶馆"}, []string{"*** alice left #lobby (to #茶馆)"}},
		{"a doubled full-width slash says the rest", "／／not a command", nil, []string{"alice: ／not a command"}},
		{"ideographic spaces inside chat stay", "你好　世界", nil, []string{"alice: 你好　世界"}},
		{"a full-width hash inside chat stays", "＃1 ＠ home", nil, []string{"alice: ＃1 ＠ home"}},
		{"a full-width unknown command is named", "／nosuch", []string{"-> unknown command: /nosuch (try /help)"}, nil},
	}
	runLineCases(t, tests)
	logins := []struct{ name, line string }{
		{"bare login with an ideographic space", "login　cara"},
		{"slash login with an ideographic space", "/login　cara"},
		{"full-width slash nick", "／nick cara"},
	}
	for _, tt := range logins {
		t.Run(tt.name+" logs in", func(t *testing.T) {
			h := newHarness(t)
			u := h.connect()
			u.send(tt.line)
			if u.s.Nick() != "cara" {
				t.Errorf("nick %q after %q: %q", u.s.Nick(), tt.line, u.got())
			}
		})
	}
}

// TestHistoryFollowsIdentity checks that room history records who spoke,
// not the name they had: an ignore follows a rename into the replay, and a
// newcomer who takes a freed name neither hides nor inherits the old
// owner's lines.
func TestHistoryFollowsIdentity(t *testing.T) {
	t.Run("a line said before a rename is hidden from whoever ignores the new name", func(t *testing.T) {
		h := newHarness(t)
		us := h.logins("bert", "cara", "dan")
		bert, cara, dan := us[0], us[1], us[2]
		bert.send("/join tea")
		dan.send("/join tea")
		bert.send("hello tea")
		dan.send("hi bert")
		bert.send("/nick Bertie")
		cara.send("/ignore Bertie")
		drain(us...)
		expectLines(t, "cara", cara.says("/join tea"), []string{"dan: hi bert", "*** cara joined #tea"})
	})
	t.Run("a newcomer with a freed name does not inherit the old owner's ignores", func(t *testing.T) {
		h := newHarness(t)
		us := h.logins("bert", "cara", "dan")
		bert, cara, dan := us[0], us[1], us[2]
		dan.send("/join tea") // keeps #tea and its history alive
		bert.send("/join tea")
		bert.send("old bert here")
		cara.send("/ignore bert")
		bert.send("/part")
		bert.send("/quit")
		newBert := h.login("bert")
		newBert.send("/join tea")
		newBert.send("new bert here")
		drain(cara, newBert, dan)
		expectLines(t, "cara", cara.says("/join tea"), []string{"bert: new bert here", "*** cara joined #tea"})
		cara.send("/unignore bert")
		cara.send("/part")
		drain(cara)
		expectLines(t, "cara without the ignore", cara.says("/join tea"),
			[]string{"bert: old bert here", "bert: new bert here", "*** cara joined #tea"})
	})
}

// TestIgnoreListIsBounded checks MaxIgnores: a session ignores at most that
// many users, and is told so.
func TestIgnoreListIsBounded(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Rate = 0 })
	alice := h.login("alice")
	for i := range MaxIgnores + 1 {
		h.login(fmt.Sprintf("u%03d", i))
	}
	drain(alice)
	for i := range MaxIgnores {
		alice.send(fmt.Sprintf("/ignore u%03d", i))
	}
	drain(alice)
	expectLines(t, "alice", alice.says(fmt.Sprintf("/ignore u%03d", MaxIgnores)),
		[]string{fmt.Sprintf("-> you ignore %d users already, the most there can be: /unignore one first", MaxIgnores)})
}
