package session

import "strings"

// Protocol facts for clients, so that a client asks the core instead of
// copying its rules.

// NameKey returns the key under which the server compares nicknames and
// room names (NFKC_Casefold): two names with one key are the same name.
func NameKey(name string) string { return newFolder().key(name) }

// IsQuit reports whether line, typed by a user, ends the session: /quit or
// one of its aliases, or the bare word logout alone.
func IsQuit(line string) bool {
	reg, b := builtinCommands()
	switch prefix, rest := cutPrefix(line); prefix {
	case '/':
		name, _ := cutWord(rest)
		return reg.Lookup(name) == b.quit
	case 0:
		word, args := cutWord(line)
		return args == "" && reg.bare[strings.ToLower(word)] == b.quit
	}
	return false
}
