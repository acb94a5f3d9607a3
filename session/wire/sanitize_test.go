package wire

import (
	"bytes"
	"testing"

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
