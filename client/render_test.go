package main

import "testing"

func TestLinesAreClassifiedByTheServersFormats(t *testing.T) {
	tests := []struct {
		name string
		line string
		want message
	}{
		{"a chat line names its speaker", "alice: hello", message{kind: kindChat, nick: "alice", text: "hello"}},
		{"an emote names its actor", "* alice waves", message{kind: kindEmote, nick: "alice", text: "waves"}},
		{"a received PM names its sender", "[PM from alice] hi", message{kind: kindPMFrom, nick: "alice", text: "hi"}},
		{"a sent PM names its receiver", "[PM to bob] hi", message{kind: kindPMTo, nick: "bob", text: "hi"}},
		{"an announcement is recognised", "*** alice joined #lobby", message{kind: kindAnnounce, text: "alice joined #lobby"}},
		{"a reply is recognised", "-> no such user: bob", message{kind: kindReply, text: "no such user: bob"}},
		{"a timestamp is set apart", "[15:04:05] alice: hi", message{stamp: "[15:04:05] ", kind: kindChat, nick: "alice", text: "hi"}},
		{"the welcome is plain", "Welcome to teahouse!", message{text: "Welcome to teahouse!"}},
		{"a colon after a phrase is not chat", "Please choose a nickname: ", message{text: "Please choose a nickname: "}},
		{"a bullet that is no emote stays plain", "* (a note) here", message{text: "* (a note) here"}},
		{"a bracket that is no PM stays plain", "[PM from nowhere", message{text: "[PM from nowhere"}},
		{"a Chinese nickname is a nickname", "小明: 你好", message{kind: kindChat, nick: "小明", text: "你好"}},
		{"a bad timestamp is text", "[1x:04:05] hi", message{text: "[1x:04:05] hi"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := parseLine(tt.line)
			if got != tt.want {
				t.Errorf("parseLine(%q) = %#v, want %#v", tt.line, got, tt.want)
			}
			if got.String() != tt.line {
				t.Errorf("String() = %q, want the line back, %q", got.String(), tt.line)
			}
		})
	}
}

func TestColourRenderingIsExact(t *testing.T) {
	alice := nickColour("alice")
	tests := []struct {
		name string
		line string
		want string
	}{
		{"a chat nickname gets its colour", "alice: hello", alice + "alice\x1b[0m: hello"},
		{"an emote nickname gets its colour", "* alice waves", "* " + alice + "alice\x1b[0m waves"},
		{"a received PM is bold magenta", "[PM from alice] hi", "\x1b[1;35m[PM from alice]\x1b[0m hi"},
		{"a sent PM is bold magenta", "[PM to alice] hi", "\x1b[1;35m[PM to alice]\x1b[0m hi"},
		{"an announcement is yellow", "*** alice joined #lobby", "\x1b[33m*** alice joined #lobby\x1b[0m"},
		{"a reply is cyan", "-> unknown command: /x", "\x1b[36m-> unknown command: /x\x1b[0m"},
		{"a timestamp is grey", "[15:04:05] *** x", "\x1b[90m[15:04:05]\x1b[0m \x1b[33m*** x\x1b[0m"},
		{"plain text stays plain", "Welcome to teahouse!", "Welcome to teahouse!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseLine(tt.line).Render(true); got != tt.want {
				t.Errorf("Render(true) = %q, want %q", got, tt.want)
			}
			if got := parseLine(tt.line).Render(false); got != tt.line {
				t.Errorf("Render(false) = %q, want the plain line %q", got, tt.line)
			}
		})
	}
}

func TestNickColoursAreStable(t *testing.T) {
	tests := []struct {
		name   string
		a, b   string
		sameAs bool
	}{
		{"case does not change a colour", "Alice", "alice", true},
		{"full-width letters fold to the same name", "Ａlice", "alice", true},
		{"different names can differ", "alice", "bob", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if same := nickColour(tt.a) == nickColour(tt.b); tt.sameAs && !same {
				t.Errorf("%q and %q got different colours", tt.a, tt.b)
			}
		})
	}
	// Pinned: a nickname keeps its colour across versions of the client.
	if got, want := nickColour("alice"), nickPalette[fnvIndex("alice")]; got != want {
		t.Errorf("alice's colour %q, want %q", got, want)
	}
	seen := map[string]bool{}
	for _, n := range []string{"alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"} {
		seen[nickColour(n)] = true
	}
	if len(seen) < 3 {
		t.Errorf("eight nicknames share %d colours: the hash is not spreading", len(seen))
	}
}

// fnvIndex is FNV-1a 32 of s, modulo the palette, written out by hand.
func fnvIndex(s string) int {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return int(h % uint32(len(nickPalette)))
}
