package wire

import (
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
)

// editWindow bounds how far back Edit looks for the start of the last
// grapheme cluster, so that a line of thousands of Backspaces costs
// thousands of short scans, not thousands of scans of the whole line. A
// cluster longer than this (only "Zalgo" text has them) is erased in parts,
// never leaving half a rune.
const editWindow = 128

// Edit appends the decoded UTF-8 line src to dst with the in-band editing
// keys of character-mode clients (Windows telnet, MUD clients) applied, as
// a terminal's line discipline would have: Backspace (BS, 0x08) and DEL
// (0x7F) erase the previous character, ^U (0x15) the whole line and ^W
// (0x17) the previous word with the spaces after it. The framer turns
// telnet's IAC EC and IAC EL into BS and ^U. A character is a grapheme
// cluster (UAX #29), what the user sees as one: a Chinese character, an
// emoji with its modifiers or ZWJ sequence, a flag, a letter with its
// combining accents. Editing keys with nothing before them erase nothing.
//
// The keys are ASCII, so they decode as themselves from UTF-8 and GBK, and
// editing the decoded line erases whole characters in either charset. dst
// may be src[:0]: Edit never writes ahead of what it reads.
func Edit(dst, src []byte) []byte {
	if !hasEdits(src) {
		return append(dst, src...)
	}
	start := len(dst)
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case chBS, chDEL:
			dst = dst[:start+lastCluster(dst[start:])]
		case chNAK:
			dst = dst[:start]
		case chETB:
			dst = dst[:start+wordStart(dst[start:])]
		default:
			dst = append(dst, c)
		}
	}
	return dst
}

// hasEdits reports whether src holds an editing key.
func hasEdits(src []byte) bool {
	for _, c := range src {
		if c == chBS || c == chDEL || c == chNAK || c == chETB {
			return true
		}
	}
	return false
}

// lastCluster returns where the last grapheme cluster of b starts.
func lastCluster(b []byte) int {
	from := 0
	if len(b) > editWindow {
		from = len(b) - editWindow
		for from < len(b) && !utf8.RuneStart(b[from]) {
			from++
		}
	}
	last, state := from, -1
	for rest := b[from:]; len(rest) > 0; {
		last = len(b) - len(rest)
		_, rest, _, state = uniseg.FirstGraphemeCluster(rest, state)
	}
	return last
}

// wordStart returns where the last word of b starts, the spaces after it
// included: what ^W erases.
func wordStart(b []byte) int {
	i := len(b)
	for i > 0 {
		r, n := utf8.DecodeLastRune(b[:i])
		if !unicode.IsSpace(r) {
			break
		}
		i -= n
	}
	for i > 0 {
		r, n := utf8.DecodeLastRune(b[:i])
		if unicode.IsSpace(r) {
			break
		}
		i -= n
	}
	return i
}
