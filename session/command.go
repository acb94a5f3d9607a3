package session

import (
	"strings"
)

// Requirement says who may run a command. The dispatcher checks it in one
// place (Session.dispatch) before any handler runs, as ergo's dispatch
// table does with usablePreReg.
type Requirement uint8

const (
	// Anyone may run the command, logged in or not (/help, /quit).
	Anyone Requirement = iota
	// LoggedOut commands only make sense before login (/login).
	LoggedOut
	// LoggedIn commands need a nickname and a room (/msg, /join).
	LoggedIn
	// Operator commands need a logged-in operator; /help lists them only
	// to operators.
	Operator
)

// Command is one command: its names, its grammar, its help and its
// handler. A Registry of them is the single source for dispatch and /help,
// so the two cannot drift (ssh-chat's command set, ergo's dispatch table).
type Command struct {
	Name    string   // without the slash
	Aliases []string // other slash names
	// Bare are words that run the command without a slash, as in the
	// book's chat ("say hi", "logout"). BareArgs says whether a bare word
	// takes arguments: "who is here?" is chat, "who" alone runs /who.
	Bare     []string
	BareArgs bool
	Usage    string // arguments, e.g. "NICK text"
	Help     string // one line
	Requires Requirement
	MinArgs  int  // words the arguments must have at least
	Hidden   bool // not listed by /help (plain chat, unknown)
	// Secret says the arguments may hold a password: a flood notice
	// never quotes them.
	Secret bool
	Run    func(s *Session, args string) error
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
	also = append(also, c.Bare...)
	s := c.usage()
	if len(also) > 0 {
		s += " (also " + strings.Join(also, ", ") + ")"
	}
	return s + ": " + c.Help
}

// Registry is a set of commands, indexed by name, alias and bare word. The
// Table holds one; Config.Commands extends the built-in set (operator
// commands are added this way).
type Registry struct {
	list   []*Command          // in /help order
	byName map[string]*Command // lower-case name and aliases
	bare   map[string]*Command // lower-case bare words
}

// NewRegistry indexes cmds, in /help order. It panics if two commands
// share a name, an alias or a bare word: that is a programming error.
func NewRegistry(cmds ...*Command) *Registry {
	r := &Registry{byName: make(map[string]*Command), bare: make(map[string]*Command)}
	r.Add(cmds...)
	return r
}

// Add indexes more commands after the existing ones.
func (r *Registry) Add(cmds ...*Command) {
	for _, c := range cmds {
		for _, n := range append([]string{c.Name}, c.Aliases...) {
			n = strings.ToLower(n)
			if r.byName[n] != nil {
				panic("session: command name used twice: " + n)
			}
			r.byName[n] = c
		}
		for _, b := range c.Bare {
			b = strings.ToLower(b)
			if r.bare[b] != nil {
				panic("session: bare command word used twice: " + b)
			}
			r.bare[b] = c
		}
		r.list = append(r.list, c)
	}
}

// Lookup finds a command by name or alias, case-insensitively, or nil.
func (r *Registry) Lookup(name string) *Command { return r.byName[strings.ToLower(name)] }

// Commands returns the commands in /help order. The slice is the
// registry's own: do not modify it.
func (r *Registry) Commands() []*Command { return r.list }
