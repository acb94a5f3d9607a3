package session

import (
	"fmt"
	"maps"
	"slices"
	"time"

	"teahouse/session/wire"
)

// Table is the session table: every connection's session, the nickname
// index and the rooms. It is asynchat's dispatcher map plus the book's
// ChatServer. One event loop owns it; nothing here locks.
//
// Its entry points are Open, Session.CollectIncomingData, Closed, Tick,
// Shutdown, Complete, Remote (other servers, Config.Cluster) and Flush. Each reads the clock once and writes the
// output it produced before returning, one Conn.Write per session however
// many lines it got, and drops sessions whose unsent output passed
// Config.MaxOut. With Config.DeferFlush set, output waits for Flush
// instead, so a reactor can coalesce everything one poll of its event loop
// produces into one write per connection.
type Table struct {
	cfg   Config
	stats Stats

	codec  *wire.Codec
	render renderer
	cache  broadcastCache
	fold   *folder

	cmds    *Registry
	builtin builtins

	sessions []*Session          // every open session, logged in or not
	nicks    map[string]UserID   // folded nickname → its user
	users    map[UserID]*Session // logged-in users of this server
	rooms    map[string]*Room    // folded room name → room
	lobby    *Room
	lastID   uint64 // the Seq of the newest UserID given out

	accounts    map[string]*Account  // registered nicknames, by key
	opers       map[string]bool      // keys that -opers makes operators
	pendingRegs map[string]UserID    // keys being registered, by whom
	bans        []Ban                // in force or not yet purged
	mutes       map[string]Mute      // by nickname key
	saved       map[string][]Message // stored history of rooms not yet created, by key
	guesses     guesses              // the password-guessing throttle

	out    output
	rc     remoteState // users on other servers, claims in flight (Config.Cluster)
	crowds []*Room     // rooms with joins or leaves to summarize at the next Tick

	depth      int       // entry-point nesting; flush when it returns to 0
	now        time.Time // the clock, read once per entry point
	epoch      time.Time // when the Table was made: Table.nanos counts from it
	deliveries uint64    // published to stats at each flush
	linesIn    uint64

	decoded, clean []byte // per-line scratch
	shutting       bool
}

// NewTable returns an empty table with the lobby. cfg is used as given
// with Config.withDefaults filling what is unset.
func NewTable(cfg Config) *Table {
	cfg = cfg.withDefaults()
	t := &Table{
		cfg:         cfg,
		codec:       wire.NewCodec(),
		fold:        newFolder(),
		nicks:       make(map[string]UserID),
		users:       make(map[UserID]*Session),
		rooms:       make(map[string]*Room),
		accounts:    make(map[string]*Account),
		opers:       make(map[string]bool),
		pendingRegs: make(map[string]UserID),
		mutes:       make(map[string]Mute),
		saved:       maps.Clone(cfg.Saved.History), // rooms take theirs from it; the caller's stays whole
		guesses:     make(guesses),
		// Identities stay unique across restarts, which stored history
		// outlives: a new process starts counting from its start time.
		lastID: uint64(cfg.Now().UnixNano()),
	}
	t.epoch = cfg.Now()
	t.cmds, t.builtin = builtinCommands()
	if cfg.Store != nil {
		t.cmds.Add(accountCommands()...)
		t.cmds.Add(operatorCommands()...)
	}
	t.cmds.Add(cfg.Commands...)
	for _, name := range cfg.Opers {
		t.opers[t.fold.key(name)] = true
	}
	for i := range cfg.Saved.Accounts {
		a := cfg.Saved.Accounts[i]
		t.accounts[a.Key] = &a
	}
	t.bans = slices.Clone(cfg.Saved.Bans)
	for _, m := range cfg.Saved.Mutes {
		t.mutes[m.Key] = m
	}
	t.render.codec = t.codec
	if cfg.Cluster != nil {
		t.rc.init(cfg.Cluster) // before the lobby, which every node subscribes to
	}
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
	t.lastID++
	s := &Session{
		t:           t,
		conn:        c,
		id:          UserID{Seq: t.lastID},
		remote:      remote,
		connected:   t.now,
		lastInput:   t.now,
		settings:    Settings{Charset: t.cfg.Charset},
		autoCharset: t.cfg.AutoCharset && t.cfg.Charset == wire.UTF8,
		roomIdx:     -1,
		tableIdx:    len(t.sessions),
		lastWrite:   neverWritten,
	}
	s.framer.Init(t.cfg.MaxLine, true)
	t.sessions = append(t.sessions, s)
	s.deliver(&Message{Kind: Plain, Text: "Welcome to " + t.cfg.Name + "!", Time: t.now})
	for _, l := range t.cfg.MOTD {
		s.deliver(&Message{Kind: Plain, Text: l, Time: t.now})
	}
	s.deliver(&Message{Kind: Plain, Text: "Please enter a nickname (or /help):", Time: t.now})
	t.leave()
	return s
}

