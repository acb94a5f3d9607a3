package session

import (
	"teahouse/session/wire"

	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"
)

// Stats are the Table's counters. The event loop writes them; any goroutine
// (a metrics scrape) may read them.
type Stats struct {
	Logins        atomic.Uint64 // successful logins
	LinesIn       atomic.Uint64 // complete input lines
	Deliveries    atomic.Uint64 // lines queued for a session
	DropsFlood    atomic.Uint64 // lines over the flood limit
	DropsLongLine atomic.Uint64 // lines over the maximum length
	DropsSlow     atomic.Uint64 // sessions dropped as too slow
	Online        atomic.Int64  // logged-in sessions
	Rooms         atomic.Int64  // rooms that exist
}

// Output buffers kept for reuse: enough for the sessions one event produces
// output for, none so large that an idle server holds much.
const (
	maxFreeBufs   = 4096
	maxKeptBufCap = 16 << 10
	newBufCap     = 256
)

// Table is the session table: every connection's session, the nickname
// index and the rooms. It is asynchat's dispatcher map plus the book's
// ChatServer. One event loop owns it; nothing here locks.
//
// Every entry point (Open, Session.CollectIncomingData, Closed, Tick,
// Shutdown) writes the output it produced before returning, one Conn.Write
// per session however many lines it got, and drops sessions whose unsent
// output passed Config.MaxOut. With Config.DeferFlush set, output waits
// for Flush instead, so a reactor can coalesce everything one poll of its
// event loop produces into one write per connection.
type Table struct {
	cfg   Config
	stats Stats

	codec  *wire.Codec
	render renderer
	cache  broadcastCache
	fold   *folder

	sessions []*Session
	nicks    map[string]*Session
	rooms    map[string]*Room
	lobby    *Room

	dirty []*Session // sessions with output to flush
	bufs  [][]byte   // free output buffers
	// bufsLow is the fewest free buffers there were since the last Tick:
	// that many went unused for a whole tick and are let go.
	bufsLow int
	depth   int // entry-point nesting; flush when it returns to 0

	now        time.Time // the clock, read once per entry point
	deliveries uint64    // published to stats at each flush
	linesIn    uint64

	decoded, clean []byte // per-line scratch
	shutting       bool
	flushPending   bool // DeferFlush was called and Flush has not run yet
}

// NewTable returns an empty table with the lobby.
func NewTable(cfg Config) *Table {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.MaxLine <= 0 {
		cfg.MaxLine = wire.DefaultMaxLine
	}
	if cfg.Name == "" {
		cfg.Name = DefaultName
	}
	if cfg.Burst < 1 {
		cfg.Burst = 1
	}
	t := &Table{
		cfg:   cfg,
		codec: wire.NewCodec(),
		fold:  newFolder(),
		nicks: make(map[string]*Session),
		rooms: make(map[string]*Room),
	}
	t.render.codec = t.codec
	t.lobby = t.room(LobbyName)
	return t
}

// Stats returns the table's counters.
func (t *Table) Stats() *Stats { return &t.stats }

// Len returns the number of open sessions, logged in or not.
func (t *Table) Len() int { return len(t.sessions) }

// Open creates the session for a new connection and greets it.
func (t *Table) Open(c Conn, remote string) *Session {
	t.enter()
	s := &Session{
		t:           t,
		conn:        c,
		remote:      remote,
		connected:   t.now,
		lastInput:   t.now,
		charset:     t.cfg.Charset,
		autoCharset: t.cfg.AutoCharset && t.cfg.Charset == wire.UTF8,
		roomIdx:     -1,
		tableIdx:    len(t.sessions),
	}
	s.framer.Init(t.cfg.MaxLine, true)
	t.sessions = append(t.sessions, s)
	s.sendMessage(&Message{Kind: Plain, Text: "Welcome to " + t.cfg.Name + "!", Time: t.now})
	for _, l := range t.cfg.MOTD {
		s.sendMessage(&Message{Kind: Plain, Text: l, Time: t.now})
	}
	s.sendMessage(&Message{Kind: Plain, Text: "Please enter a nickname (or /help):", Time: t.now})
	t.leave()
	return s
}

