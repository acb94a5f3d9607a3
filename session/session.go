package session

import (
	"time"

	"teahouse/session/wire"
)

// state is where a connection is in its life: the book's LoginRoom →
// ChatRoom → LogoutRoom, then the two steps of closing. It only moves
// forward, and Table.end is the one way into stateLeaving (like
// nats-server's markConnAsClosed).
type state uint8

const (
	stateLogin   state = iota // connected, no nickname yet
	stateChat                 // logged in, in exactly one room
	stateLeaving              // ending for s.reason; output still to flush
	stateClosed               // Conn.Close called; waiting for Table.Closed
	stateGone                 // the connection is gone; nothing may touch it
)

// Session is one connection's protocol state. The Table and its event loop
// own it; no method is safe to call from another goroutine.
type Session struct {
	t    *Table
	conn Conn
	id   UserID // this connection's user, for as long as the server runs

	state  state
	reason CloseReason // why the session is ending, once it is
	dirty  bool        // in Table.dirty, with output to flush

	// holding: in Table.out.held, its output waiting for the coalescing
	// window (Config.Coalesce) that began at lastWrite (ns since
	// Table.epoch) to end.
	holding   bool
	lastWrite int64

	framer wire.Framer

	nick string // as the user typed it
	key  string // folded, the nick index key
	room *Room

	account   string // the account key s logged in to, or "" (not registered)
	operator  bool   // s may run Operator commands
	prompt    prompt // a question the next line answers (a password)
	toldMuted bool   // s has been told it is muted

	roomIdx, tableIdx int // positions in room.members and Table.sessions

	settings    Settings
	autoCharset bool // still watching for a first GBK line

	ignoring []userRef // whose talk this session does not see
	lastFrom userRef   // who last sent a private message, for /reply

	remote    string
	connected time.Time
	lastInput time.Time

	bucket bucket
	flood  floodEpisode

	out []byte // output not yet handed to Conn.Write
}

// userRef names a user by identity, keeping the nickname they had when
// named, for replies after they have gone or renamed.
type userRef struct {
	id   UserID
	nick string
}

// ID returns the session's user identity.
func (s *Session) ID() UserID { return s.id }

// Nick returns the session's nickname, or "" before login.
func (s *Session) Nick() string { return s.nick }

// Remote returns the peer address given to Table.Open.
func (s *Session) Remote() string { return s.remote }

// Charset returns the session's current charset.
func (s *Session) Charset() wire.Charset { return s.settings.Charset }

// Reason returns why the session is ending, or ReasonNone while it is not.
func (s *Session) Reason() CloseReason { return s.reason }

// Alive reports whether the session is still logged in or logging in: what
// work finished off the loop (Table.Complete) checks before acting on it.
func (s *Session) Alive() bool { return s.state <= stateChat }

// loggedIn reports whether the session has a nickname and a room.
func (s *Session) loggedIn() bool { return s.state == stateChat }

// isIgnoring reports whether s has chosen not to see id's talk.
func (s *Session) isIgnoring(id UserID) bool {
	for _, x := range s.ignoring {
		if x.id == id {
			return true
		}
	}
	return false
}

// hides reports whether s has chosen not to see m: room talk while
// /ignore hides it, or anything from a user s ignores. Live broadcasts and
// history replays both ask here, so they cannot disagree.
func (s *Session) hides(m *Message) bool {
	if m.isTalk() && s.settings.HideTalk {
		return true
	}
	return len(s.ignoring) > 0 && !m.FromID.IsZero() && s.isIgnoring(m.FromID)
}

// reply sends "-> text" to this session only.
func (s *Session) reply(text string) {
	s.deliver(&Message{Kind: Reply, Text: text, Time: s.t.now})
}

// check turns a handler's error into its one-line reply.
func (s *Session) check(err error) {
	if err != nil {
		s.reply(err.Error())
	}
}
