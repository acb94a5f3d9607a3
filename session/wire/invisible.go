package wire

import (
	"unicode"

	"golang.org/x/text/unicode/rangetable"
)

// DefaultIgnorable is the Unicode property Default_Ignorable_Code_Point:
// code points a renderer shows as nothing at all (zero-width spaces and
// joiners, variation selectors, the soft hyphen, Hangul fillers, tags, ...).
//
// Go ships no table for it, so it is derived from the tables Go does ship,
// exactly as DerivedCoreProperties.txt derives it (UAX #44):
//
//	  Other_Default_Ignorable_Code_Point
//	+ Cf (format characters)
//	+ Variation_Selector
//	- White_Space
//	- FFF9..FFFB (interlinear annotation format characters)
//	- 13430..13440 (Egyptian hieroglyph format characters)
//	- Prepended_Concatenation_Mark (format characters that should be visible)
//
// Deriving it rather than typing a list keeps it in step with the Unicode
// version of the Go toolchain (15.0.0 for Go 1.26). The literal ranges are
// the ones the UCD itself states; 13430..13440 is the Unicode 15.1 range,
// a superset of 15.0's 13430..1343F (U+13440 is a mark, not Cf, so the
// extra code point changes nothing here).
var DefaultIgnorable = deriveDefaultIgnorable()

// blankFillers are characters that are neither white space nor default
// ignorable yet render as an empty cell in common fonts and terminals:
// U+2800 BRAILLE PATTERN BLANK, U+16FE4 KHITAN SMALL SCRIPT FILLER and
// U+1D159 MUSICAL SYMBOL NULL NOTEHEAD. They are the non-ignorable members
// of the usual "invisible character" lists used to fake empty names.
var blankFillers = &unicode.RangeTable{
	R16: []unicode.Range16{{Lo: 0x2800, Hi: 0x2800, Stride: 1}},
	R32: []unicode.Range32{
		{Lo: 0x16FE4, Hi: 0x16FE4, Stride: 1},
		{Lo: 0x1D159, Hi: 0x1D159, Stride: 1},
	},
}

// invisibleTable is DefaultIgnorable plus blankFillers: every code point
// that shows nothing, apart from white space.
var invisibleTable = rangetable.Merge(DefaultIgnorable, blankFillers)

func deriveDefaultIgnorable() *unicode.RangeTable {
	var keep []rune
	rangetable.Visit(rangetable.Merge(unicode.Other_Default_Ignorable_Code_Point, unicode.Cf, unicode.Variation_Selector), func(r rune) {
		switch {
		case unicode.Is(unicode.White_Space, r),
			r >= 0xFFF9 && r <= 0xFFFB,
			r >= 0x13430 && r <= 0x13440,
			unicode.Is(unicode.Prepended_Concatenation_Mark, r):
		default:
			keep = append(keep, r)
		}
	})
	return rangetable.New(keep...)
}

// IsInvisible reports whether r renders as nothing: a default-ignorable
// code point or a blank filler such as U+2800. White space is not counted;
// unicode.IsSpace reports it.
func IsInvisible(r rune) bool {
	// Fast answers for ASCII and for CJK, kana and Hangul text, which
	// Sanitize checks rune by rune; TestIsInvisibleFastRanges holds them
	// to the table.
	if r < 0xAD || (r > 0x3164 && r < 0xFE00) {
		return false
	}
	return unicode.Is(invisibleTable, r)
}

// IsBlank reports whether r shows nothing: white space or invisible.
func IsBlank(r rune) bool { return unicode.IsSpace(r) || IsInvisible(r) }
