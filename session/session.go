package session

import (
	"teahouse/session/wire"

	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// phase is where a session is in the book's LoginRoom → ChatRoom →
// LogoutRoom progression.
type phase uint8

const (
	phaseLogin   phase = iota // connected, no nickname yet
	phaseChat                 // logged in, in exactly one room
	phaseClosing              // left (quit, too slow, idle, shutdown); waiting for the conn to close
	phaseGone                 // the connection is closed; nothing may touch it
)

// Session is one connection's protocol state. The Table and its event loop
// own it; no method is safe to call from another goroutine.
type Session struct {
	t    *Table
	conn Conn

	framer  wire.Framer
	phase   phase
	closing CloseReason // why the session is ending, once it is
	closed  bool        // Conn.Close has been called
	dirty   bool        // in Table.dirty, with output to flush

	nick string // as the user typed it
	key  string // folded, the nick index key
	room *Room

	roomIdx, tableIdx int // positions in room.members and Table.sessions

	charset     wire.Charset
	autoCharset bool // still watching for a first GBK line
	timestamps  bool
	echo        bool
	hideTalk    bool // /ignore with no nick: room chat hidden

	ignoring  []*Session // whose talk this session does not see
	ignoredBy []*Session // who ignores this session (to unlink on leave)
	lastFrom  *Session   // who last sent a private message, for /reply

	remote    string
	connected time.Time
	lastInput time.Time

	bucket bucket
	flood  floodEpisode

	out []byte // output not yet handed to Conn.Write
}

// Nick returns the session's nickname, or "" before login.
func (s *Session) Nick() string { return s.nick }

// Remote returns the peer address given to Table.Open.
func (s *Session) Remote() string { return s.remote }

// Charset returns the session's current charset.
func (s *Session) Charset() wire.Charset { return s.charset }

// CollectIncomingData is asynchat's collect_incoming_data: it takes the
// bytes the reactor read, strips telnet commands, and calls FoundTerminator
// for every complete line. The session copies what it keeps, so the caller
// may reuse p at once. Output is flushed before it returns.
func (s *Session) CollectIncomingData(p []byte) {
	if s.phase >= phaseClosing {
		return
	}
	t := s.t
	t.enter()
	s.lastInput = t.now
	s.framer.Feed(p, s)
	t.leave()
}

// FoundTerminator is asynchat's found_terminator: it handles one complete
// raw line (telnet commands already removed, no terminator). It decodes the
// line in the session's charset, sanitizes it, applies the flood limit and
// acts on it.
func (s *Session) FoundTerminator(raw []byte) {
	if s.phase >= phaseClosing {
		return // e.g. lines after /quit in the same packet
	}
	t := s.t
	t.linesIn++
	if s.autoCharset && s.charset == wire.UTF8 && !utf8.Valid(raw) && t.codec.IsGBK(raw) {
		s.charset, s.autoCharset = wire.GBK, false
		s.reply("your terminal sends GBK, so your charset is now gbk (/charset utf-8 to change it back)")
	}
	t.decoded = t.codec.Decode(t.decoded[:0], s.charset, raw)
	t.decoded = wire.Edit(t.decoded[:0], t.decoded) // BS, DEL, ^U, ^W typed in-band
	t.clean = wire.Sanitize(t.clean[:0], t.decoded)
	if len(t.clean) == 0 {
		return
	}
	line := string(t.clean)
	if !s.admit(line) {
		return
	}
	if s.phase == phaseLogin {
		s.handleLogin(line)
	} else {
		s.handleChat(line)
	}
}

// LineTooLong is called by the framer once per over-long line.
func (s *Session) LineTooLong() {
	if s.phase >= phaseClosing {
		return // after /quit in the same packet, like the lines there
	}
	s.t.stats.DropsLongLine.Add(1)
	s.reply(fmt.Sprintf("line too long (over %d bytes): it was not delivered", s.framer.Max()))
}

// TelnetReply sends a telnet option answer or offer to the peer as it is.
func (s *Session) TelnetReply(p []byte) {
	s.queue()
	s.out = append(s.out, p...)
}

// AreYouThere answers telnet's IAC AYT (wire.AYTSink) with a visible line.
func (s *Session) AreYouThere() {
	if s.phase >= phaseClosing {
		return
	}
	s.reply("[" + s.t.cfg.Name + ": yes]")
}

// Telnet returns the session's telnet option state: whether the peer is a
// telnet client, and Enable/Disable to offer options such as ECHO. Bytes
// they append go to the peer through TelnetReply.
func (s *Session) Telnet() *wire.Telnet { return s.framer.Telnet() }

// admit applies the flood limit to a line. A line over the limit is
// dropped and remembered; the first line admitted after a run of drops is
// preceded by one notice naming them.
func (s *Session) admit(line string) bool {
	cfg := &s.t.cfg
	if cfg.Rate <= 0 || isQuitLine(line) {
		return true
	}
	if s.bucket.allow(s.t.now.UnixNano(), cfg.Rate, cfg.Burst) {
		s.endFlood()
		return true
	}
	s.flood.add(line)
	s.t.stats.DropsFlood.Add(1)
	return false
}

// endFlood sends the notice for a finished run of dropped lines, if any.
func (s *Session) endFlood() {
	if s.flood.dropped > 0 {
		s.reply(s.flood.notice(s.t.cfg.Rate))
		s.flood = floodEpisode{}
	}
}

// isQuitLine reports whether line asks to leave: leaving always works, even
// for someone over the flood limit.
func isQuitLine(line string) bool {
	name, _, _ := strings.Cut(line, " ")
	if strings.EqualFold(name, "logout") {
		return true
	}
	c := lookupCommand(strings.TrimPrefix(name, "/"))
	return strings.HasPrefix(name, "/") && c != nil && c.Name == "quit"
}

// handleLogin acts on a line from a session without a nickname.
func (s *Session) handleLogin(line string) {
	switch {
	case strings.HasPrefix(line, "//"), line[0] == '@':
		// Chat and private messages need a nickname; reading these as a
		// nickname would only answer "not allowed" to the wrong question.
		s.check(ErrNotLoggedIn)
	case line[0] == '/':
		s.runCommand(line[1:])
	default:
		// "say hi" before login is told to log in first (by run); a lone
		// "say" is someone who wants to be called say.
		if c, args := bareCommand(line); c != nil && (c.usableIn(s.phase) || args != "") {
			s.run(c, args)
			return
		}
		s.check(s.t.login(s, line))
	}
}

// handleChat acts on a line from a logged-in session.
func (s *Session) handleChat(line string) {
	switch {
	case strings.HasPrefix(line, "//"):
		s.say(line[1:])
	case line[0] == '/':
		s.runCommand(line[1:])
	case line[0] == '@':
		s.run(lookupCommand("msg"), line[1:])
	default:
		if c, args := bareCommand(line); c != nil && c.usableIn(s.phase) {
			s.run(c, args)
			return
		}
		s.say(line)
	}
}

// say sends a chat line to the session's room.
func (s *Session) say(text string) {
	s.t.talk(s, Chat, text)
}

// check turns a handler's error into its one-line reply.
func (s *Session) check(err error) {
	if err != nil {
		s.reply(err.Error())
	}
}

// reply sends "-> text" to this session only.
func (s *Session) reply(text string) {
	s.sendMessage(&Message{Kind: Reply, Text: text, Time: s.t.now})
}

// sendMessage renders m for this session alone and queues it.
func (s *Session) sendMessage(m *Message) {
	if s.phase == phaseGone {
		return
	}
	s.queue()
	s.out = s.t.render.appendLine(s.out, m, s.charset, s.timestamps)
	s.t.deliveries++
}

// send queues an already rendered line (from a broadcast cache).
func (s *Session) send(line []byte) {
	s.queue()
	s.out = append(s.out, line...)
}

// queue makes sure the session has an output buffer and is on the Table's
// list of sessions to flush.
func (s *Session) queue() {
	if s.out == nil {
		s.out = s.t.takeBuf()
	}
	if !s.dirty {
		s.dirty = true
		s.t.dirty = append(s.t.dirty, s)
	}
}

// hidesReplay reports whether s has chosen not to see a line of room
// history: all of it while /ignore hides room chat, or one from a nickname
// s ignores. History keeps nicknames, not sessions, so this goes by name.
func (s *Session) hidesReplay(m *Message) bool {
	if s.hideTalk && m.isTalk() {
		return true
	}
	for _, x := range s.ignoring {
		if x.nick == m.From {
			return true
		}
	}
	return false
}

// isIgnoring reports whether s has chosen not to see from's talk.
func (s *Session) isIgnoring(from *Session) bool {
	for _, x := range s.ignoring {
		if x == from {
			return true
		}
	}
	return false
}
