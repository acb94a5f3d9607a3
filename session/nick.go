package session

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// folder computes the keys under which nicknames and room names are unique:
// NFKC, then Unicode case folding, then NFKC again (NFKC_Casefold), so that
// "Alice", "alice" and full-width "Ａlice" are one name.
type folder struct{ caser cases.Caser }

func newFolder() *folder { return &folder{caser: cases.Fold()} }

// key returns the comparison key of a valid name.
func (f *folder) key(name string) string {
	return norm.NFKC.String(f.caser.String(norm.NFKC.String(name)))
}

// checkName applies the nickname rules, also used for room names with a
// different length: 1 to max characters, each a Unicode letter or digit,
// '_', '-' or '.', with combining marks allowed after the first character
// (without them many scripts cannot write a name at all).
func checkName(name string, max int, what string, sentinel error) error {
	n := utf8.RuneCountInString(name)
	switch {
	case n == 0:
		return fmt.Errorf("%w: a %s needs at least one character", sentinel, what)
	case strings.ContainsFunc(name, unicode.IsSpace):
		return fmt.Errorf("%w: %q has a space in it", sentinel, name)
	case n > max:
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
