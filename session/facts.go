package session

// Protocol facts for clients, so that a client asks the core instead of
// copying its rules.

// NameKey returns the key under which the server compares nicknames and
// room names (NFKC_Casefold): two names with one key are the same name.
func NameKey(name string) string { return newFolder().key(name) }

// CutWord splits the first word of s from the rest at any Unicode white
// space, as the server does with a command's words, trimming the rest.
func CutWord(s string) (word, rest string) { return cutWord(s) }

// Parsed is how the server reads one input line: the name of the command
// it runs and that command's arguments. Plain chat is "chat", a line typed
// before login is "nickname" (the whole line), a "@nick text" is "msg", an
// unknown slash command is "unknown" (its arguments are the name typed).
type Parsed struct {
	Command string
	Args    string
	Secret  bool // the arguments may hold a password: never show them
}

// parsingTable is the Table ParseLine parses against: the commands of a
// server with accounts, built once and only ever read.
var parsingTable = func() Table {
	reg, b := builtinCommands()
	reg.Add(accountCommands()...)
	reg.Add(operatorCommands()...)
	return Table{cmds: reg, builtin: b}
}()

// ParseLine reads line (already decoded and cleaned) as the server would,
// for a user who is logged in or not, with the built-in commands and those
// of a server with accounts.
func ParseLine(line string, loggedIn bool) Parsed {
	s := &Session{t: &parsingTable}
	if loggedIn {
		s.state = stateChat
	}
	req := s.parse(line)
	return Parsed{Command: req.cmd.Name, Args: req.args, Secret: req.cmd.Secret}
}

// IsQuit reports whether line, typed by a user, ends the session: /quit or
// one of its aliases, or the bare word logout alone.
func IsQuit(line string) bool { return ParseLine(line, true).Command == "quit" }
