package wire

import (
	"bytes"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestEdit(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"a line without editing keys is unchanged", "hello, 世界 ☕", "hello, 世界 ☕"},
		{"Backspace erases the previous letter", "wrold\b\b\b\borld", "world"},
		{"DEL erases like Backspace", "alix\x7fce", "alice"},
		{"IAC EC, framed as BS, erases like Backspace", "alix\bce", "alice"},
		{"Backspace at the start of a line erases nothing", "\b\bhi", "hi"},
		{"more Backspaces than characters leave an empty line", "ab\b\b\b\b", ""},
		{"Backspace erases one whole Chinese character", "你好吗\b\b们", "你们"},
		{"Backspace erases a whole emoji", "tea ☕\b🍵", "tea 🍵"},
		{"Backspace erases an emoji with its skin tone", "hi 👋🏽\b!", "hi !"},
		{"Backspace erases a whole ZWJ family", "a👨‍👩‍👧\bb", "ab"},
		{"Backspace erases a whole flag", "🇨🇳🇯🇵\b", "🇨🇳"},
		{"Backspace erases a letter with its combining accent", "cafe\u0301\b\u00e9", "caf\u00e9"},
		{"Backspace erases a full-width letter", "Ａｌｉｘ\bｃｅ", "Ａｌｉｃｅ"},
		{"^U erases everything typed before it", "oops\x15hi", "hi"},
		{"IAC EL, framed as ^U, erases the line", "你好\x15再见", "再见"},
		{"^W erases the last word", "hello wrold\x17world", "hello world"},
		{"^W erases the spaces after the last word too", "hello wrold  \x17world", "hello world"},
		{"^W erases a run of Chinese as one word", "说 你好吗\x17再见", "说 再见"},
		{"^W at the start of a line erases nothing", "\x17hi", "hi"},
		{"^W after only spaces erases them", "   \x17hi", "hi"},
		{"editing keys mix in order", "ab\bc\x17xy\x15z\bq", "q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(Edit(nil, []byte(tt.in))); got != tt.want {
				t.Errorf("Edit(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
		t.Run(tt.name+", in place", func(t *testing.T) {
			b := []byte(tt.in)
			if got := string(Edit(b[:0], b)); got != tt.want {
				t.Errorf("Edit(%q) in place = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
	t.Run("Edit appends to what dst holds and never erases it", func(t *testing.T) {
		if got := string(Edit([]byte("keep:"), []byte("x\b\b\x15\x17y"))); got != "keep:y" {
			t.Errorf("got %q", got)
		}
	})
	t.Run("a line of thousands of Backspaces stays cheap", func(t *testing.T) {
		in := strings.Repeat("你", 1365) + strings.Repeat("\b", 4096)
		if got := Edit(nil, []byte(in)); len(got) != 0 {
			t.Errorf("%d bytes left", len(got))
		}
	})
	t.Run("a line without editing keys allocates nothing beyond dst", func(t *testing.T) {
		src, dst := []byte("hello, 世界"), make([]byte, 0, 64)
		if n := testing.AllocsPerRun(100, func() { dst = Edit(dst[:0], src) }); n != 0 {
			t.Errorf("%v allocations", n)
		}
	})
}

// FuzzEdit checks that editing valid UTF-8 gives valid UTF-8 without
// editing keys, never longer than its input, the same in place, and that
// a second pass changes nothing.
func FuzzEdit(f *testing.F) {
	for _, s := range []string{"wrold\b\b\b\borld", "你好\x7f", "a👨‍👩‍👧\bb", "e\u0301\b", "x y\x17\x15z", "🇨🇳🇯🇵\b"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput || !utf8.Valid(data) {
			return // Edit runs on decoded lines, which are valid UTF-8
		}
		out := Edit(nil, data)
		if !utf8.Valid(out) {
			t.Fatalf("invalid UTF-8 %q from %q", out, data)
		}
		if hasEdits(out) || len(out) > len(data) {
			t.Fatalf("Edit(%q) = %q", data, out)
		}
		in := bytes.Clone(data)
		if got := Edit(in[:0], in); !bytes.Equal(got, out) {
			t.Fatalf("in place %q, want %q", got, out)
		}
		if again := Edit(nil, out); !bytes.Equal(again, out) {
			t.Fatalf("not stable: %q then %q", out, again)
		}
	})
}
