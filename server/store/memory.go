package store

import (
	"maps"
	"slices"
	"sync"
	"time"
)

// Memory is the Store for -data "": everything in maps, nothing on disk,
// gone at exit. It keeps the same encoded records as Bolt, so values come
// back exactly as they would from the file.
type Memory struct {
	o options

	mu       sync.Mutex
	closed   bool
	accounts map[string][]byte // these four fields are never reassigned
	bans     map[string][]byte
	mutes    map[string][]byte
	history  map[string][][]byte
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty memory store.
func NewMemory(opts ...Option) *Memory {
	return &Memory{
		o:        newOptions(opts),
		accounts: map[string][]byte{},
		bans:     map[string][]byte{},
		mutes:    map[string][]byte{},
		history:  map[string][][]byte{},
	}
}

// lock takes the mutex, or fails with ErrClosed (and leaves it unlocked).
func (m *Memory) lock() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return ErrClosed
	}
	return nil
}

func (m *Memory) Register(key, display, hash string) error {
	if err := checkKey("account", key); err != nil {
		return err
	}
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if _, ok := m.accounts[key]; ok {
		return ErrExists
	}
	m.accounts[key] = encodeAccount(Account{Key: key, Display: display, Hash: hash, Created: m.o.now()})
	return nil
}

func (m *Memory) Account(key string) (Account, error) {
	if err := m.lock(); err != nil {
		return Account{}, err
	}
	defer m.mu.Unlock()
	b, ok := m.accounts[key]
	if !ok {
		return Account{}, ErrNotFound
	}
	return decodeAccount(b)
}

func (m *Memory) Accounts() ([]Account, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	var out []Account
	for _, k := range slices.Sorted(maps.Keys(m.accounts)) {
		a, err := decodeAccount(m.accounts[k])
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// updateAccount applies fn to the stored account key.
func (m *Memory) updateAccount(key string, fn func(*Account)) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	b, ok := m.accounts[key]
	if !ok {
		return ErrNotFound
	}
	a, err := decodeAccount(b)
	if err != nil {
		return err
	}
	fn(&a)
	m.accounts[key] = encodeAccount(a)
	return nil
}

func (m *Memory) SetPassword(key, hash string) error {
	return m.updateAccount(key, func(a *Account) { a.Hash = hash })
}

func (m *Memory) SetOperator(key string, operator bool) error {
	return m.updateAccount(key, func(a *Account) { a.Operator = operator })
}

func (m *Memory) Unregister(key string) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if _, ok := m.accounts[key]; !ok {
		return ErrNotFound
	}
	delete(m.accounts, key)
	return nil
}

func (m *Memory) AddBan(b Ban) error {
	k, canon, err := banKey(b.Kind, b.Target)
	if err != nil {
		return err
	}
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	b.Target = canon
	if b.Created.IsZero() {
		b.Created = m.o.now()
	}
	m.bans[k] = encodeBan(b)
	return nil
}

func (m *Memory) RemoveBan(kind BanKind, target string) error {
	k, _, err := banKey(kind, target)
	if err != nil {
		return err
	}
	return m.remove(m.bans, k, banExpiry)
}

func (m *Memory) Bans() ([]Ban, error) { return liveMem(m, m.bans, decodeBan, banExpiry) }

func (m *Memory) AddMute(u Mute) error {
	if err := checkKey("mute target", u.Target); err != nil {
		return err
	}
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	if u.Created.IsZero() {
		u.Created = m.o.now()
	}
	m.mutes[u.Target] = encodeMute(u)
	return nil
}

func (m *Memory) RemoveMute(target string) error { return m.remove(m.mutes, target, muteExpiry) }

func (m *Memory) Mutes() ([]Mute, error) { return liveMem(m, m.mutes, decodeMute, muteExpiry) }

// remove deletes key from set; ErrNotFound if it is absent or had already
// expired (it is deleted all the same).
func (m *Memory) remove(set map[string][]byte, key string, expiry func([]byte) (time.Time, error)) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	b, ok := set[key]
	if !ok {
		return ErrNotFound
	}
	exp, err := expiry(b)
	if err != nil {
		return err
	}
	delete(set, key)
	if expired(exp, m.o.now()) {
		return ErrNotFound
	}
	return nil
}

// liveMem returns set's unexpired records in key order and deletes the
// expired ones.
func liveMem[T any](m *Memory, set map[string][]byte, decode func([]byte) (T, error), expiry func([]byte) (time.Time, error)) ([]T, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	now := m.o.now()
	var out []T
	for _, k := range slices.Sorted(maps.Keys(set)) {
		exp, err := expiry(set[k])
		if err != nil {
			return nil, err
		}
		if expired(exp, now) {
			delete(set, k)
			continue
		}
		r, err := decode(set[k])
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func (m *Memory) AppendHistory(batch map[string][]HistoryLine) error {
	for room := range batch {
		if err := checkKey("room", room); err != nil {
			return err
		}
	}
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	for room, lines := range batch {
		h := m.history[room]
		for _, l := range lines {
			h = append(h, encodeLine(l))
		}
		if over := len(h) - m.o.historyMax; over > 0 {
			h = slices.Clone(h[over:])
		}
		if len(h) == 0 {
			delete(m.history, room)
			continue
		}
		m.history[room] = h
	}
	return nil
}

func (m *Memory) DropHistory(rooms ...string) error {
	if err := m.lock(); err != nil {
		return err
	}
	defer m.mu.Unlock()
	for _, room := range rooms {
		delete(m.history, room)
	}
	return nil
}

func (m *Memory) History(room string) ([]HistoryLine, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	return decodeLines(m.history[room])
}

func (m *Memory) AllHistory() (map[string][]HistoryLine, error) {
	if err := m.lock(); err != nil {
		return nil, err
	}
	defer m.mu.Unlock()
	out := make(map[string][]HistoryLine, len(m.history))
	for room, h := range m.history {
		lines, err := decodeLines(h)
		if err != nil {
			return nil, err
		}
		out[room] = lines
	}
	return out, nil
}

func decodeLines(h [][]byte) ([]HistoryLine, error) {
	var out []HistoryLine
	for _, b := range h {
		l, err := decodeLine(b)
		if err != nil {
			return nil, err
		}
		out = append(out, l)
	}
	return out, nil
}

// Close drops everything; the memory store persists nothing.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.closed = true
	clear(m.accounts)
	clear(m.bans)
	clear(m.mutes)
	clear(m.history)
	return nil
}
