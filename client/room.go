package main

import (
	"strings"
	"sync"
	"time"

	"teahouse/session"
)

// Announcement shapes that change what the client knows about itself.
const (
	joinedMark  = " joined #"         // *** alice joined #lobby
	renamedMark = " is now known as " // *** alice is now known as ally
)

// room is what the client knows about its own session, learned from what it
// sent and what the server answered: whether a nickname was accepted and in
// which spelling, later renames, and the switches that change local echo.
// The reader goroutine calls observe, the keyboard side outgoing; a mutex
// keeps them apart.
type room struct {
	mu         sync.Mutex
	nick       string   // our nickname once logged in; empty while logging in
	candidates []string // the nicknames asked for so far
	pending    int      // nickname attempts not answered yet
	// refusal is the last reply to a nickname attempt. It may yet be
	// followed by our join: the server greets a new name with a reply
	// ("-> hello bob!") before the join line.
	refusal    string
	serverEcho bool          // /echo on: the server sends our chat lines back
	stamped    bool          // the last line had a timestamp: /timestamp on
	changed    chan struct{} // closed and replaced whenever a login attempt is answered
	// announced is set by notify once nick is set: waiters learn of the
	// login only after the reader has reacted to it (sent /charset), so
	// their lines follow that reaction on the wire.
	announced bool
}

// newRoom returns the state of a session that has not logged in.
func newRoom() *room { return &room{changed: make(chan struct{})} }

// outgoing records a keyboard line about to be sent and returns the line to
// echo locally, or "" for none.
func (r *room) outgoing(line string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.nick == "" {
		if nick := nickAttempt(line); nick != "" {
			r.candidates = append(r.candidates, nick)
			r.pending++
		}
		return ""
	}
	switch echoSwitch(line) {
	case +1:
		r.serverEcho = true
	case -1:
		r.serverEcho = false
	}
	if r.serverEcho {
		return ""
	}
	echo, ok := localEcho(r.nick, line)
	if !ok {
		return ""
	}
	if r.stamped {
		echo = time.Now().Format("[15:04:05] ") + echo
	}
	return echo
}

// observe learns from one server line. It reports joined when this line
// logged us in, and answered when it answered a nickname attempt (joined
// or refused); the caller then calls notify, after any reaction of its own,
// so waiters see the reaction's effects too.
func (r *room) observe(m message) (joined, answered bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stamped = m.stamp != ""
	if r.nick == "" {
		switch m.kind {
		case kindAnnounce:
			// Matching the name matters: history replayed before our own
			// join line can hold other people's joins.
			who, _, ok := strings.Cut(m.text, joinedMark)
			if ok && r.askedFor(who) {
				r.nick, r.pending, r.refusal, r.candidates = who, 0, "", nil
				return true, true
			}
		case kindReply:
			if r.pending > 0 {
				r.pending--
				r.refusal = m.text
				return false, true
			}
		}
		return false, false
	}
	if m.kind == kindAnnounce {
		if old, nick, ok := strings.Cut(m.text, renamedMark); ok && session.NameKey(old) == session.NameKey(r.nick) && (session.CheckNick(nick) == nil) {
			r.nick = nick
		}
	}
	return false, false
}

// askedFor reports whether who is one of the nicknames we asked for.
func (r *room) askedFor(who string) bool {
	for _, c := range r.candidates {
		if session.NameKey(c) == session.NameKey(who) {
			return true
		}
	}
	return false
}

// notify wakes everyone waiting for an answer to a nickname.
func (r *room) notify() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.announced = r.nick != ""
	close(r.changed)
	r.changed = make(chan struct{})
}

// loginState is a snapshot for the waiting side: the nickname once logged
// in and announced by notify, whether an answer is still to come, the last
// refusal, and a channel closed at the next answer.
func (r *room) loginState() (nick string, waiting bool, refusal string, changed <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.announced {
		// A join seen but not yet announced is still an answer to wait for.
		return "", r.pending > 0 || r.nick != "", r.refusal, r.changed
	}
	return r.nick, false, r.refusal, r.changed
}
