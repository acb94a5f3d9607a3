package session

import (
	"errors"
	"slices"
	"testing"
)

// fakeStore is a Store in memory whose results wait until the test calls
// settle, as the real one's come back later through Table.Complete.
type fakeStore struct {
	h         *harness
	passwords map[string]string // key → password
	accounts  map[string]Account
	bans      []Ban
	mutes     map[string]Mute
	history   map[string][]Message
	dropped   []string
	pending   []func()
	fail      error // when set, every write fails with it
}

func newFakeStore() *fakeStore {
	return &fakeStore{
		passwords: make(map[string]string),
		accounts:  make(map[string]Account),
		mutes:     make(map[string]Mute),
		history:   make(map[string][]Message),
	}
}

// later queues a result for settle.
func (f *fakeStore) later(fn func()) { f.pending = append(f.pending, fn) }

// settle delivers every queued result on the loop, as the reactor does,
// including results queued by those results.
func (f *fakeStore) settle() {
	for len(f.pending) > 0 {
		fn := f.pending[0]
		f.pending = f.pending[1:]
		f.h.table.Complete(fn)
	}
}

func (f *fakeStore) write(done func(error), apply func() error) {
	f.later(func() {
		if f.fail != nil {
			done(f.fail)
			return
		}
		done(apply())
	})
}

func (f *fakeStore) Register(a Account, pw string, done func(error)) {
	f.write(done, func() error {
		if _, ok := f.accounts[a.Key]; ok {
			return errors.New("already registered")
		}
		f.accounts[a.Key], f.passwords[a.Key] = a, pw
		return nil
	})
}

func (f *fakeStore) Verify(key, pw string, done func(bool, error)) {
	f.later(func() {
		want, ok := f.passwords[key]
		done(ok && want == pw, nil)
	})
}

func (f *fakeStore) SetPassword(key, pw string, done func(error)) {
	f.write(done, func() error { f.passwords[key] = pw; return nil })
}

func (f *fakeStore) Unregister(key string, done func(error)) {
	f.write(done, func() error { delete(f.accounts, key); delete(f.passwords, key); return nil })
}

func (f *fakeStore) SetOperator(key string, op bool, done func(error)) {
	f.write(done, func() error { a := f.accounts[key]; a.Operator = op; f.accounts[key] = a; return nil })
}

func (f *fakeStore) AddBan(b Ban, done func(error)) {
	f.write(done, func() error {
		f.bans = slices.DeleteFunc(f.bans, func(x Ban) bool { return x.Target() == b.Target() })
		f.bans = append(f.bans, b)
		return nil
	})
}

func (f *fakeStore) RemoveBan(b Ban, done func(error)) {
	f.write(done, func() error {
		f.bans = slices.DeleteFunc(f.bans, func(x Ban) bool { return x.Target() == b.Target() })
		return nil
	})
}

func (f *fakeStore) AddMute(m Mute, done func(error)) {
	f.write(done, func() error { f.mutes[m.Key] = m; return nil })
}

func (f *fakeStore) RemoveMute(key string, done func(error)) {
	f.write(done, func() error { delete(f.mutes, key); return nil })
}

func (f *fakeStore) SaveHistory(room string, m Message) { f.history[room] = append(f.history[room], m) }

func (f *fakeStore) DropHistory(room string) {
	delete(f.history, room)
	f.dropped = append(f.dropped, room)
}

// storeHarness is a harness whose table has a fake Store, and operators
// named by opers.
func storeHarness(t *testing.T, saved Saved, opers ...string) (*harness, *fakeStore, *[]AuditEvent) {
	t.Helper()
	fs := newFakeStore()
	for _, a := range saved.Accounts {
		fs.accounts[a.Key] = a
	}
	audit := new([]AuditEvent)
	h := newHarness(t, func(c *Config) {
		c.Store, c.Saved, c.Opers = fs, saved, opers
		c.Audit = func(e AuditEvent) { *audit = append(*audit, e) }
	})
	fs.h = h
	return h, fs, audit
}

// connectFrom opens a session from remote ("host:port") and discards the
// greeting.
func (h *harness) connectFrom(remote string) *user {
	h.t.Helper()
	c := &recorder{}
	s := h.table.Open(c, remote)
	c.lines()
	return &user{h: h, s: s, conn: c}
}

// loginFrom connects from remote and logs in as nick, discarding output.
func (h *harness) loginFrom(remote, nick string) *user {
	h.t.Helper()
	u := h.connectFrom(remote)
	u.send(nick)
	if u.s.state != stateChat {
		h.t.Fatalf("login as %q failed: %q", nick, u.conn.lines())
	}
	u.conn.lines()
	return u
}

// registered logs in as nick from remote and registers it with pw.
func (h *harness) registered(fs *fakeStore, remote, nick, pw string) *user {
	h.t.Helper()
	u := h.loginFrom(remote, nick)
	u.send("/register " + pw)
	fs.settle()
	if u.s.account == "" {
		h.t.Fatalf("%s did not register: %q", nick, u.got())
	}
	u.got()
	return u
}
