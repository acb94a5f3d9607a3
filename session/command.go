package session

import (
	"fmt"
	"strings"
)

// Command is one slash command: its names, its grammar, its help, and the
// handler. The table of them is the single source for dispatch and /help,
// so the two cannot drift (ssh-chat's command set, ergo's dispatch table).
type Command struct {
	Name    string   // without the slash
	Aliases []string // other slash names
	Bare    []string // words that work without a slash, as in the book's chat ("say", "logout")
	Usage   string   // arguments, e.g. "NICK text"
	Help    string   // one line
	Login   bool     // usable before login
	Chat    bool     // usable after login
	MinArgs bool     // needs a non-empty argument
	Run     func(s *Session, args string) error
}

// usage returns "/name ARGS".
func (c *Command) usage() string {
	if c.Usage == "" {
		return "/" + c.Name
	}
	return "/" + c.Name + " " + c.Usage
}

// helpLine is the command's line in /help.
func (c *Command) helpLine() string {
	var also []string
	for _, a := range c.Aliases {
		also = append(also, "/"+a)
	}
	for _, b := range c.Bare {
		also = append(also, b)
	}
	s := c.usage()
	if len(also) > 0 {
		s += " (also " + strings.Join(also, ", ") + ")"
	}
	return s + ": " + c.Help
}

// usableIn reports whether the command works in phase p.
func (c *Command) usableIn(p phase) bool {
	if p == phaseLogin {
		return c.Login
	}
	return c.Chat
}

// commandIndex maps every lower-case name and alias to its command; bare
// maps the words that work without a slash.
var commandIndex, bareIndex map[string]*Command

// indexCommands builds the indexes from the command table.
func indexCommands() {
	commandIndex = make(map[string]*Command)
	bareIndex = make(map[string]*Command)
	for _, c := range commands {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			if commandIndex[n] != nil {
				panic("session: command name used twice: " + n)
			}
			commandIndex[n] = c
		}
		for _, b := range c.Bare {
			bareIndex[b] = c
		}
	}
}

// lookupCommand finds a command by name or alias, case-insensitively.
func lookupCommand(name string) *Command {
	return commandIndex[strings.ToLower(name)]
}

// bareCommand matches a line that starts with a bare command word ("say
// hello", "logout"), returning the command and its arguments. Whether the
// command is usable now is the caller's question: before login "say hi"
// should be told to log in, after login "login bob" is just chat.
func bareCommand(line string) (*Command, string) {
	word, args, _ := strings.Cut(line, " ")
	c := bareIndex[strings.ToLower(word)]
	if c == nil {
		return nil, ""
	}
	return c, strings.TrimSpace(args)
}

// runCommand dispatches "name args" (the text after the slash).
func (s *Session) runCommand(text string) {
	name, args, _ := strings.Cut(text, " ")
	c := lookupCommand(name)
	if c == nil {
		s.check(fmt.Errorf("%w: /%s (try /help)", ErrUnknownCommand, name))
		return
	}
	s.run(c, strings.TrimSpace(args))
}

// run checks a command's requirements in one place, then calls it; its
// error becomes the user's reply.
func (s *Session) run(c *Command, args string) {
	switch {
	case !c.usableIn(s.phase) && s.phase == phaseLogin:
		s.check(ErrNotLoggedIn)
	case !c.usableIn(s.phase):
		s.check(fmt.Errorf("/%s works only before you log in; you are %s (/nick NAME renames you)", c.Name, s.nick))
	case c.MinArgs && args == "":
		s.check(usageError{c.usage()})
	default:
		s.check(c.Run(s, args))
	}
}
