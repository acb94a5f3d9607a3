package session

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"teahouse/session/wire"

	"golang.org/x/text/unicode/norm"
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
		// Names that render as nothing, or as someone else's.
		{"a name of only the Hangul filler is refused", "\u3164", "nickname not allowed: \"\u3164\" has an invisible character (U+3164)"},
		{"a name of only the halfwidth Hangul filler is refused", "\uFFA0", "nickname not allowed: \"\uFFA0\" has an invisible character (U+FFA0)"},
		{"a name of Hangul choseong and jungseong fillers is refused", "\u115F\u1160", "nickname not allowed: \"\u115F\u1160\" has an invisible character (U+115F)"},
		{"a name of only braille pattern blank is refused", "\u2800", "nickname not allowed: \"\u2800\" has an invisible character (U+2800)"},
		{"a name with the Khitan filler is refused", "a\U00016FE4", "nickname not allowed: \"a\U00016FE4\" has an invisible character (U+16FE4)"},
		{"a combining grapheme joiner after a name is refused", "alice\u034F", "nickname not allowed: \"alice\u034F\" has an invisible character (U+034F)"},
		{"a variation selector after a name is refused", "alice\uFE0F", "nickname not allowed: \"alice\uFE0F\" has an invisible character (U+FE0F)"},
		{"an ideographic variation selector is refused", "茶\U000E0100", "nickname not allowed: \"茶\U000E0100\" has an invisible character (U+E0100)"},
		{"a Mongolian free variation selector is refused", "a\u180B", "nickname not allowed: \"a\u180B\" has an invisible character (U+180B)"},
		{"a Khmer inherent vowel is refused", "a\u17B4", "nickname not allowed: \"a\u17B4\" has an invisible character (U+17B4)"},
		{"a zero width space is refused", "ali\u200Bce", `nickname not allowed: "ali\u200bce" has an invisible character (U+200B)`},
		{"a zero width joiner is refused", "ali\u200Dce", `nickname not allowed: "ali\u200dce" has an invisible character (U+200D)`},
		{"a soft hyphen is refused", "ali\u00ADce", `nickname not allowed: "ali\u00adce" has an invisible character (U+00AD)`},
		{"a word joiner is refused", "alice\u2060", `nickname not allowed: "alice\u2060" has an invisible character (U+2060)`},
		{"a byte order mark is refused", "\uFEFFalice", `nickname not allowed: "\ufeffalice" has an invisible character (U+FEFF)`},
		{"a left-to-right mark is refused", "alice\u200E", `nickname not allowed: "alice\u200e" has an invisible character (U+200E)`},
		{"a tag character is refused", "alice\U000E0041", `nickname not allowed: "alice\U000e0041" has an invisible character (U+E0041)`},
		{"a line separator is refused as a space", "al\u2028ice", `nickname not allowed: "al\u2028ice" has a space in it`},
		{"a paragraph separator is refused as a space", "al\u2029ice", `nickname not allowed: "al\u2029ice" has a space in it`},
		{"a no-break space is refused as a space", "al\u00A0ice", `nickname not allowed: "al\u00a0ice" has a space in it`},
		{"a Persian name without joiners is allowed", "مهرداد", ""},
		{"a Hangul name is allowed", "민수", ""},
		{"a name in decomposed Hangul jamo is allowed", "\u1106\u1175\u11AB", ""},
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
		{"the name with a combining grapheme joiner is refused", "alice\u034F", []string{"-> nickname not allowed: \"alice\u034F\" has an invisible character (U+034F)"}},
		{"the name with a variation selector is refused", "/nick alice\uFE00", []string{"-> nickname not allowed: \"alice\uFE00\" has an invisible character (U+FE00)"}},
		{"the name with a Hangul filler inside is refused", "login ali\u3164ce", []string{"-> nickname not allowed: \"ali\u3164ce\" has an invisible character (U+3164)"}},
		{"the name with a zero width space inside is refused", "al\u200Bice", []string{`-> nickname not allowed: "al\u200bice" has an invisible character (U+200B)`}},
		{"the name with a Hangul filler at the end is trimmed and taken", "login alice\u3164", taken},
		{"the name with a byte order mark in front is trimmed and taken", "\uFEFFalice", taken},
		{"a blank name of Hangul fillers is ignored like spaces", "\u3164\u3164", nil},
		{"a blank name of braille blanks is ignored like spaces", "\u2800", nil},
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
					// Lines are NFC once sanitized, so a nickname is too.
					if len(got) != 1 || !strings.HasPrefix(got[0], "-> nickname is taken: "+norm.NFC.String(first)+" is online") {
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

// TestFoldKey checks the comparison key against NFKC_Casefold: case,
// width, compatibility forms and canonical order fold together, default
// ignorables vanish, and look-alikes from other scripts stay apart.
func TestFoldKey(t *testing.T) {
	f := newFolder()
	for _, tc := range []struct{ name, in, want string }{
		{"ASCII capitals fold to small letters", "ALICE", "alice"},
		{"full-width letters fold to ASCII", "Ａｌｉｃｅ", "alice"},
		{"sharp s folds to ss", "Straße", "strasse"},
		{"final sigma folds to sigma", "ΟΔΥΣΣΕΥΣ", "οδυσσευσ"},
		{"a decomposed accent composes", "Zoe\u0308", "zoë"},
		{"a ligature is spelled out", "ﬁsh", "fish"},
		{"a circled letter is the letter", "ⓐlice", "alice"},
		{"a superscript digit is the digit", "a²", "a2"},
		{"a soft hyphen is removed", "ali\u00ADce", "alice"},
		{"a zero width space is removed", "ali\u200Bce", "alice"},
		{"a combining grapheme joiner is removed", "alice\u034F", "alice"},
		{"a variation selector is removed", "alice\uFE0F", "alice"},
		{"a Hangul filler is removed", "\u3164alice", "alice"},
		{"an ignorable between a letter and its mark is removed before composing", "e\u034F\u0301", "é"},
		{"Cyrillic a stays apart from Latin a", "аlice", "аlice"},
		{"a Cherokee capital folds to itself", "\u13B2\u13A0", "\u13B2\u13A0"},
		{"a Cherokee small letter folds to the capital", "\uAB82\uAB70", "\u13B2\u13A0"},
		{"a late Cherokee small letter folds to the capital", "\u13F8\u13FD", "\u13F0\u13F5"},
		{"a late Cherokee capital folds to itself", "\u13F0\u13F5", "\u13F0\u13F5"},
		{"CJK is unchanged", "小明", "小明"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := f.key(tc.in); got != tc.want {
				t.Errorf("key(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

// TestRoomNameInvisible checks that a room name that renders as another
// room's, or as nothing, is refused and creates no room.
func TestRoomNameInvisible(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{"the lobby with a combining grapheme joiner is refused", "/join lobby\u034F", "-> room name not allowed: \"lobby\u034F\" has an invisible character (U+034F)"},
		{"the lobby with a zero width space is refused", "/join #lob\u200Bby", `-> room name not allowed: "lob\u200bby" has an invisible character (U+200B)`},
		{"a room with a Hangul filler inside is refused", "/join tea\u3164room", "-> room name not allowed: \"tea\u3164room\" has an invisible character (U+3164)"},
		{"a room with braille blank inside is refused", "/join #tea\u2800room", "-> room name not allowed: \"tea\u2800room\" has an invisible character (U+2800)"},
		{"a room of only a Hangul filler is no room name at all", "/join \u3164", "-> usage: /join ROOM"},
		{"a room of only braille blank after # is no room name at all", "/join #\u2800", "-> room name not allowed: a room name needs at least one character"},
		{"a room with a variation selector is refused", "/join games\uFE0F", "-> room name not allowed: \"games\uFE0F\" has an invisible character (U+FE0F)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			alice := h.login("alice")
			expectLines(t, "alice", alice.says(tt.line), []string{tt.want})
			if got := h.table.Stats().Rooms.Load(); got != 1 || len(h.table.rooms) != 1 {
				t.Errorf("%d rooms (%d in the index) after a refused name, want only the lobby", got, len(h.table.rooms))
			}
			expectLines(t, "alice", alice.says("/join LOBBY"), []string{"-> you are already in #lobby"})
		})
	}
}

// FuzzNameKey checks the name rules and the comparison key on any input:
// an accepted name has nothing invisible or blank in it and is valid
// UTF-8, and its key is non-empty, NFC, free of default ignorables and a
// fixed point (key(key(x)) == key(x)), so one name cannot hide behind
// two keys.
func FuzzNameKey(f *testing.F) {
	for _, s := range []string{"alice", "ALICE", "Ａｌｉｃｅ", "straße", "Zoe\u0308", "\u3164", "alice\u034F", "e\u034F\u0301", "a\u037A", "ǅemal", "ﬃ", "İstanbul", "小明", "\u2800", "ΐ"} {
		f.Add(s)
	}
	fold := newFolder()
	f.Fuzz(func(t *testing.T, name string) {
		if len(name) > 256 {
			return
		}
		k := fold.key(name)
		if kk := fold.key(k); kk != k {
			t.Fatalf("key(%q) = %q but key(%q) = %q", name, k, k, kk)
		}
		if i := strings.IndexFunc(k, func(r rune) bool { return unicode.Is(wire.DefaultIgnorable, r) }); i >= 0 {
			t.Fatalf("key(%q) = %q keeps a default ignorable at %d", name, k, i)
		}
		if !norm.NFC.IsNormalString(k) {
			t.Fatalf("key(%q) = %q is not NFC", name, k)
		}
		if CheckNick(name) != nil {
			return
		}
		if !utf8.ValidString(name) || strings.ContainsFunc(name, wire.IsBlank) {
			t.Fatalf("accepted %q, which has something blank in it", name)
		}
		if k == "" {
			t.Fatalf("accepted %q, whose key is empty", name)
		}
		if _, err := roomName("#" + name); err != nil && utf8.RuneCountInString(name) <= MaxRoomLen {
			t.Fatalf("%q is a nickname but not a room name: %v", name, err)
		}
	})
}