// Closed tells the table that s's connection is gone, for reason (unless
// the session had already chosen one, as /quit does). The room is told,
// the nickname is freed and s is never touched again. It is idempotent and
// may be called from inside Conn.Write.
func (t *Table) Closed(s *Session, reason CloseReason) {
	if s.state == stateGone {
		return
	}
	t.enter()
	t.end(s, reason, reason.String())
	t.sessions = removeAt(t.sessions, s.tableIdx, func(x *Session) *int { return &x.tableIdx })
	s.state = stateGone
	s.conn = nil
	t.leave()
}

// end is the one way a session starts to end, whoever decides it (the
// user, the server, the peer): the first reason counts, the room hears why
// (why), the nickname is freed, and the connection is closed once the
// session's output is flushed.
func (t *Table) end(s *Session, reason CloseReason, why string) {
	if !s.Alive() {
		return
	}
	t.remoteEnded(s)
	if s.loggedIn() {
		r := s.room
		t.leaveRoom(s, why)
		t.remoteLeft(s, r, why)
		t.logout(s)
	}
	s.state, s.reason = stateLeaving, reason
	s.queue()
}

// Tick does the table's periodic work: idle timeouts, the notices for
// floods that have ended and the summaries of crowded rooms' joins and
// leaves. Call it on the event loop about once a second.
func (t *Table) Tick() {
	t.enter()
	t.out.trim()
	t.announceCrowds()
	t.guesses.expire(t.now)
	t.bans = slices.DeleteFunc(t.bans, func(b Ban) bool { return b.expired(t.now) })
	t.remoteTick()
	idle := t.cfg.Idle
	for _, s := range t.sessions {
		if !s.Alive() {
			continue
		}
		if idle > 0 && t.now.Sub(s.lastInput) > idle {
			s.reply(fmt.Sprintf("idle for more than %s: disconnecting", idle))
			t.end(s, ReasonIdle, ReasonIdle.String())
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
	t.tellAll("server shutting down", (*Session).Alive)
	for _, s := range t.sessions {
		if s.Alive() {
			t.end(s, ReasonShutdown, ReasonShutdown.String())
		}
	}
	t.leave()
}

// Complete runs fn on the loop as an entry point of its own, with the same
// clock and flush rules as the others. It is how work finished off the
// loop (a password hash, a store write, a cluster claim) comes back: the
// reactor hands fn to its event loop, which calls Complete. fn must check
// that the sessions it acts on are still there (Session.Alive).
func (t *Table) Complete(fn func()) {
	t.enter()
	fn()
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
	if len(t.out.dirty) > 0 && !t.out.flushPending {
		t.out.flushPending = true
		t.cfg.DeferFlush()
	}
	t.publish()
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

// removeAt removes list[i] in O(1) by moving the last session into its
// place, and tells the moved session its new position through index (the
// field that records where a session sits in this list).
func removeAt(list []*Session, i int, index func(*Session) *int) []*Session {
	last := len(list) - 1
	moved := list[last]
	list[i] = moved
	*index(moved) = i
	list[last] = nil
	return list[:last]
}
