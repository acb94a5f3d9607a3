package wire

import (
	"fmt"
	"testing"
	"unicode"
)

// TestDefaultIgnorable checks the derived table against code points that
// DerivedCoreProperties.txt lists as Default_Ignorable_Code_Point, and
// against look-alikes it does not list.
func TestDefaultIgnorable(t *testing.T) {
	members := []struct {
		r    rune
		what string
	}{
		{0x00AD, "soft hyphen"},
		{0x034F, "combining grapheme joiner"},
		{0x061C, "Arabic letter mark"},
		{0x115F, "Hangul choseong filler"},
		{0x1160, "Hangul jungseong filler"},
		{0x17B4, "Khmer vowel inherent aq"},
		{0x17B5, "Khmer vowel inherent aa"},
		{0x180B, "Mongolian free variation selector one"},
		{0x180E, "Mongolian vowel separator"},
		{0x180F, "Mongolian free variation selector four"},
		{0x200B, "zero width space"},
		{0x200C, "zero width non-joiner"},
		{0x200D, "zero width joiner"},
		{0x200E, "left-to-right mark"},
		{0x200F, "right-to-left mark"},
		{0x202A, "left-to-right embedding"},
		{0x202E, "right-to-left override"},
		{0x2060, "word joiner"},
		{0x2064, "invisible plus"},
		{0x2065, "reserved in the 2060 block"},
		{0x2066, "left-to-right isolate"},
		{0x206F, "nominal digit shapes"},
		{0x3164, "Hangul filler"},
		{0xFE00, "variation selector 1"},
		{0xFE0F, "variation selector 16"},
		{0xFEFF, "zero width no-break space (BOM)"},
		{0xFFA0, "halfwidth Hangul filler"},
		{0xFFF0, "reserved before the specials"},
		{0x1BCA0, "shorthand format letter overlap"},
		{0x1D173, "musical symbol begin beam"},
		{0x1D17A, "musical symbol end phrase"},
		{0xE0000, "reserved tag block start"},
		{0xE0001, "language tag"},
		{0xE0020, "tag space"},
		{0xE007F, "cancel tag"},
		{0xE0100, "variation selector 17"},
		{0xE01EF, "variation selector 256"},
		{0xE0FFF, "end of the reserved ignorable block"},
	}
	for _, m := range members {
		t.Run(fmt.Sprintf("%U %s is default ignorable", m.r, m.what), func(t *testing.T) {
			if !unicode.Is(DefaultIgnorable, m.r) || !IsInvisible(m.r) || !IsBlank(m.r) {
				t.Errorf("%U is not in the table", m.r)
			}
		})
	}
	others := []struct {
		r    rune
		what string
	}{
		{0x0020, "space (white space)"},
		{0x0041, "Latin A"},
		{0x00A0, "no-break space (white space)"},
		{0x0301, "combining acute accent (a visible mark)"},
		{0x0600, "Arabic number sign (prepended concatenation mark)"},
		{0x06DD, "Arabic end of ayah (prepended concatenation mark)"},
		{0x110BD, "Kaithi number sign (prepended concatenation mark)"},
		{0x1680, "ogham space mark (white space)"},
		{0x2028, "line separator (white space)"},
		{0x3000, "ideographic space (white space)"},
		{0xFFF9, "interlinear annotation anchor"},
		{0xFFFB, "interlinear annotation terminator"},
		{0xFFFC, "object replacement character"},
		{0xFFFD, "replacement character"},
		{0x13430, "Egyptian hieroglyph vertical joiner"},
		{0x1343F, "Egyptian hieroglyph end walled enclosure"},
		{0x2800, "braille pattern blank (a blank filler, not ignorable)"},
		{0x4E00, "CJK ideograph one"},
		{0x1F600, "grinning face"},
	}
	for _, o := range others {
		t.Run(fmt.Sprintf("%U %s is not default ignorable", o.r, o.what), func(t *testing.T) {
			if unicode.Is(DefaultIgnorable, o.r) {
				t.Errorf("%U is in the table", o.r)
			}
		})
	}
	t.Run("the table holds as many code points as Unicode counts", func(t *testing.T) {
		// DerivedCoreProperties.txt: "Total code points: 4174", the same
		// from Unicode 14.0 (which added U+180F) to 16.0.
		n := 0
		for r := rune(0); r <= unicode.MaxRune; r++ {
			if unicode.Is(DefaultIgnorable, r) {
				n++
			}
		}
		if n != 4174 {
			t.Errorf("%d code points, want 4174", n)
		}
	})
}

// TestIsInvisible checks the characters that show nothing without being
// default ignorable, and that white space and visible text are not counted.
func TestIsInvisible(t *testing.T) {
	for _, tc := range []struct {
		r         rune
		invisible bool
		blank     bool
	}{
		{0x2800, true, true},   // braille pattern blank
		{0x16FE4, true, true},  // Khitan small script filler
		{0x1D159, true, true},  // musical symbol null notehead
		{0x3164, true, true},   // Hangul filler
		{' ', false, true},     // white space is blank, not invisible
		{0x3000, false, true},  // ideographic space
		{0x2029, false, true},  // paragraph separator
		{'a', false, false},    // visible
		{0x00E9, false, false}, // é
		{0x2801, false, false}, // braille pattern dots-1
	} {
		t.Run(fmt.Sprintf("%U is invisible %v and blank %v", tc.r, tc.invisible, tc.blank), func(t *testing.T) {
			if got := IsInvisible(tc.r); got != tc.invisible {
				t.Errorf("IsInvisible(%U) = %v", tc.r, got)
			}
			if got := IsBlank(tc.r); got != tc.blank {
				t.Errorf("IsBlank(%U) = %v", tc.r, got)
			}
		})
	}
}

// TestIsInvisibleFastRanges checks that the ranges IsInvisible answers
// without its table hold no invisible code point.
func TestIsInvisibleFastRanges(t *testing.T) {
	for _, rg := range [][2]rune{{0, 0xAC}, {0x3165, 0xFDFF}} {
		t.Run(fmt.Sprintf("nothing in %U..%U is invisible", rg[0], rg[1]), func(t *testing.T) {
			for r := rg[0]; r <= rg[1]; r++ {
				if unicode.Is(invisibleTable, r) {
					t.Fatalf("%U is invisible", r)
				}
			}
		})
	}
}