// Closed tells the table that s's connection is gone, for reason (unless
// the session had already chosen one, as /quit does). The room is told,
// the nickname is freed and s is never touched again. It is idempotent and
// may be called from inside Conn.Write.
func (t *Table) Closed(s *Session, reason CloseReason) {
	if s.phase == phaseGone {
		return
	}
	t.enter()
	if s.closing == ReasonNone {
		s.closing = reason
		t.depart(s, reason.String())
	}
	t.sessions = removeAt(t.sessions, s.tableIdx, func(x *Session) *int { return &x.tableIdx })
	s.phase = phaseGone
	s.conn = nil
	t.leave()
}

// Tick does the table's periodic work: idle timeouts and the notices for
// floods that have ended. Call it on the event loop about once a second.
func (t *Table) Tick() {
	t.enter()
	t.trimBufs()
	idle := t.cfg.Idle
	for _, s := range t.sessions {
		if s.phase >= phaseClosing {
			continue
		}
		if idle > 0 && t.now.Sub(s.lastInput) > idle {
			s.reply(fmt.Sprintf("idle for more than %s: disconnecting", idle))
			t.closeSession(s, ReasonIdle, ReasonIdle.String())
			continue
		}
		if s.flood.dropped > 0 && s.bucket.ready(t.now.UnixNano(), t.cfg.Rate, t.cfg.Burst) {
			s.endFlood()
		}
	}
	t.leave()
}

// Shutdown tells every session that the server is shutting down and closes
// each after its output is flushed.
func (t *Table) Shutdown() {
	t.enter()
	t.shutting = true
	for _, s := range t.sessions {
		if s.phase >= phaseClosing {
			continue
		}
		s.sendMessage(&Message{Kind: Announce, Text: "server shutting down", Time: t.now})
		t.closeSession(s, ReasonShutdown, ReasonShutdown.String())
	}
	t.leave()
}

// enter starts an entry point: one clock read for everything it does.
func (t *Table) enter() {
	if t.depth == 0 {
		t.now = t.cfg.Now()
	}
	t.depth++
}

// leave ends an entry point; the outermost one flushes, or asks the
// reactor to (Config.DeferFlush).
func (t *Table) leave() {
	t.depth--
	if t.depth > 0 {
		return
	}
	if t.cfg.DeferFlush == nil {
		t.flushDirty()
		return
	}
	if len(t.dirty) > 0 && !t.flushPending {
		t.flushPending = true
		t.cfg.DeferFlush()
	}
	t.publish()
}

// Flush writes all queued output, one Conn.Write per session, and drops
// sessions whose readers have fallen too far behind. With
// Config.DeferFlush the reactor calls it on the loop after DeferFlush asks;
// without, every entry point already has.
func (t *Table) Flush() {
	t.flushPending = false
	if t.depth == 0 {
		t.now = t.cfg.Now()
	}
	t.flushDirty()
}

// flushDirty flushes every session on the dirty list, including those that
// flushing itself adds (leave announcements for a slow reader).
func (t *Table) flushDirty() {
	// Conn.Write may report a dead connection by calling Closed from inside
	// it; the raised depth keeps that nested entry from flushing, and the
	// loop below picks up whatever it queued.
	t.depth++
	for i := 0; i < len(t.dirty); i++ {
		t.flush(t.dirty[i])
	}
	clear(t.dirty)
	t.dirty = t.dirty[:0]
	t.depth--
	t.publish()
}

