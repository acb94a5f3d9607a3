package session

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"teahouse/session/wire"
)

// builtinCommands returns a new registry of the built-in commands, in the
// order /help lists them, and the commands the parser produces itself.
// Each Table gets its own, so a configuration can extend it.
func builtinCommands() (*Registry, builtins) {
	b := builtins{
		chat: &Command{Name: "chat", Requires: LoggedIn, Hidden: true, Run: cmdSay},
		login: &Command{Name: "login", Bare: []string{"login"}, BareArgs: true, Usage: "NAME [PASSWORD]",
			Help:     "logs in with a nickname (typing just the name works too); a registered one needs its password",
			Requires: LoggedOut, MinArgs: 1, Secret: true, Run: cmdLogin},
		unknown: &Command{Name: "unknown", Hidden: true, Run: cmdUnknown},
		name: &Command{Name: "nickname", Requires: LoggedOut, Hidden: true,
			Run: func(s *Session, line string) error { return s.t.login(s, line, "") }},
		msg: &Command{Name: "msg", Aliases: []string{"m", "w"}, Usage: "NICK text", Help: "private message (also @NICK text)",
			Requires: LoggedIn, MinArgs: 2, Run: cmdMsg},
		say: &Command{Name: "say", Bare: []string{"say"}, BareArgs: true, Usage: "text", Help: "says text as it is, even if it starts with /",
			Requires: LoggedIn, MinArgs: 1, Run: cmdSay},
		quit: &Command{Name: "quit", Aliases: []string{"logout", "exit"}, Bare: []string{"logout"}, Usage: "[reason]", Help: "leaves",
			Run: cmdQuit},
	}
	r := NewRegistry(
		&Command{Name: "help", Aliases: []string{"h", "?"}, Usage: "[command]", Help: "lists commands, or explains one", Run: cmdHelp},
		b.login,
		&Command{Name: "nick", Usage: "NAME", Help: "sets your nickname; the room is told", MinArgs: 1, Run: cmdNick},
		&Command{Name: "look", Bare: []string{"look"}, Help: "who is in this room", Requires: LoggedIn, Run: cmdLook},
		&Command{Name: "who", Aliases: []string{"ls", "names"}, Bare: []string{"who"}, Help: "everyone online, with their room",
			Requires: LoggedIn, Run: cmdWho},
		b.msg,
		&Command{Name: "reply", Aliases: []string{"r"}, Usage: "text", Help: "private message to whoever last wrote to you",
			Requires: LoggedIn, MinArgs: 1, Run: cmdReply},
		&Command{Name: "me", Usage: "action", Help: "emote: * you action", Requires: LoggedIn, MinArgs: 1, Run: cmdMe},
		b.say,
		&Command{Name: "ignore", Aliases: []string{"i"}, Usage: "[NICK]", Help: "no NICK: hide or show room chat; NICK: stop seeing that user",
			Requires: LoggedIn, Run: cmdIgnore},
		&Command{Name: "unignore", Usage: "NICK", Help: "see that user again", Requires: LoggedIn, MinArgs: 1, Run: cmdUnignore},
		&Command{Name: "join", Usage: "ROOM", Help: "moves you to ROOM, creating it", Requires: LoggedIn, MinArgs: 1, Run: cmdJoin},
		&Command{Name: "part", Help: "back to #" + LobbyName, Requires: LoggedIn, Run: cmdPart},
		&Command{Name: "rooms", Help: "rooms with member counts", Requires: LoggedIn, Run: cmdRooms},
		&Command{Name: "whois", Usage: "NICK", Help: "room, connected for, idle for, charset", Requires: LoggedIn, MinArgs: 1, Run: cmdWhois},
		&Command{Name: "charset", Aliases: []string{"encoding"}, Usage: "[utf-8|gbk]", Help: "shows or sets your charset", Run: cmdCharset},
		&Command{Name: "timestamp", Aliases: []string{"ts"}, Usage: "[on|off]", Help: "prefixes lines with [15:04:05]", Run: cmdTimestamp},
		&Command{Name: "echo", Usage: "[on|off]", Help: "get your own chat lines back", Run: cmdEcho},
		b.quit,
	)
	return r, b
}

// errUnknown is the reply to a command name nobody knows.
func errUnknown(name string) error {
	return fmt.Errorf("%w: /%s (try /help)", ErrUnknownCommand, name)
}

