package wire

import (
	"bytes"
	"testing"

	"golang.org/x/text/unicode/norm"

	"teahouse/session/sessiontest"
)

func TestSanitize(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"plain text is kept", "hello, world", "hello, world"},
		{"leading and trailing spaces are trimmed", "  hi there \t ", "hi there"},
		{"a tab becomes a space", "a\tb", "a b"},
		{"C0 controls are removed", "a\x00b\x07c\x08d", "abcd"},
		{"DEL is removed", "ab\x7fc", "abc"},
		{"C1 controls are removed", "a\u0085b\u0080c", "abc"},
		{"a colour CSI sequence is removed whole", "\x1b[1;31mred\x1b[0m", "red"},
		{"cursor movement is removed whole", "a\x1b[2J\x1b[H\x1b[10;20Hb", "ab"},
		{"a private-mode CSI is removed whole", "a\x1b[?25lb", "ab"},
		{"an OSC title ending in BEL is removed whole", "\x1b]0;pwned\x07hi", "hi"},
		{"an OSC ending in ST is removed whole", "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\", "link"},
		{"a DCS string is removed whole", "a\x1bPq#0;2;0;0;0\x1b\\b", "ab"},
		{"a two-byte escape is removed", "a\x1bcb\x1b7c", "abc"},
		{"a charset designation (nF escape) is removed", "a\x1b(Bb", "ab"},
		{"an 8-bit CSI is removed whole", "a\u009b31mb", "ab"},
		{"an 8-bit OSC is removed up to ST", "a\u009d0;x\u009cb", "ab"},
		{"an unterminated OSC eats the rest of the line", "hi\x1b]0;never ends", "hi"},
		{"an ESC at the end of the line is removed", "hi\x1b", "hi"},
		{"ESC before non-ASCII keeps the character", "a\x1b你", "a你"},
		{"CAN aborts a CSI sequence", "a\x1b[12\x18b", "ab"},
		{"bidi overrides are removed", "a\u202ecba\u202c\u2066x\u2069", "acbax"},
		{"a line of only controls is empty", "\x1b[0m\t\x07 ", ""},
		{"ideographic spaces are trimmed too", "\u3000你好\u3000", "你好"},
		{"U+FFFD from undecodable bytes is kept", "a\uFFFDb", "a\uFFFDb"},

		// Everything some reader splits lines on (Python's str.splitlines
		// list) is removed or becomes a space: no forged line survives.
		{"a line feed inside a line is removed", "a\nb", "ab"},
		{"a carriage return inside a line is removed", "a\rb", "ab"},
		{"a vertical tab is removed", "a\vb", "ab"},
		{"a form feed is removed", "a\fb", "ab"},
		{"a file separator is removed", "a\x1cb", "ab"},
		{"a group separator is removed", "a\x1db", "ab"},
		{"a record separator is removed", "a\x1eb", "ab"},
		{"a next line (NEL) is removed", "a\u0085b", "ab"},
		{"a line separator becomes a space", "hi\u2028alice: forged", "hi alice: forged"},
		{"a paragraph separator becomes a space", "hi\u2029alice: forged", "hi alice: forged"},
		{"line separators at the ends are trimmed", "\u2028hi\u2029", "hi"},
		{"a line of only line separators is empty", "\u2028\u2029\u2028", ""},

		// Lines that show nothing are empty, so they are ignored like a
		// line of spaces.
		{"a line of only braille pattern blank is empty", "\u2800", ""},
		{"a line of only zero width spaces is empty", "\u200B\u200B", ""},
		{"a line of only a byte order mark is empty", "\uFEFF", ""},
		{"a line of only a word joiner is empty", "\u2060", ""},
		{"a line of only the Hangul filler is empty", "\u3164", ""},
		{"a line of only the halfwidth Hangul filler is empty", "\uFFA0", ""},
		{"a line of Hangul choseong and jungseong fillers is empty", "\u115F\u1160", ""},
		{"a line of only soft hyphens is empty", "\u00AD\u00AD", ""},
		{"a line of only joiners is empty", "\u200D\u200C\u034F", ""},
		{"a line of only variation selectors is empty", "\uFE0F\U000E0100", ""},
		{"a line of only tag characters is empty", "\U000E0001\U000E0041\U000E007F", ""},
		{"a line of only a Mongolian vowel separator is empty", "\u180E", ""},
		{"a line of only the Khitan filler is empty", "\U00016FE4", ""},
		{"a line of only a null notehead is empty", "\U0001D159", ""},
		{"blanks mixed with spaces and controls are empty", " \u2800\t\u200B\u3000\x1b[0m\uFEFF ", ""},
		{"a leading byte order mark is trimmed", "\uFEFFhello", "hello"},
		{"a leading zero width space before a command is trimmed", "\u200B/quit", "/quit"},
		{"trailing blank fillers are trimmed", "hi\u2800\u3164\u200B", "hi"},
		{"blank fillers between words are kept", "a\u2800b", "a\u2800b"},
		{"a zero width space between words is kept", "a\u200Bb", "a\u200Bb"},
		{"an emoji ZWJ sequence is kept whole", "\U0001F468\u200D\U0001F469\u200D\U0001F467", "\U0001F468\u200D\U0001F469\u200D\U0001F467"},
		{"a variation selector ending the line stays with its emoji", "I \u2764\uFE0F", "I \u2764\uFE0F"},
		{"a tag sequence ending the line stays with its flag", "go \U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F", "go \U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F"},
		{"a Persian zero width non-joiner is kept", "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645", "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645"},
		{"a lone combining mark is visible", "\u0301", "\u0301"},
		{"a space before a lone combining mark is trimmed", " \u200B \u0301x", "\u0301x"},

		// Text is NFC: one form for what looks the same.
		{"e with a combining acute becomes é", "caf\u0065\u0301", "caf\u00E9"},
		{"a combining diaeresis composes", "Zoe\u0308", "Zo\u00EB"},
		{"Hangul jamo compose into a syllable", "\u1112\u1161\u11AB", "\uD55C"},
		{"marks are put in canonical order", "a\u0301\u0328", "\u0105\u0301"},
		{"the angstrom sign becomes the letter", "\u212B", "\u00C5"},
		{"compatibility forms are kept (NFC, not NFKC)", "\uFB01 \uFF21", "\uFB01 \uFF21"},
		{"a control between a letter and its mark is removed before composing", "e\x07\u0301", "\u00E9"},
		{"an escape between a letter and its mark is removed before composing", "e\x1b[1m\u0301", "\u00E9"},
		{"already composed text is unchanged", "你好 caf\u00E9 \u2615", "你好 caf\u00E9 \u2615"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(Sanitize(nil, []byte(tc.in))); got != tc.want {
				t.Errorf("Sanitize(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
	t.Run("Sanitize appends after what dst holds", func(t *testing.T) {
		if got := string(Sanitize([]byte("x:"), []byte("  y  "))); got != "x:y" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("Sanitize normalizes only what it appended", func(t *testing.T) {
		dst := []byte("e") // an e before start must not take the accent
		if got := string(Sanitize(dst, []byte("\u0301e\u0301 \u3164"))); got != "e\u0301\u00E9" {
			t.Errorf("got %+q", got)
		}
	})
	t.Run("a blank line appended after what dst holds leaves dst as it was", func(t *testing.T) {
		if got := string(Sanitize([]byte("x:"), []byte("\u2800 \u200B"))); got != "x:" {
			t.Errorf("got %q", got)
		}
	})
}

// TestSanitizeAllocations pins Sanitize at zero allocations when dst has
// room, for plain, CJK, decomposed and blank-trimmed lines alike.
func TestSanitizeAllocations(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		max      float64
	}{
		{"an ASCII line allocates nothing", "hello everyone, this is the tea party chat", 0},
		{"a CJK line allocates nothing", "你好，今天的茶怎么样？第3杯", 0},
		{"a composed line with accents allocates nothing", "caf\u00E9 Zo\u00EB \uD55C", 0},
		{"a line with blanks to trim allocates nothing", "\uFEFF\u2800 hi \U0001F468\u200D\U0001F469 \u3164", 0},
		{"a decomposed line allocates nothing", "caf\u0065\u0301 Zoe\u0308 \u1112\u1161\u11AB", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := []byte(tc.in)
			dst := make([]byte, 0, 4*len(src))
			if n := testing.AllocsPerRun(100, func() { dst = Sanitize(dst[:0], src) }); n > tc.max {
				t.Errorf("%.0f allocations per line, want at most %.0f", n, tc.max)
			}
		})
	}
}

// BenchmarkSanitize cleans 1 MiB of mixed chat line by line, the cost
// every incoming line pays once.
func BenchmarkSanitize(b *testing.B) {
	lines := bytes.Split(sessiontest.MixedChat(), []byte("\r\n"))
	var n int64
	for _, l := range lines {
		n += int64(len(l))
	}
	var dst []byte
	b.SetBytes(n)
	b.ReportAllocs()
	for b.Loop() {
		for _, l := range lines {
			dst = Sanitize(dst[:0], l)
		}
	}
}

// TestNFCStable checks every code point nfcStable vouches for against
// x/text's normalization data: NFC by itself, and a boundary before it,
// so nothing in front can compose or reorder with it.
func TestNFCStable(t *testing.T) {
	n := 0
	for r := rune(0x80); r <= 0xFFFF; r++ {
		if !nfcStable(r) {
			continue
		}
		n++
		s := string(r)
		p := norm.NFC.PropertiesString(s)
		if !norm.NFC.IsNormalString(s) || !p.BoundaryBefore() || p.CCC() != 0 {
			t.Errorf("%U is not stable under NFC: normal %v, boundary before %v, ccc %d", r, norm.NFC.IsNormalString(s), p.BoundaryBefore(), p.CCC())
		}
		for _, prev := range []string{"a", "e", "\u304B", "\uAC00", "\u1100"} {
			if !norm.NFC.IsNormalString(prev + s) {
				t.Errorf("%+q followed by %U is not NFC", prev, r)
			}
		}
	}
	t.Logf("%d code points checked", n)
}
