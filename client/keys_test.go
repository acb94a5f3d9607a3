package main

import "testing"

func TestKeysAreDecoded(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want key
		n    int
	}{
		{"a letter is a rune", "a", key{code: keyRune, r: 'a'}, 1},
		{"a CJK character is one rune", "你", key{code: keyRune, r: '你'}, 3},
		{"half a CJK character waits", "\xe4\xbd", key{}, 0},
		{"CR is Enter", "\r", key{code: keyEnter}, 1},
		{"CRLF is one Enter", "\r\n", key{code: keyEnter}, 2},
		{"LF is Enter", "\n", key{code: keyEnter}, 1},
		{"DEL is Backspace", "\x7f", key{code: keyBackspace}, 1},
		{"Ctrl-H is Backspace", "\x08", key{code: keyBackspace}, 1},
		{"Ctrl-C interrupts", "\x03", key{code: keyInterrupt}, 1},
		{"Ctrl-D is end of input", "\x04", key{code: keyEOF}, 1},
		{"the up arrow is history", "\x1b[A", key{code: keyUp}, 3},
		{"the application-mode down arrow is history", "\x1bOB", key{code: keyDown}, 3},
		{"Ctrl-right moves right", "\x1b[1;5C", key{code: keyRight}, 6},
		{"Delete is recognised", "\x1b[3~", key{code: keyDelete}, 4},
		{"Home in VT220 form is Home", "\x1b[1~", key{code: keyHome}, 4},
		{"a split sequence waits", "\x1b[", key{}, 0},
		{"a lone Escape waits", "\x1b", key{}, 0},
		{"Escape before a letter is dropped alone", "\x1bx", key{code: keyNone}, 1},
		{"bracketed paste markers do nothing", "\x1b[200~", key{code: keyNone}, 6},
		{"TAB types a space", "\t", key{code: keyRune, r: ' '}, 1},
		{"a stray control does nothing", "\x07", key{code: keyNone}, 1},
		{"a C1 control is not text", "\u009b", key{code: keyNone}, 2},
		{"an invalid byte is not text", "\xff", key{code: keyNone}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, n := nextKey([]byte(tt.in))
			if got != tt.want || n != tt.n {
				t.Errorf("nextKey(%q) = %+v, %d; want %+v, %d", tt.in, got, n, tt.want, tt.n)
			}
		})
	}
}

func TestRuneWidthsFollowEastAsianWidth(t *testing.T) {
	tests := []struct {
		name string
		s    string
		want int
	}{
		{"ASCII is one column a letter", "abc", 3},
		{"CJK ideographs are two columns", "你好", 4},
		{"full-width letters are two columns", "Ａ", 2},
		{"emoji are two columns", "🍵", 2},
		{"a combining accent takes none", "e\u0301", 1},
		{"Hangul syllables are two columns", "한", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := stringWidth(tt.s); got != tt.want {
				t.Errorf("stringWidth(%q) = %d, want %d", tt.s, got, tt.want)
			}
		})
	}
}
