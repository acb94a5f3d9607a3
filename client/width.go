package main

import (
	"unicode"

	"golang.org/x/text/width"
)

// runeWidth is how many terminal columns r takes: 2 for East Asian wide and
// full-width characters (CJK, most emoji), 0 for combining marks, format
// characters and controls, 1 for the rest. x/term's Terminal counts every
// rune as one column, which is why the line editor here does its own
// measuring.
func runeWidth(r rune) int {
	switch {
	case r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0):
		return 0
	case unicode.In(r, unicode.Mn, unicode.Me, unicode.Cf):
		return 0
	}
	switch width.LookupRune(r).Kind() {
	case width.EastAsianWide, width.EastAsianFullwidth:
		return 2
	}
	return 1
}

// runesWidth is the columns taken by rs.
func runesWidth(rs []rune) int {
	n := 0
	for _, r := range rs {
		n += runeWidth(r)
	}
	return n
}

// stringWidth is the columns taken by s.
func stringWidth(s string) int {
	n := 0
	for _, r := range s {
		n += runeWidth(r)
	}
	return n
}
