package wire

import (
	"unicode"
	"unicode/utf8"
)

// escState tracks where Sanitize is inside an ANSI/VT escape sequence.
type escState uint8

const (
	escNone   escState = iota // plain text
	escStart                  // seen ESC
	escInter                  // ESC followed by intermediate bytes (nF)
	escCSI                    // control sequence: parameters until a final byte
	escStr                    // OSC, DCS, SOS, PM, APC: text until BEL or ST
	escStrESC                 // inside a string, seen ESC (ST is ESC \)
)

// Control characters Sanitize treats specially.
const (
	chBEL = 0x07
	chTAB = 0x09
	chCAN = 0x18 // cancels a sequence
	chSUB = 0x1A // cancels a sequence
	chESC = 0x1B
	chDEL = 0x7F
	c1CSI = 0x9B
	c1ST  = 0x9C
	c1OSC = 0x9D
	c1DCS = 0x90
	c1SOS = 0x98
	c1PM  = 0x9E
	c1APC = 0x9F
)

// Sanitize appends the printable part of the UTF-8 line src to dst: C0
// controls (TAB becomes a space), DEL, C1 controls, whole ANSI/VT escape
// sequences and Unicode bidi overrides are removed, and leading and trailing
// white space is trimmed. The result may be empty. src must be valid UTF-8
// (Codec.Decode guarantees it), so nobody can repaint another user's screen
// or reverse the direction of their text.
func Sanitize(dst, src []byte) []byte {
	start := len(dst)
	st := escNone
	for i := 0; i < len(src); {
		r, n := rune(src[i]), 1
		if r >= utf8.RuneSelf {
			r, n = utf8.DecodeRune(src[i:])
		}
		switch st {
		case escNone:
			switch {
			case r == chESC:
				st = escStart
			case r == c1CSI:
				st = escCSI
			case r == c1OSC || r == c1DCS || r == c1SOS || r == c1PM || r == c1APC:
				st = escStr
			case r == chTAB:
				dst = append(dst, ' ')
			case r < 0x20 || r == chDEL || (r >= 0x80 && r <= 0x9F) || isBidiControl(r):
				// dropped
			default:
				dst = append(dst, src[i:i+n]...)
			}
		case escStart:
			switch {
			case r == '[':
				st = escCSI
			case r == ']' || r == 'P' || r == 'X' || r == '^' || r == '_':
				st = escStr
			case r >= 0x20 && r <= 0x2F:
				st = escInter
			case r >= 0x30 && r <= 0x7E:
				st = escNone // a two-byte escape (Fp, Fe, Fs)
			default:
				st = escNone
				continue // not an escape after all: look at r again as text
			}
		case escInter:
			switch {
			case r >= 0x20 && r <= 0x2F:
			case r >= 0x30 && r <= 0x7E:
				st = escNone
			default:
				st = escNone
				continue
			}
		case escCSI:
			switch {
			case r >= 0x20 && r <= 0x3F: // parameters and intermediates
			case r >= 0x40 && r <= 0x7E: // final byte
				st = escNone
			case r == chESC:
				st = escStart
			default: // malformed (CAN, SUB, text): abandon the sequence
				st = escNone
				if r != chCAN && r != chSUB {
					continue
				}
			}
		case escStr:
			switch r {
			case chBEL, c1ST, chCAN, chSUB:
				st = escNone
			case chESC:
				st = escStrESC
			}
		case escStrESC:
			if r == '\\' {
				st = escNone
			} else {
				// ESC that is not ST ends the string and starts a new escape.
				st = escStart
				continue
			}
		}
		i += n
	}
	return trimSpace(dst, start)
}

// isBidiControl reports the bidi embedding, override and isolate controls
// (U+202A-U+202E, U+2066-U+2069) that let a line display reversed.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}

// trimSpace trims white space from dst[start:] in place.
func trimSpace(dst []byte, start int) []byte {
	s := dst[start:]
	lead := 0
	for lead < len(s) {
		r, n := utf8.DecodeRune(s[lead:])
		if !unicode.IsSpace(r) {
			break
		}
		lead += n
	}
	end := len(s)
	for end > lead {
		r, n := utf8.DecodeLastRune(s[lead:end])
		if !unicode.IsSpace(r) {
			break
		}
		end -= n
	}
	n := copy(dst[start:], s[lead:end])
	return dst[:start+n]
}