// cmdUnknown: /nosuch (its args are the name typed)
func cmdUnknown(_ *Session, name string) error { return errUnknown(name) }

// cmdHelp: /help [command]
func cmdHelp(s *Session, args string) error {
	if args != "" {
		name := args
		if p, rest := cutPrefix(args); p == '/' {
			name = rest
		}
		c := s.t.cmds.Lookup(name)
		if c == nil || c.Hidden || (c.Requires == Operator && !s.operator) {
			return errUnknown(name)
		}
		s.reply(c.helpLine())
		return nil
	}
	if s.loggedIn() {
		s.reply("commands (a line without / is said to the room; //text says /text):")
	} else {
		s.reply("type a nickname to log in; until then you can use:")
	}
	for _, c := range s.t.cmds.Commands() {
		if s.listed(c) {
			s.reply("  " + c.helpLine())
		}
	}
	return nil
}

// cmdLogin: /login NAME, login NAME
func cmdLogin(s *Session, args string) error {
	name, pw := cutWord(args)
	return s.t.login(s, name, pw)
}

// cmdNick: /nick NAME (before login it logs in)
func cmdNick(s *Session, args string) error {
	if !s.loggedIn() {
		return s.t.login(s, args, "")
	}
	return s.t.rename(s, args)
}

// cmdLook: /look
func cmdLook(s *Session, _ string) error {
	nicks := s.t.roomNicks(s.room)
	s.reply(fmt.Sprintf("%d in #%s: %s", len(nicks), s.room.name, joinList(nicks)))
	return nil
}

// cmdWho: /who
func cmdWho(s *Session, _ string) error {
	names := s.t.whoLabels()
	s.reply(fmt.Sprintf("%d online: %s", len(names), joinList(names)))
	return nil
}

// cmdMsg: /msg NICK text, @NICK text
func cmdMsg(s *Session, args string) error {
	nick, text := cutWord(args)
	to, err := s.t.find(nick)
	if err != nil {
		if p := s.t.findPeer(nick); p != nil {
			return s.t.privateRemote(s, p, text)
		}
		return err
	}
	if to == s {
		return fmt.Errorf("%w: write to someone else", ErrSelf)
	}
	s.t.private(s, to, text)
	return nil
}

// cmdReply: /reply text
func cmdReply(s *Session, args string) error {
	if s.lastFrom.id.IsZero() {
		return fmt.Errorf("no one has sent you a private message yet")
	}
	to := s.t.users[s.lastFrom.id]
	if p := s.t.rc.peers[s.lastFrom.id]; to == nil && p != nil {
		return s.t.privateRemote(s, p, args)
	}
	if to == nil {
		// They left: the identity is never reused, so nobody else can
		// receive what was meant for them.
		gone := s.lastFrom.nick
		s.lastFrom = userRef{}
		return fmt.Errorf("%w: %s", ErrNoSuchUser, gone)
	}
	s.t.private(s, to, args)
	return nil
}

// cmdMe: /me action
func cmdMe(s *Session, args string) error {
	s.t.talk(s, Emote, args)
	return nil
}

// cmdSay: /say text, say text
func cmdSay(s *Session, args string) error {
	s.t.talk(s, Chat, args)
	return nil
}

// cmdIgnore: /ignore [NICK]
func cmdIgnore(s *Session, args string) error {
	if args == "" {
		s.settings.HideTalk = !s.settings.HideTalk
		if s.settings.HideTalk {
			s.reply("room chat is now hidden (you still get private messages and announcements); /ignore shows it again")
		} else {
			s.reply("room chat is shown again")
		}
		return nil
	}
	x, err := s.t.find(args)
	if err != nil {
		if p := s.t.findPeer(args); p != nil {
			x = &Session{id: p.id, nick: p.nick}
		} else {
			return err
		}
	}
	switch {
	case x == s:
		return fmt.Errorf("%w: you cannot ignore yourself", ErrSelf)
	case s.isIgnoring(x.id):
		return fmt.Errorf("you already ignore %s", x.nick)
	case len(s.ignoring) >= MaxIgnores:
		return fmt.Errorf("you ignore %d users already, the most there can be: /unignore one first", MaxIgnores)
	}
	s.ignoring = append(s.ignoring, userRef{id: x.id, nick: x.nick})
	s.reply(fmt.Sprintf("ignoring %s: you will not see their messages (/unignore %s to undo)", x.nick, x.nick))
	return nil
}

