package main

import "unicode/utf8"

// keyCode is one editing action decoded from terminal input.
type keyCode uint8

const (
	keyNone      keyCode = iota // input that does nothing (unknown sequences, stray controls)
	keyRune                     // a character to insert
	keyEnter                    // CR, LF or CRLF
	keyBackspace                // DEL or ^H
	keyDelete                   // ESC [3~: the character under the cursor
	keyLeft                     // ← or ^B
	keyRight                    // → or ^F
	keyHome                     // Home or ^A
	keyEnd                      // End or ^E
	keyUp                       // ↑ or ^P: older history
	keyDown                     // ↓ or ^N: newer history
	keyKillEnd                  // ^K: delete to the end of the line
	keyKillStart                // ^U: delete to the start of the line
	keyKillWord                 // ^W: delete the word before the cursor
	keyInterrupt                // ^C: leave
	keyEOF                      // ^D: leave on an empty line, else delete under the cursor
	keyRedraw                   // ^L: clear the screen and redraw the input line
)

// key is one decoded keypress.
type key struct {
	code keyCode
	r    rune // for keyRune
}

// Control bytes, as a raw-mode terminal sends them.
const (
	ctrlA     = 0x01
	ctrlB     = 0x02
	ctrlC     = 0x03
	ctrlD     = 0x04
	ctrlE     = 0x05
	ctrlF     = 0x06
	ctrlH     = 0x08
	ctrlK     = 0x0b
	ctrlL     = 0x0c
	ctrlN     = 0x0e
	ctrlP     = 0x10
	ctrlU     = 0x15
	ctrlW     = 0x17
	byteTab   = 0x09
	byteLF    = 0x0a
	byteCR    = 0x0d
	byteESC   = 0x1b
	byteDEL   = 0x7f
	c1First   = 0x80
	c1PastEnd = 0xa0
)

// controlKeys maps single control bytes to actions, in readline's
// (emacs-style) bindings.
var controlKeys = map[byte]keyCode{
	ctrlA: keyHome, ctrlB: keyLeft, ctrlC: keyInterrupt, ctrlD: keyEOF,
	ctrlE: keyEnd, ctrlF: keyRight, ctrlH: keyBackspace, ctrlK: keyKillEnd,
	ctrlL: keyRedraw, ctrlN: keyDown, ctrlP: keyUp, ctrlU: keyKillStart,
	ctrlW: keyKillWord, byteDEL: keyBackspace,
}

// nextKey decodes the first key in b and how many bytes it took; 0 bytes
// means b holds only the start of a key (a split escape sequence or UTF-8
// character) and more input is needed.
func nextKey(b []byte) (key, int) {
	if len(b) == 0 {
		return key{}, 0
	}
	c := b[0]
	switch {
	case c == byteCR:
		if len(b) > 1 && b[1] == byteLF {
			return key{code: keyEnter}, 2
		}
		return key{code: keyEnter}, 1
	case c == byteLF:
		return key{code: keyEnter}, 1
	case c == byteTab:
		return key{code: keyRune, r: ' '}, 1 // the server turns TAB into a space anyway
	case c == byteESC:
		return escapeKey(b)
	case c < 0x20 || c == byteDEL:
		return key{code: controlKeys[c]}, 1
	case c < utf8.RuneSelf:
		return key{code: keyRune, r: rune(c)}, 1
	}
	if !utf8.FullRune(b) {
		return key{}, 0
	}
	r, n := utf8.DecodeRune(b)
	if r == utf8.RuneError || (r >= c1First && r < c1PastEnd) {
		return key{code: keyNone}, n // not text: never put it on the screen
	}
	return key{code: keyRune, r: r}, n
}

// escapeKey decodes a key that starts with ESC: CSI sequences (ESC [ ...),
// SS3 sequences (ESC O x, sent by arrows in application mode), or a lone
// ESC, which is dropped so the byte after it counts as a key of its own.
func escapeKey(b []byte) (key, int) {
	if len(b) < 2 {
		return key{}, 0
	}
	switch b[1] {
	case '[':
		// CSI: parameter bytes 0x30-0x3F, intermediate bytes 0x20-0x2F,
		// then one final byte 0x40-0x7E (ECMA-48).
		i := 2
		for i < len(b) && b[i] >= 0x20 && b[i] <= 0x3f {
			i++
		}
		if i == len(b) {
			return key{}, 0
		}
		if b[i] < 0x40 || b[i] > 0x7e {
			return key{code: keyNone}, i // malformed: drop what came before
		}
		return key{code: csiKey(string(b[2:i]), b[i])}, i + 1
	case 'O':
		if len(b) < 3 {
			return key{}, 0
		}
		return key{code: csiKey("", b[2])}, 3
	}
	return key{code: keyNone}, 1
}

// csiKey maps a CSI or SS3 sequence to its action. Modifiers (ESC [1;5C)
// are ignored: Ctrl-→ moves like →.
func csiKey(params string, final byte) keyCode {
	switch final {
	case 'A':
		return keyUp
	case 'B':
		return keyDown
	case 'C':
		return keyRight
	case 'D':
		return keyLeft
	case 'H':
		return keyHome
	case 'F':
		return keyEnd
	case '~':
		switch params {
		case "1", "7":
			return keyHome
		case "4", "8":
			return keyEnd
		case "3":
			return keyDelete
		}
	}
	return keyNone
}
