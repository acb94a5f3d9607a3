package session

import (
	"teahouse/session/wire"

	"fmt"
	"slices"
	"strings"
	"time"
)

// commands is the command table, in the order /help lists them. It is
// filled in init because /help reads it.
var commands []*Command

func init() {
	commands = []*Command{
		{Name: "help", Aliases: []string{"h", "?"}, Usage: "[command]", Help: "lists commands, or explains one",
			Login: true, Chat: true, Run: cmdHelp},
		{Name: "login", Bare: []string{"login"}, Usage: "NAME", Help: "logs in with a nickname (typing just the name works too)",
			Login: true, MinArgs: true, Run: cmdLogin},
		{Name: "nick", Usage: "NAME", Help: "sets your nickname; the room is told",
			Login: true, Chat: true, MinArgs: true, Run: cmdNick},
		{Name: "look", Help: "who is in this room", Chat: true, Run: cmdLook},
		{Name: "who", Aliases: []string{"ls", "names"}, Help: "everyone online, with their room", Chat: true, Run: cmdWho},
		{Name: "msg", Aliases: []string{"m", "w"}, Usage: "NICK text", Help: "private message (also @NICK text)",
			Chat: true, MinArgs: true, Run: cmdMsg},
		{Name: "reply", Aliases: []string{"r"}, Usage: "text", Help: "private message to whoever last wrote to you",
			Chat: true, MinArgs: true, Run: cmdReply},
		{Name: "me", Usage: "action", Help: "emote: * you action", Chat: true, MinArgs: true, Run: cmdMe},
		{Name: "say", Bare: []string{"say"}, Usage: "text", Help: "says text as it is, even if it starts with /",
			Chat: true, MinArgs: true, Run: cmdSay},
		{Name: "ignore", Aliases: []string{"i"}, Usage: "[NICK]", Help: "no NICK: hide or show room chat; NICK: stop seeing that user",
			Chat: true, Run: cmdIgnore},
		{Name: "unignore", Usage: "NICK", Help: "see that user again", Chat: true, MinArgs: true, Run: cmdUnignore},
		{Name: "join", Usage: "ROOM", Help: "moves you to ROOM, creating it", Chat: true, MinArgs: true, Run: cmdJoin},
		{Name: "part", Help: "back to #" + LobbyName, Chat: true, Run: cmdPart},
		{Name: "rooms", Help: "rooms with member counts", Chat: true, Run: cmdRooms},
		{Name: "whois", Usage: "NICK", Help: "room, connected for, idle for", Chat: true, MinArgs: true, Run: cmdWhois},
		{Name: "charset", Aliases: []string{"encoding"}, Usage: "[utf-8|gbk]", Help: "shows or sets your charset",
			Login: true, Chat: true, Run: cmdCharset},
		{Name: "timestamp", Aliases: []string{"ts"}, Usage: "[on|off]", Help: "prefixes lines with [15:04:05]",
			Login: true, Chat: true, Run: cmdTimestamp},
		{Name: "echo", Usage: "[on|off]", Help: "get your own chat lines back", Login: true, Chat: true, Run: cmdEcho},
		{Name: "quit", Aliases: []string{"logout", "exit"}, Bare: []string{"logout"}, Usage: "[reason]", Help: "leaves",
			Login: true, Chat: true, Run: cmdQuit},
	}
	indexCommands()
}

// cmdHelp: /help [command]
func cmdHelp(s *Session, args string) error {
	if args != "" {
		c := lookupCommand(strings.TrimPrefix(args, "/"))
		if c == nil {
			return fmt.Errorf("%w: /%s (try /help)", ErrUnknownCommand, strings.TrimPrefix(args, "/"))
		}
		s.reply(c.helpLine())
		return nil
	}
	if s.phase == phaseLogin {
		s.reply("type a nickname to log in; until then you can use:")
	} else {
		s.reply("commands (a line without / is said to the room; //text says /text):")
	}
	for _, c := range commands {
		if c.usableIn(s.phase) {
			s.reply("  " + c.helpLine())
		}
	}
	return nil
}

// cmdLogin: /login NAME, login NAME
func cmdLogin(s *Session, args string) error { return s.t.login(s, args) }

// cmdNick: /nick NAME (before login it logs in)
func cmdNick(s *Session, args string) error {
	if s.phase == phaseLogin {
		return s.t.login(s, args)
	}
	return s.t.rename(s, args)
}

// cmdLook: /look
func cmdLook(s *Session, _ string) error {
	s.reply(fmt.Sprintf("%d in #%s: %s", s.room.Len(), s.room.name, joinList(s.room.nicks())))
	return nil
}

