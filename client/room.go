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
	refusal string
	// settled is set once a refusal has gone settleWait without a join:
	// then it is final, and loginState no longer reports it.
	settled    bool
	serverEcho bool          // /echo on: the server sends our chat lines back
	stamped    bool          // the last line had a timestamp: /timestamp on
	changed    chan struct{} // closed and replaced whenever a login attempt is answered
	// announced is set by notify once nick is set: waiters learn of the
	// login only after the reader has reacted to it (sent /charset), so
	// their lines follow that reaction on the wire.
	announced bool

	// The password dialogue (password.go).
	ask        askState
	auto       bool   // a password source answers prompts by itself
	autoSent   bool   // the answer awaiting a verdict came from the source
	autoOff    bool   // the source's password was refused: prompts are the user's
	autoNo     string // the reply that refused it
	awaitReply bool   // a line that may raise a prompt has had no reply yet
}

// askState is where a password prompt stands.
type askState uint8

const (
	askNone     askState = iota
	askOpen              // the server waits for a password
	askAnswered          // one was sent; the verdict has not come
)

// observed is what one server line changed.
type observed struct {
	joined   bool // this line logged us in
	answered bool // it answered a nickname attempt, or asked for its password
	// autoAnswer: answer this prompt from the password source now. The
	// room counts it as answered already, so no typed line can take its
	// place.
	autoAnswer bool
	// autoRefused is the reply that refused the source's password.
	autoRefused string
}

// newRoom returns the state of a session that has not logged in.
func newRoom() *room { return &room{changed: make(chan struct{})} }

// outgoing records a keyboard line about to be sent and returns the line to
// echo locally, or "" for none.
func (r *room) outgoing(line string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.nick != "" && raisesPrompt(line) {
		r.awaitReply = true
	}
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

// answering records a line sent as the answer to an open prompt; auto
// says it came from the password source.
func (r *room) answering(auto bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ask, r.autoSent, r.awaitReply = askAnswered, auto, true
}

// asking reports whether the server takes the next line for a password:
// a prompt is open, or an answer to one awaits its verdict (a line typed
// meanwhile may be the next try, so it is treated as a password too).
func (r *room) asking() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ask != askNone
}

// promptState is a snapshot for pipe mode: whether a prompt waits for a
// typed answer, whether a line that may raise one is unanswered, and a
// channel closed at the next reply.
func (r *room) promptState() (open, awaitReply bool, changed <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.ask == askOpen, r.awaitReply, r.changed
}

// autoRefusal is the reply that refused the source's password, or "".
// It is set in the same step as the prompt reopens, so a waiter that
// checks it first cannot send a line into that prompt.
func (r *room) autoRefusal() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.autoNo
}

// setAuto says whether a password source answers prompts.
func (r *room) setAuto(on bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.auto = on
}

// mine reports whether nick is ours or one we asked for. Called locked.
func (r *room) mine(nick string) bool {
	return (r.nick != "" && sameNick(nick, r.nick)) || r.askedFor(nick)
}

// observePassword follows the password dialogue through a reply. done
// says the reply belonged to the dialogue and nothing else is to be
// learned from it. Called locked.
func (r *room) observePassword(m message, o *observed) (done bool) {
	r.awaitReply = false
	loggingIn := r.nick == "" && r.pending > 0
	if isPasswordPrompt(m) {
		r.ask = askOpen
		if r.auto && !r.autoOff && autoAnswerable(m.text, r.mine) {
			r.ask, r.autoSent, r.awaitReply = askAnswered, true, true
			o.autoAnswer = true
		}
		// The nickname attempt stays pending: the join or a refusal
		// follows the password. Waiters wake to see the prompt.
		o.answered = loggingIn
		return true
	}
	if r.ask == askNone {
		return false
	}
	if open, refused := stillAsking(m.text); open {
		if refused {
			if r.autoSent {
				r.autoOff, r.autoNo = true, m.text
				o.autoRefused = m.text
			}
			r.ask, r.autoSent = askOpen, false
		}
		o.answered = loggingIn
		return true
	}
	if r.ask == askOpen {
		return true // unrelated to the prompt, which stays open
	}
	r.ask, r.autoSent = askNone, false // the verdict
	return false
}

// observe learns from one server line. It reports joined when this line
// logged us in, and answered when it answered a nickname attempt (joined
// or refused) or asked for its password; the caller then calls notify,
// after any reaction of its own, so waiters see the reaction's effects
// too. For a password prompt the source should answer, it sets autoAnswer.
func (r *room) observe(m message) (o observed) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stamped = m.stamp != ""
	if m.kind == kindReply && r.observePassword(m, &o) {
		return o
	}
	if r.nick == "" {
		switch m.kind {
		case kindAnnounce:
			// Matching the name matters: history replayed before our own
			// join line can hold other people's joins.
			who, _, ok := strings.Cut(m.text, joinedMark)
			if ok && r.askedFor(who) {
				r.nick, r.pending, r.refusal, r.candidates = who, 0, "", nil
				o.joined, o.answered = true, true
				return o
			}
		case kindReply:
			if r.pending > 0 {
				r.pending--
				r.refusal, r.settled = m.text, false
				o.answered = true
				return o
			}
		}
		return o
	}
	if m.kind == kindAnnounce {
		if old, nick, ok := strings.Cut(m.text, renamedMark); ok && sameNick(old, r.nick) && session.CheckNick(nick) == nil {
			r.nick = nick
		}
	}
	return o
}

// askedFor reports whether who is one of the nicknames we asked for.
func (r *room) askedFor(who string) bool {
	for _, c := range r.candidates {
		if sameNick(c, who) {
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
// refusal that a join may still follow, and a channel closed at the next
// answer.
func (r *room) loginState() (nick string, waiting bool, refusal string, changed <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.announced {
		// A join seen but not yet announced is still an answer to wait for.
		return "", r.pending > 0 || r.nick != "", r.unsettled(), r.changed
	}
	return r.nick, false, r.unsettled(), r.changed
}

// unsettled is the refusal that a join may yet follow, or "". Called locked.
func (r *room) unsettled() string {
	if r.settled {
		return ""
	}
	return r.refusal
}

// settle marks the last refusal as final: no join followed it.
func (r *room) settle() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.settled = true
}