// flush hands s's queued output to its connection, closes it if it is
// ending, and drops it if its reader has fallen too far behind.
func (t *Table) flush(s *Session) {
	s.dirty = false
	out := s.out
	s.out = nil
	defer t.putBuf(out)
	if s.phase == phaseGone {
		return
	}
	if len(out) > 0 && s.conn.Write(out) != nil {
		return // the reactor reports the close
	}
	if s.phase == phaseGone {
		return
	}
	if s.closing != ReasonNone {
		if !s.closed {
			s.closed = true
			s.conn.Close(s.closing)
		}
		return
	}
	if t.cfg.MaxOut > 0 && s.conn.Buffered() > t.cfg.MaxOut {
		t.stats.DropsSlow.Add(1)
		t.closeSession(s, ReasonTooSlow, ReasonTooSlow.String())
	}
}

// publish moves the loop-local counters into the shared Stats: one atomic
// add per entry point instead of one per delivery.
func (t *Table) publish() {
	if t.deliveries > 0 {
		t.stats.Deliveries.Add(t.deliveries)
		t.deliveries = 0
	}
	if t.linesIn > 0 {
		t.stats.LinesIn.Add(t.linesIn)
		t.linesIn = 0
	}
}

// takeBuf returns an empty output buffer.
func (t *Table) takeBuf() []byte {
	if n := len(t.bufs); n > 0 {
		b := t.bufs[n-1]
		t.bufs[n-1] = nil
		t.bufs = t.bufs[:n-1]
		t.bufsLow = min(t.bufsLow, n-1)
		return b
	}
	return make([]byte, 0, newBufCap)
}

// trimBufs lets go of the free buffers that no flush needed since the last
// Tick. A busy server keeps what its broadcasts use, so they stay free of
// allocations; an idle one holds none, however big the last join storm was
// (a free buffer per recipient would otherwise cost every idle connection
// kilobytes).
func (t *Table) trimBufs() {
	n := t.bufsLow
	if n > len(t.bufs) {
		n = len(t.bufs)
	}
	clear(t.bufs[:n])
	t.bufs = append(t.bufs[:0], t.bufs[n:]...)
	t.bufsLow = len(t.bufs)
}

// putBuf keeps b for reuse unless it grew large.
func (t *Table) putBuf(b []byte) {
	if b == nil || cap(b) > maxKeptBufCap || len(t.bufs) >= maxFreeBufs {
		return
	}
	t.bufs = append(t.bufs, b[:0])
}

// closeSession ends s for reason: the room hears why (text), the nickname
// is freed, and s is closed once its output is flushed.
func (t *Table) closeSession(s *Session, reason CloseReason, text string) {
	if s.closing != ReasonNone {
		return
	}
	s.closing = reason
	t.depart(s, text)
	s.queue()
}

// depart takes a session out of the chat: out of its room (which is told
// why, unless the whole server is shutting down), out of the nickname
// index and out of everyone's ignore and reply links.
func (t *Table) depart(s *Session, why string) {
	if s.phase == phaseChat {
		t.leaveRoom(s, why, !t.shutting)
		delete(t.nicks, s.key)
		for _, x := range s.ignoredBy {
			x.ignoring = slices.DeleteFunc(x.ignoring, func(y *Session) bool { return y == s })
		}
		for _, x := range s.ignoring {
			x.ignoredBy = slices.DeleteFunc(x.ignoredBy, func(y *Session) bool { return y == s })
		}
		s.ignoring, s.ignoredBy, s.lastFrom = nil, nil, nil
		t.stats.Online.Add(-1)
	}
	s.phase = phaseClosing
}

// login gives s the nickname name and takes it into the lobby.
func (t *Table) login(s *Session, name string) error {
	if err := CheckNick(name); err != nil {
		return err
	}
	key := t.fold.key(name)
	if other := t.nicks[key]; other != nil {
		return fmt.Errorf("%w: %s is online; try another", ErrNickTaken, other.nick)
	}
	s.nick, s.key = name, key
	t.nicks[key] = s
	s.phase = phaseChat
	t.stats.Logins.Add(1)
	t.stats.Online.Add(1)
	s.reply(fmt.Sprintf("hello %s! /help lists the commands", name))
	t.enterRoom(s, t.lobby)
	return nil
}

