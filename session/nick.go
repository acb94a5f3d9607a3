package session

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"teahouse/session/wire"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// folder computes the keys under which nicknames and room names are unique:
// Unicode's NFKC_Casefold (UAX #44, DerivedNormalizationProps NFKC_CF), so
// that "Alice", "alice" and full-width "Ａlice" are one name, and a name
// with a default-ignorable code point in it is the same name without it.
type folder struct{ caser cases.Caser }

func newFolder() *folder { return &folder{caser: cases.Fold()} }

// key returns the comparison key of a name: NFKC, full case folding,
// default-ignorable code points removed, then NFKC again (the removal comes
// before the last step because an ignorable such as U+034F can stand
// between a letter and the mark that would compose with it). checkName
// already refuses ignorables; removing them here keeps the key right for
// any string, as NFKC_Casefold is defined.
func (f *folder) key(name string) string {
	// Names are valid UTF-8 (they come through wire.Codec.Decode), but
	// x/text's caser stops folding at an invalid byte: make any string
	// foldable rather than trust the caller.
	s := strings.ToValidUTF8(name, "\uFFFD") // returns name itself when valid
	s = f.caser.String(norm.NFKC.String(s))
	s = strings.Map(fixFold, s) // returns s itself when nothing changes
	return norm.NFKC.String(s)
}

// fixFold is a strings.Map function finishing x/text's case folding: it
// removes default-ignorable code points, and it folds Cherokee to the
// capital letters as CaseFolding.txt does ("AB70; C; 13A0", "13F8; C;
// 13F0"): x/text's Fold lowercases the capitals instead, so a capital and
// its small letter swapped places and a key was not a key of itself
// (golang/go#46101, found by FuzzNameKey).
func fixFold(r rune) rune {
	switch {
	case r < 0xAD:
		return r
	case r >= 0xAB70 && r <= 0xABBF: // CHEROKEE SMALL LETTER A..MV
		return r - 0xAB70 + 0x13A0
	case r >= 0x13F8 && r <= 0x13FD: // CHEROKEE SMALL LETTER YE..MV
		return r - 8
	case unicode.Is(wire.DefaultIgnorable, r):
		return -1
	}
	return r
}

// checkName applies the nickname rules, also used for room names with a
// different length: 1 to max characters, each a Unicode letter or digit,
// '_', '-' or '.', with combining marks allowed after the first character
// (without them many scripts cannot write a name at all). A character that
// renders as nothing is refused even where it is a letter or a mark (the
// Hangul filler U+3164 is a letter, U+034F a mark): a name made of it reads
// as blank, and a name with it added reads exactly like someone else's.
func checkName(name string, max int, what string, sentinel error) error {
	n := utf8.RuneCountInString(name)
	if n == 0 {
		return fmt.Errorf("%w: a %s needs at least one character", sentinel, what)
	}
	if strings.ContainsFunc(name, unicode.IsSpace) {
		return fmt.Errorf("%w: %q has a space in it", sentinel, name)
	}
	if i := strings.IndexFunc(name, wire.IsInvisible); i >= 0 {
		r, _ := utf8.DecodeRuneInString(name[i:])
		return fmt.Errorf("%w: %q has an invisible character (%U)", sentinel, name, r)
	}
	if n > max {
		return fmt.Errorf("%w: %q is longer than %d characters", sentinel, name, max)
	}
	for i, r := range name {
		ok := unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' || r == '.' ||
			(i > 0 && unicode.Is(unicode.M, r))
		if !ok {
			return fmt.Errorf("%w: %q: use letters, digits, _ - and . only", sentinel, name)
		}
	}
	return nil
}

// CheckNick reports whether name is an acceptable nickname, with the reason
// when it is not.
func CheckNick(name string) error { return checkName(name, MaxNickLen, "nickname", ErrBadNick) }

// roomName strips the optional '#' (or the full-width '＃' CJK input
// methods type) and checks the rest.
func roomName(arg string) (string, error) {
	name := strings.TrimPrefix(strings.TrimPrefix(arg, "#"), "＃")
	return name, checkName(name, MaxRoomLen, "room name", ErrBadRoom)
}