// cmdWho: /who
func cmdWho(s *Session, _ string) error {
	t := s.t
	online := make([]*Session, 0, len(t.nicks))
	for _, x := range t.nicks {
		online = append(online, x)
	}
	slices.SortFunc(online, func(a, b *Session) int { return strings.Compare(a.key, b.key) })
	names := make([]string, len(online))
	for i, x := range online {
		names[i] = x.nick + " (#" + x.room.name + ")"
	}
	s.reply(fmt.Sprintf("%d online: %s", len(names), joinList(names)))
	return nil
}

// cmdMsg: /msg NICK text, @NICK text
func cmdMsg(s *Session, args string) error {
	nick, text, _ := strings.Cut(args, " ")
	text = strings.TrimSpace(text)
	if nick == "" || text == "" {
		return usageError{"/msg NICK text"}
	}
	to, err := s.t.find(nick)
	if err != nil {
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
	to := s.lastFrom
	if to == nil {
		return fmt.Errorf("no one has sent you a private message yet")
	}
	if to.phase != phaseChat {
		// They left: lastFrom still points at their old session, which
		// must not be written to nor reported as reached.
		s.lastFrom = nil
		return fmt.Errorf("%w: %s", ErrNoSuchUser, to.nick)
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
	s.say(args)
	return nil
}

// cmdIgnore: /ignore [NICK]
func cmdIgnore(s *Session, args string) error {
	if args == "" {
		s.hideTalk = !s.hideTalk
		if s.hideTalk {
			s.reply("room chat is now hidden (you still get private messages and announcements); /ignore shows it again")
		} else {
			s.reply("room chat is shown again")
		}
		return nil
	}
	x, err := s.t.find(args)
	if err != nil {
		return err
	}
	switch {
	case x == s:
		return fmt.Errorf("%w: you cannot ignore yourself", ErrSelf)
	case s.isIgnoring(x):
		return fmt.Errorf("you already ignore %s", x.nick)
	}
	s.ignoring = append(s.ignoring, x)
	x.ignoredBy = append(x.ignoredBy, s)
	s.reply(fmt.Sprintf("ignoring %s: you will not see their messages (/unignore %s to undo)", x.nick, x.nick))
	return nil
}

// cmdUnignore: /unignore NICK
func cmdUnignore(s *Session, args string) error {
	x, err := s.t.find(args)
	if err != nil {
		return err
	}
	if !s.isIgnoring(x) {
		return fmt.Errorf("you are not ignoring %s", x.nick)
	}
	s.ignoring = slices.DeleteFunc(s.ignoring, func(y *Session) bool { return y == x })
	x.ignoredBy = slices.DeleteFunc(x.ignoredBy, func(y *Session) bool { return y == s })
	s.reply(fmt.Sprintf("you see %s again", x.nick))
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
	t := s.t
	rooms := make([]*Room, 0, len(t.rooms))
	for _, r := range t.rooms {
		rooms = append(rooms, r)
	}
	slices.SortFunc(rooms, func(a, b *Room) int { return strings.Compare(a.key, b.key) })
	names := make([]string, len(rooms))
	for i, r := range rooms {
		names[i] = fmt.Sprintf("#%s (%d)", r.name, r.Len())
	}
	s.reply(fmt.Sprintf("%s: %s", plural(len(names), "room"), joinList(names)))
	return nil
}

// cmdWhois: /whois NICK
func cmdWhois(s *Session, args string) error {
	x, err := s.t.find(args)
	if err != nil {
		return err
	}
	now := s.t.now
	s.reply(fmt.Sprintf("%s: in #%s, connected for %s, idle for %s, charset %s", x.nick, x.room.name,
		now.Sub(x.connected).Truncate(time.Second), now.Sub(x.lastInput).Truncate(time.Second), x.charset))
	return nil
}

// cmdCharset: /charset [utf-8|gbk]
func cmdCharset(s *Session, args string) error {
	if args == "" {
		auto := ""
		if s.autoCharset {
			auto = " (switches to gbk by itself if your terminal sends gbk)"
		}
		s.reply("your charset is " + s.charset.String() + auto)
		return nil
	}
	c, err := wire.ParseCharset(args)
	if err != nil {
		return err
	}
	s.charset, s.autoCharset = c, false
	s.reply("your charset is now " + c.String())
	return nil
}

// cmdTimestamp: /timestamp [on|off]
func cmdTimestamp(s *Session, args string) error {
	return s.toggle(&s.timestamps, args, "timestamps", "/timestamp")
}

// cmdEcho: /echo [on|off]
func cmdEcho(s *Session, args string) error {
	return s.toggle(&s.echo, args, "echo of your own chat lines", "/echo")
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
	why := args
	if why == "" {
		why = ReasonQuit.String()
	}
	if s.nick != "" {
		s.reply("goodbye, " + s.nick)
	} else {
		s.reply("goodbye")
	}
	s.t.closeSession(s, ReasonQuit, why)
	return nil
}

// plural formats a count with its noun: "1 room", "2 rooms".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