// cmdUnignore: /unignore NICK
//
// NICK is the user online under that name if s ignores them; otherwise
// every ignored user who has left under that name, whose lines in room
// history s then sees again.
func cmdUnignore(s *Session, args string) error {
	x, err := s.t.find(args)
	if p := s.t.findPeer(args); err != nil && p != nil {
		x, err = &Session{id: p.id, nick: p.nick}, nil
	}
	if err == nil && s.isIgnoring(x.id) {
		s.ignoring = slices.DeleteFunc(s.ignoring, func(y userRef) bool { return y.id == x.id })
		s.reply(fmt.Sprintf("you see %s again", x.nick))
		return nil
	}
	key := s.t.fold.key(args)
	n := len(s.ignoring)
	s.ignoring = slices.DeleteFunc(s.ignoring, func(y userRef) bool {
		return !s.t.online(y.id) && s.t.fold.key(y.nick) == key
	})
	if len(s.ignoring) == n {
		if err != nil {
			return err
		}
		return fmt.Errorf("you are not ignoring %s", x.nick)
	}
	s.reply(fmt.Sprintf("you see %s again", args))
	return nil
}

// cmdJoin: /join ROOM
func cmdJoin(s *Session, args string) error {
	name, err := roomName(args)
	if err != nil {
		return err
	}
	return s.t.move(s, name)
}

// cmdPart: /part
func cmdPart(s *Session, _ string) error { return s.t.move(s, LobbyName) }

// cmdRooms: /rooms
func cmdRooms(s *Session, _ string) error {
	names := s.t.roomLabels()
	s.reply(fmt.Sprintf("%s: %s", plural(len(names), "room"), joinList(names)))
	return nil
}

// cmdWhois: /whois NICK
func cmdWhois(s *Session, args string) error {
	x, err := s.t.find(args)
	if err != nil {
		if p := s.t.findPeer(args); p != nil {
			s.t.askWhois(s, p)
			return nil
		}
		return err
	}
	s.reply(whoisLine(x, s.t.now))
	return nil
}

// cmdCharset: /charset [utf-8|gbk]
func cmdCharset(s *Session, args string) error {
	if args == "" {
		auto := ""
		if s.autoCharset {
			auto = " (switches to gbk by itself if your terminal sends gbk)"
		}
		s.reply("your charset is " + s.settings.Charset.String() + auto)
		return nil
	}
	c, err := wire.ParseCharset(args)
	if err != nil {
		return err
	}
	s.settings.Charset, s.autoCharset = c, false
	s.reply("your charset is now " + c.String())
	return nil
}

// cmdTimestamp: /timestamp [on|off]
func cmdTimestamp(s *Session, args string) error {
	return s.toggle(&s.settings.Timestamps, args, "timestamps", "/timestamp")
}

// cmdEcho: /echo [on|off]
func cmdEcho(s *Session, args string) error {
	return s.toggle(&s.settings.Echo, args, "echo of your own chat lines", "/echo")
}

// toggle shows or sets an on/off setting.
func (s *Session) toggle(v *bool, args, what, cmd string) error {
	switch strings.ToLower(args) {
	case "":
	case "on":
		*v = true
	case "off":
		*v = false
	default:
		return usageError{cmd + " [on|off]"}
	}
	state := "off"
	if *v {
		state = "on"
	}
	s.reply(what + " " + state)
	return nil
}

// cmdQuit: /quit [reason], logout
func cmdQuit(s *Session, args string) error {
	// What a user typed is quoted as theirs, so that no reason can read
	// like one the server gives ("idle timeout").
	why := ReasonQuit.String()
	if args != "" {
		why += ": " + strconv.Quote(args)
	}
	if s.nick != "" {
		s.reply("goodbye, " + s.nick)
	} else {
		s.reply("goodbye")
	}
	s.t.end(s, ReasonQuit, why)
	return nil
}

// plural formats a count with its noun: "1 room", "2 rooms".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// listMax caps how many names one /who, /look or /rooms line lists.
const listMax = 100

// joinList formats names for a reply, at most listMax of them.
func joinList(names []string) string {
	if len(names) <= listMax {
		return strings.Join(names, ", ")
	}
	return strings.Join(names[:listMax], ", ") + fmt.Sprintf(" … and %d more", len(names)-listMax)
}
