package session

import (
	"errors"
	"strings"
	"testing"
)

// TestCheckNick checks the nickname rules, with the reason a user reads.
func TestCheckNick(t *testing.T) {
	tests := []struct {
		name string
		nick string
		err  string // "" when allowed
	}{
		{"a plain name is allowed", "alice", ""},
		{"digits, underscore, dash and dot are allowed", "a_l-i.c3", ""},
		{"a name of one character is allowed", "x", ""},
		{"sixteen ASCII characters are allowed", "abcdefghijklmnop", ""},
		{"sixteen Chinese characters (48 bytes) are allowed", strings.Repeat("茶", 16), ""},
		{"a name with accents is allowed", "Zoë", ""},
		{"a combining mark after a letter is allowed", "Zoe\u0308", ""},
		{"a full-width name is allowed", "Ａｌｉｃｅ", ""},
		{"an empty name is refused", "", "nickname not allowed: a nickname needs at least one character"},
		{"seventeen characters are refused", "abcdefghijklmnopq", `nickname not allowed: "abcdefghijklmnopq" is longer than 16 characters`},
		{"seventeen Chinese characters are refused", strings.Repeat("茶", 17), `nickname not allowed: "` + strings.Repeat("茶", 17) + `" is longer than 16 characters`},
		{"a space is refused", "al ice", `nickname not allowed: "al ice" has a space in it`},
		{"an ideographic space is refused", "al\u3000ice", `nickname not allowed: "al\u3000ice" has a space in it`},
		{"punctuation is refused", "alice!", `nickname not allowed: "alice!": use letters, digits, _ - and . only`},
		{"a leading @ is refused", "@alice", `nickname not allowed: "@alice": use letters, digits, _ - and . only`},
		{"a leading slash is refused", "/alice", `nickname not allowed: "/alice": use letters, digits, _ - and . only`},
		{"an emoji is refused", "alice😀", `nickname not allowed: "alice😀": use letters, digits, _ - and . only`},
		{"a leading combining mark is refused", "\u0308alice", "nickname not allowed: \"\u0308alice\": use letters, digits, _ - and . only"},
		{"the replacement character is refused", "al\ufffdce", "nickname not allowed: \"al\ufffdce\": use letters, digits, _ - and . only"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckNick(tt.nick)
			switch {
			case tt.err == "" && err != nil:
				t.Errorf("CheckNick(%q) = %v, want nil", tt.nick, err)
			case tt.err != "" && (err == nil || err.Error() != tt.err || !errors.Is(err, ErrBadNick)):
				t.Errorf("CheckNick(%q) = %v, want %q wrapping ErrBadNick", tt.nick, err, tt.err)
			}
		})
	}
}

// TestNickCollisions logs alice in, then tries names that fold to hers: each
// is refused, the newcomer stays in login, and a free name then works.
func TestNickCollisions(t *testing.T) {
	taken := []string{"-> nickname is taken: alice is online; try another"}
	tests := []struct {
		name, line string
		want       []string
	}{
		{"the same name is taken", "alice", taken},
		{"the name in capitals is taken", "ALICE", taken},
		{"the name in mixed case is taken", "aLiCe", taken},
		{"the name with a full-width first letter is taken", "Ａlice", taken},
		{"the name all in full-width is taken", "ａｌｉｃｅ", taken},
		{"the name via login is taken", "login Alice", taken},
		{"the name via slash nick is taken", "/nick ALICE", taken},
		{"a bad name is refused with the reason", "alice smith", []string{`-> nickname not allowed: "alice smith" has a space in it`}},
		{"a long name is refused with the reason", "alice_the_magnificent", []string{`-> nickname not allowed: "alice_the_magnificent" is longer than 16 characters`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			alice := h.logins("alice")[0]
			u := h.connect()
			u.send(tt.line)
			expectLines(t, "the newcomer", u.got(), tt.want)
			if u.s.state != stateLogin || u.s.Nick() != "" {
				t.Fatalf("after a refused name: phase %d nick %q, want login without a nickname", u.s.state, u.s.Nick())
			}
			expectLines(t, "alice", alice.got(), nil)
			u.send("carol")
			expectLines(t, "the newcomer trying again", u.got(), []string{
				"-> hello carol! /help lists the commands", "*** carol joined #lobby",
			})
			if h.table.Stats().Logins.Load() != 2 {
				t.Errorf("logins %d, want 2: refusals are not logins", h.table.Stats().Logins.Load())
			}
		})
	}
}

