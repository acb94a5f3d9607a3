package session

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// request is one input line parsed: the command it runs and its arguments.
// Plain chat, a private "@nick text" and an unknown command are requests
// for commands like any other, so one path checks and runs them all.
type request struct {
	cmd  *Command
	args string
	line string // the line as typed (sanitized), for flood notices
}

// quotable is the request's line as a notice may repeat it: a command
// whose arguments may hold a password shows only its first word.
func (r request) quotable() string {
	if !r.cmd.Secret || r.args == "" {
		return r.line
	}
	word, _ := cutWord(r.line)
	return word + " …"
}

// builtins are the commands the parser itself produces, not found by name.
type builtins struct {
	chat    *Command // a line without a command: said to the room
	say     *Command // "//text" says "/text"
	msg     *Command // "@nick text"
	login   *Command // "/login NAME [PASSWORD]"
	name    *Command // a plain line before login: the nickname, as typed
	unknown *Command // "/nosuch": its args are the name typed
	quit    *Command // always admitted past the flood limit
}

// parse turns a line into a request, following PROTOCOL.md's input rules:
// "/name args" runs a command, "//text" says "/text", "@nick text" is a
// private message, a bare command word runs its command, and anything else
// is chat (after login) or a nickname (before). Any Unicode white space
// separates words, and the full-width "／" and "＠" that CJK input methods
// type work like "/" and "@" where they start a line.
func (s *Session) parse(line string) request {
	req := request{line: line}
	b := &s.t.builtin
	switch prefix, rest := cutPrefix(line); prefix {
	case '/':
		if again, _ := cutPrefix(rest); again == '/' {
			req.cmd, req.args = b.say, rest
			break
		}
		name, args := cutWord(rest)
		if req.cmd, req.args = s.t.cmds.Lookup(name), args; req.cmd == nil {
			req.cmd, req.args = b.unknown, name
		}
	case '@':
		req.cmd, req.args = b.msg, rest
	default:
		if c, args := s.bare(line); c != nil {
			req.cmd, req.args = c, args
		} else if s.loggedIn() {
			req.cmd, req.args = b.chat, line
		} else {
			req.cmd, req.args = b.name, line
		}
	}
	return req
}

// bare matches a line that starts with a bare command word ("say hello",
// "logout", "who"). After login the command must be usable ("login bob" is
// chat); before login a lone word that is not usable is a nickname ("say"),
// while "say hi" is told to log in first. A word whose command takes no
// bare arguments runs only alone: "who is here?" is chat.
func (s *Session) bare(line string) (*Command, string) {
	word, args := cutWord(line)
	c := s.t.cmds.bare[strings.ToLower(word)]
	switch {
	case c == nil, args != "" && !c.BareArgs:
		return nil, ""
	case s.permit(c) == nil, !s.loggedIn() && args != "":
		return c, args
	}
	return nil, ""
}

// dispatch checks a request's requirements in one place, then runs its
// command; an error from either becomes the user's one-line reply.
func (s *Session) dispatch(req request) {
	c := req.cmd
	if s.t.claimWaiting(s) && c != s.t.builtin.quit {
		s.reply(textChecking) // the name's claim is with the other servers
		return
	}
	if err := s.permit(c); err != nil {
		s.check(err)
		return
	}
	if countWords(req.args) < c.MinArgs {
		s.check(usageError{c.usage()})
		return
	}
	s.check(c.Run(s, req.args))
}

// permit reports why s may not run c now, or nil.
func (s *Session) permit(c *Command) error {
	switch c.Requires {
	case LoggedOut:
		if s.loggedIn() {
			return fmt.Errorf("/%s works only before you log in; you are %s (/nick NAME renames you)", c.Name, s.nick)
		}
	case LoggedIn:
		if !s.loggedIn() {
			return ErrNotLoggedIn
		}
	case Operator:
		if !s.loggedIn() {
			return ErrNotLoggedIn
		}
		if !s.operator {
			return fmt.Errorf("%w: /%s", ErrNotOperator, c.Name)
		}
	}
	return nil
}

// listed reports whether /help shows c to s now.
func (s *Session) listed(c *Command) bool {
	if c.Hidden {
		return false
	}
	if c.Requires == Anyone {
		return true
	}
	return s.permit(c) == nil
}

// cutPrefix splits a leading command character, ASCII or full-width, from
// the rest of the line: '/' for "/" and "／", '@' for "@" and "＠", or 0.
func cutPrefix(line string) (byte, string) {
	r, n := utf8.DecodeRuneInString(line)
	switch r {
	case '/', '／':
		return '/', line[n:]
	case '@', '＠':
		return '@', line[n:]
	}
	return 0, line
}

// cutWord splits the first word from the rest at any Unicode white space
// (U+3000 IDEOGRAPHIC SPACE included), trimming the rest.
func cutWord(s string) (word, rest string) {
	s = strings.TrimLeftFunc(s, unicode.IsSpace)
	i := strings.IndexFunc(s, unicode.IsSpace)
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(strings.TrimLeftFunc(s[i:], unicode.IsSpace))
}

// countWords counts the white-space separated words of s, up to 2: no
// command needs more.
func countWords(s string) int {
	n := 0
	for s != "" && n < 2 {
		var w string
		w, s = cutWord(s)
		if w != "" {
			n++
		}
	}
	return n
}
