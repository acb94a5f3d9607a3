package wire

import (
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
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

// Line and paragraph separators: readers that split lines on them
// (Python's splitlines, JavaScript, Java UIs) would show the rest of the
// line as a new line with no nickname in front.
const (
	lineSep = 0x2028
	paraSep = 0x2029
)

// Sanitize appends the printable part of the UTF-8 line src to dst, in
// Unicode NFC: C0 controls (TAB becomes a space), DEL, C1 controls, whole
// ANSI/VT escape sequences and Unicode bidi overrides are removed, U+2028
// and U+2029 become a space, and what shows nothing at either end is
// trimmed: white space, and grapheme clusters made only of default-ignorable
// code points and blank fillers (U+200B, U+FEFF, U+3164, U+2800, ...). A
// line with nothing visible in it therefore comes out empty. Invisible
// characters inside visible text are kept: emoji sequences need U+200D and
// Persian needs U+200C. src must be valid UTF-8 (Codec.Decode guarantees
// it), so nobody can repaint another user's screen, reverse the direction
// of their text, or forge a line.
//
// Sanitize allocates nothing when dst has room, which a caller reusing dst
// soon gives it.
func Sanitize(dst, src []byte) []byte {
	start := len(dst)
	st := escNone
	var checkNFC, invisible bool
	for i := 0; i < len(src); {
		if st == escNone && isPrintASCII(src[i]) {
			// Most of every line: copy the whole run of printable ASCII at
			// once rather than rune by rune.
			j := i + 1
			for j < len(src) && isPrintASCII(src[j]) {
				j++
			}
			dst = append(dst, src[i:j]...)
			i = j
			continue
		}
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
			case r == lineSep || r == paraSep:
				dst = append(dst, ' ')
			default:
				if r >= utf8.RuneSelf {
					checkNFC = checkNFC || !nfcStable(r)
					invisible = invisible || IsInvisible(r)
				}
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
	if checkNFC {
		dst = appendNFC(dst, start)
	}
	if invisible {
		dst = trimBlankClusters(dst, start)
	}
	return trimSpace(dst, start)
}

// isPrintASCII reports the bytes Sanitize copies as they are in plain text.
func isPrintASCII(b byte) bool { return b >= 0x20 && b < chDEL }

// nfcStable reports code points that are NFC and start a new character
// whatever precedes them, so text of only these and ASCII is NFC without
// asking x/text: Latin-1, CJK punctuation, kana, the common CJK ideographs,
// Hangul syllables and full-width forms, which is most of what this
// server's users type. TestNFCStable holds every range to norm's data.
func nfcStable(r rune) bool {
	switch {
	case r >= 0xA0 && r <= 0xFF,
		r >= 0x3000 && r <= 0x3029, // CJK symbols and punctuation before the tone marks
		r >= 0x3041 && r <= 0x3096, // hiragana
		r >= 0x30A1 && r <= 0x30FA, // katakana
		r >= 0x3400 && r <= 0x4DBF, // CJK extension A
		r >= 0x4E00 && r <= 0x9FFF, // CJK unified ideographs
		r >= 0xAC00 && r <= 0xD7A3, // Hangul syllables
		r >= 0xFF01 && r <= 0xFF5E: // full-width ASCII forms
		return true
	}
	return false
}

// appendNFC normalizes dst[start:] to NFC in place. Text typed on a Mac or
// pasted from a file is often decomposed (e + U+0301); in NFC it is one
// character that a GBK user's charset has, and one form for everything
// the server compares. Already-NFC text, nearly all of it, costs a scan.
func appendNFC(dst []byte, start int) []byte {
	q := start + norm.NFC.QuickSpan(dst[start:])
	end := len(dst)
	if q == end {
		return dst
	}
	// Compose the tail after the end of dst, then move it into place.
	// appends write only past end, so the tail being read stays intact
	// (if dst grows, the tail still points at the old array). Not
	// Form.Append: it would compose the tail with the caller's bytes
	// before start. Form.Append and Form.Transform allocate a buffer per
	// call; a pooled norm.Iter does not.
	it := nfcIters.Get().(*norm.Iter)
	for it.Init(norm.NFC, dst[q:end]); !it.Done(); {
		dst = append(dst, it.Next()...)
	}
	it.Init(norm.NFC, nil) // do not keep the caller's buffer alive in the pool
	nfcIters.Put(it)
	n := copy(dst[q:], dst[end:])
	return dst[:q+n]
}

// nfcIters holds NFC iterators for appendNFC; Sanitize keeps no state of
// its own, and the client calls it from more than one goroutine.
var nfcIters = sync.Pool{New: func() any { return new(norm.Iter) }}

// trimBlankClusters removes the grapheme clusters at either end of
// dst[start:] that show nothing (every code point white space or
// invisible); it leaves dst[start:] empty if no cluster shows anything.
// Whole clusters are judged so that a variation selector or joiner ending
// a visible emoji stays with it.
func trimBlankClusters(dst []byte, start int) []byte {
	s := dst[start:]
	first, end := -1, 0 // where the first visible cluster starts, the last ends
	state := -1
	for pos, rest := 0, s; len(rest) > 0; {
		var c []byte
		c, rest, _, state = uniseg.FirstGraphemeCluster(rest, state)
		if !isBlankCluster(c) {
			if first < 0 {
				first = pos
			}
			end = pos + len(c)
		}
		pos += len(c)
	}
	if first < 0 {
		return dst[:start]
	}
	n := copy(s, s[first:end])
	return dst[:start+n]
}

// isBlankCluster reports whether every code point of c shows nothing.
func isBlankCluster(c []byte) bool {
	for len(c) > 0 {
		r, n := utf8.DecodeRune(c)
		if !IsBlank(r) {
			return false
		}
		c = c[n:]
	}
	return true
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