// rename changes a logged-in session's nickname; its room is told.
func (t *Table) rename(s *Session, name string) error {
	if err := CheckNick(name); err != nil {
		return err
	}
	key := t.fold.key(name)
	if other := t.nicks[key]; other != nil && other != s {
		return fmt.Errorf("%w: %s is online; try another", ErrNickTaken, other.nick)
	}
	if name == s.nick {
		return fmt.Errorf("you are already %s", name)
	}
	old := s.nick
	delete(t.nicks, s.key)
	s.nick, s.key = name, key
	t.nicks[key] = s
	t.announce(s.room, old+" is now known as "+name)
	return nil
}

// room returns the room named name, creating it.
func (t *Table) room(name string) *Room {
	key := t.fold.key(name)
	if r := t.rooms[key]; r != nil {
		return r
	}
	r := &Room{name: name, key: key, history: newHistory(t.cfg.History)}
	t.rooms[key] = r
	t.stats.Rooms.Add(1)
	return r
}

// enterRoom puts s in r: the history is replayed to s, then r is told.
func (t *Table) enterRoom(s *Session, r *Room) {
	r.add(s)
	r.history.each(func(m *Message) {
		if !s.hidesReplay(m) {
			s.sendMessage(m)
		}
	})
	t.announce(r, s.nick+" joined #"+r.name)
}

// leaveRoom takes s out of its room, telling the room why when tell is
// set. An empty room other than the lobby is forgotten with its history.
func (t *Table) leaveRoom(s *Session, why string, tell bool) {
	r := s.room
	r.remove(s)
	if tell {
		t.announce(r, s.nick+" left #"+r.name+" ("+why+")")
	}
	if r.Len() == 0 && r != t.lobby {
		delete(t.rooms, r.key)
		t.stats.Rooms.Add(-1)
	}
}

// announce tells every member of r.
func (t *Table) announce(r *Room, text string) {
	t.broadcast(r, &Message{Kind: Announce, Text: text, Time: t.now}, nil)
}

// talk says text (chat or emote) from s to its room and keeps it in the
// room's history.
func (t *Table) talk(s *Session, kind Kind, text string) {
	m := Message{Kind: kind, From: s.nick, Text: text, Time: t.now}
	s.room.history.add(m)
	t.broadcast(s.room, &m, s)
}

// broadcast queues m for every member of r who should see it. The line is
// rendered once per charset and timestamp setting, not once per member.
func (t *Table) broadcast(r *Room, m *Message, from *Session) {
	t.cache.reset(m)
	talk := m.isTalk()
	n := 0
	for _, to := range r.members {
		if to == from && !to.echo {
			continue
		}
		if talk && (to.hideTalk || (len(to.ignoring) > 0 && to.isIgnoring(from))) {
			continue
		}
		to.send(t.cache.line(&t.render, to.charset, to.timestamps))
		n++
	}
	t.deliveries += uint64(n)
}

// private sends text from s to the session to.
func (t *Table) private(s, to *Session, text string) {
	if !to.isIgnoring(s) {
		to.sendMessage(&Message{Kind: PrivateFrom, From: s.nick, Text: text, Time: t.now})
		to.lastFrom = s
	}
	s.sendMessage(&Message{Kind: PrivateTo, To: to.nick, Text: text, Time: t.now})
}

// find returns the online session with nickname nick.
func (t *Table) find(nick string) (*Session, error) {
	if CheckNick(nick) == nil {
		if s := t.nicks[t.fold.key(nick)]; s != nil {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNoSuchUser, nick)
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

// move takes s from its room to the room named name.
func (t *Table) move(s *Session, name string) error {
	r := t.room(name)
	if r == s.room {
		return fmt.Errorf("you are already in #%s", r.name)
	}
	t.leaveRoom(s, "to #"+r.name, true)
	t.enterRoom(s, r)
	return nil
}