// TestNickFolding checks that names that differ only by case or width
// collide with each other, whichever of them logs in first.
func TestNickFolding(t *testing.T) {
	same := [][]string{
		{"alice", "ALICE", "Ａlice", "ａｌｉｃｅ", "AlIcE"},
		{"straße", "STRASSE", "strasse"},
		{"小明", "小明"},
		{"Zoë", "Zoe\u0308", "ZOË"},
	}
	for _, group := range same {
		for _, first := range group {
			for _, second := range group {
				t.Run(first+" blocks "+second, func(t *testing.T) {
					h := newHarness(t)
					h.login(first)
					u := h.connect()
					u.send(second)
					got := u.got()
					if len(got) != 1 || !strings.HasPrefix(got[0], "-> nickname is taken: "+first+" is online") {
						t.Errorf("logging in as %q with %q online: %q, want it taken", second, first, got)
					}
				})
			}
		}
	}
	t.Run("different names do not collide", func(t *testing.T) {
		h := newHarness(t)
		for _, n := range []string{"alice", "alice2", "alice_", "аlice" /* Cyrillic а */, "alicé"} {
			h.login(n) // fails the test if refused
		}
		if got := h.table.Stats().Online.Load(); got != 5 {
			t.Errorf("online %d, want 5", got)
		}
	})
}

// TestRename checks /nick after login: who is told, what is freed, and
// that the new name works everywhere.
func TestRename(t *testing.T) {
	h := newHarness(t)
	us := h.logins("alice", "bob", "carol")
	alice, bob, carol := us[0], us[1], us[2]
	carol.send("/join games")
	drain(us...)

	alice.send("/nick alicia")
	expectLines(t, "alice", alice.got(), []string{"*** alice is now known as alicia"})
	expectLines(t, "bob, in the same room", bob.got(), []string{"*** alice is now known as alicia"})
	expectLines(t, "carol, in another room", carol.got(), nil)

	t.Run("the old name is free for someone else", func(t *testing.T) {
		u := h.connect()
		u.send("alice")
		if u.s.Nick() != "alice" {
			t.Errorf("logging in as alice after the rename: %q", u.got())
		}
		drain(us...)
	})
	t.Run("the new name is taken", func(t *testing.T) {
		u := h.connect()
		expectLines(t, "the newcomer", u.says("ALICIA"), []string{"-> nickname is taken: alicia is online; try another"})
	})
	t.Run("private messages reach the new name", func(t *testing.T) {
		bob.send("@alicia hi")
		expectLines(t, "alicia", alice.got(), []string{"[PM from bob] hi"})
		expectLines(t, "bob", bob.got(), []string{"[PM to alicia] hi"})
	})
	t.Run("the room sees chat under the new name", func(t *testing.T) {
		alice.send("hello")
		expectLines(t, "bob", bob.got(), []string{"alicia: hello"})
	})
	t.Run("a refused rename keeps the old name", func(t *testing.T) {
		expectLines(t, "alicia", alice.says("/nick bob"), []string{"-> nickname is taken: bob is online; try another"})
		expectLines(t, "alicia", alice.says("/nick a!"), []string{`-> nickname not allowed: "a!": use letters, digits, _ - and . only`})
		if alice.s.Nick() != "alicia" {
			t.Errorf("nick %q after refused renames, want alicia", alice.s.Nick())
		}
		expectLines(t, "bob", bob.got(), nil)
	})
	if got := h.table.Stats().Logins.Load(); got != 4 {
		t.Errorf("logins %d, want 4: a rename is not a login", got)
	}
}
