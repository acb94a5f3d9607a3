package session

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"teahouse/session/sessiontest"
	"teahouse/session/wire"
)

// recorder is a Conn that keeps what the session wrote, for tests.
type recorder struct {
	out      []byte
	closed   CloseReason
	buffered int  // what Buffered reports
	fail     bool // Write fails, as on a dead connection
	onWrite  func()
	closes   int // how many times Close was called
	writes   int // how many times Write was called
	late     int // writes after Close: output that would be lost
}

func (r *recorder) Write(p []byte) error {
	r.writes++
	if r.closes > 0 {
		r.late++
	}
	if r.onWrite != nil {
		r.onWrite()
	}
	if r.fail {
		return errDead
	}
	r.out = append(r.out, p...)
	return nil
}
func (r *recorder) Buffered() int            { return r.buffered }
func (r *recorder) Close(reason CloseReason) { r.closed = reason; r.closes++ }

// lines returns and forgets the complete lines written so far, without CRLF
// and without telnet commands, as a telnet client shows them: harness users
// end their lines in CR LF, so the server negotiates with them. Tests of the
// negotiation read conn.out itself.
func (r *recorder) lines() []string {
	s := sessiontest.StripTelnet(string(r.out))
	r.out = r.out[:0]
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
}

type deadError struct{}

func (deadError) Error() string { return "connection is gone" }

var errDead = deadError{}

// fakeClock is a settable clock for flood and idle tests.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

// harness is a Table with helpers to connect and drive users.
type harness struct {
	t     *testing.T
	table *Table
	clock *fakeClock
}

// newHarness returns a table with the default config changed by mod; t may
// be nil in benchmarks.
func newHarness(t *testing.T, mod ...func(*Config)) *harness {
	if t != nil {
		t.Helper()
	}
	clock := &fakeClock{t: time.Date(2026, 11, 21, 15, 4, 5, 0, time.Local)}
	cfg := DefaultConfig()
	cfg.Now = clock.now
	for _, m := range mod {
		m(&cfg)
	}
	return &harness{t: t, table: NewTable(cfg), clock: clock}
}

// user is one connected session and its recorded output.
type user struct {
	h    *harness
	s    *Session
	conn *recorder
}

// connect opens a session and discards the greeting.
func (h *harness) connect() *user {
	h.t.Helper()
	c := &recorder{}
	s := h.table.Open(c, "127.0.0.1:1234")
	c.lines()
	return &user{h: h, s: s, conn: c}
}

// login connects and logs in as nick, discarding the output.
func (h *harness) login(nick string) *user {
	h.t.Helper()
	u := h.connect()
	u.send(nick)
	if u.s.state != stateChat {
		h.t.Fatalf("login as %q failed: %q", nick, u.conn.lines())
	}
	u.conn.lines()
	return u
}

// send types one line, with CRLF.
func (u *user) send(line string) { u.s.CollectIncomingData([]byte(line + "\r\n")) }

// says sends a line and returns what this user got back.
func (u *user) says(line string) []string {
	u.send(line)
	return u.conn.lines()
}

// got returns and forgets this user's output lines.
func (u *user) got() []string { return u.conn.lines() }

// mustLogin is login for benchmarks, which have no *testing.T to fail.
func (h *harness) mustLogin(nick string) *user {
	c := &recorder{}
	s := h.table.Open(c, "127.0.0.1:1234")
	s.CollectIncomingData([]byte(nick + "\r\n"))
	if s.state != stateChat {
		panic("login failed: " + string(c.out))
	}
	c.out = c.out[:0]
	return &user{h: h, s: s, conn: c}
}

// logins logs in one user per nick, in order, and forgets everyone's
// output (the join announcements), so a test starts from silence.
func (h *harness) logins(nicks ...string) []*user {
	h.t.Helper()
	us := make([]*user, len(nicks))
	for i, n := range nicks {
		us[i] = h.login(n)
	}
	drain(us...)
	return us
}

// drain forgets the output of every user given.
func drain(us ...*user) {
	for _, u := range us {
		u.conn.lines()
	}
}

// sendBytes feeds p to the session as one packet, exactly as given.
func (u *user) sendBytes(p []byte) { u.s.CollectIncomingData(p) }

// closed reports the connection gone, as the reactor does from OnClose.
func (u *user) closed(reason CloseReason) { u.h.table.Closed(u.s, reason) }

// gotGBK returns and forgets this user's output lines, decoded from GBK.
func (u *user) gotGBK() []string {
	lines := u.conn.lines()
	for i, l := range lines {
		lines[i] = string(wire.NewCodec().Decode(nil, wire.GBK, []byte(l)))
	}
	return lines
}

// toGBK encodes UTF-8 text as a GBK terminal would send it.
func toGBK(s string) []byte { return wire.NewCodec().Encode(nil, wire.GBK, []byte(s)) }

// expectLines fails the test unless got is exactly want, line for line.
func expectLines(t *testing.T, who string, got, want []string) {
	t.Helper()
	if len(got) == 0 && len(want) == 0 {
		return
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) != len(want) {
		t.Errorf("%s got:\n\t%s\nwant:\n\t%s", who, strings.Join(quoteAll(got), "\n\t"), strings.Join(quoteAll(want), "\n\t"))
	}
}

// quoteAll quotes each line so that spaces and odd bytes show in failures.
func quoteAll(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = fmt.Sprintf("%q", l)
	}
	if len(out) == 0 {
		out = []string{"(nothing)"}
	}
	return out
}

// checkIndexes fails the test unless the table's indexes agree with each
// other: positions stored in sessions, room membership, the nickname index
// and the Online and Rooms counters.
func (h *harness) checkIndexes(t *testing.T) {
	t.Helper()
	tb := h.table
	chatting := 0
	for i, s := range tb.sessions {
		if s.tableIdx != i {
			t.Errorf("session %q at %d thinks it is at %d", s.nick, i, s.tableIdx)
		}
		if s.state == stateChat {
			chatting++
			if tb.users[tb.nicks[s.key]] != s {
				t.Errorf("session %q is chatting but not in the nickname index", s.nick)
			}
		}
	}
	if len(tb.nicks) != chatting || tb.stats.Online.Load() != int64(chatting) {
		t.Errorf("%d chatting, %d nicknames, Online %d", chatting, len(tb.nicks), tb.stats.Online.Load())
	}
	members := 0
	for key, r := range tb.rooms {
		if r.key != key || (r.Len() == 0 && r != tb.lobby) {
			t.Errorf("room %q under key %q with %d members", r.name, key, r.Len())
		}
		for i, s := range r.members {
			if s.room != r || s.roomIdx != i || s.state != stateChat {
				t.Errorf("%q at %d in #%s thinks it is at %d in %v (phase %d)", s.nick, i, r.name, s.roomIdx, s.room, s.state)
			}
		}
		members += r.Len()
	}
	if members != chatting || tb.stats.Rooms.Load() != int64(len(tb.rooms)) {
		t.Errorf("%d room members for %d chatting; Rooms %d for %d rooms", members, chatting, tb.stats.Rooms.Load(), len(tb.rooms))
	}
}
