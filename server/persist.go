package main

import (
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"teahouse/server/store"
	"teahouse/session"
)

// Bounds of the work the loop hands off to the store. Each password hash
// holds DefaultParams.Memory (64 MiB) and a core while it runs, so fewer
// hashes run at once than there are cores (kdfWorkers): the event loop
// always has one. A queue that is full is a busy server, told to the user
// at once, never a loop that waits.
const (
	kdfQueue      = 256 // a burst of logins waits here, about 75 ms per hash per worker
	writeQueue    = 1024
	historyPeriod = time.Second // stored history may lose this much in a crash
)

// kdfWorkers is how many password hashes run at once: one core fewer than
// Go may use, and at least one.
func kdfWorkers() int { return max(1, runtime.GOMAXPROCS(0)-1) }

// errBusy is the answer when the store's queues are full.
var errBusy = session.ErrStoreBusy

// persist is the session.Store over server/store. The loop calls its
// methods, which queue the work and return at once; results come back on
// the loop through complete (Table.Complete). Writes run on one goroutine,
// in the order they were asked for, and every write is on disk before its
// done runs. Room history is batched once a second.
type persist struct {
	db       store.Store
	params   store.Params
	log      *slog.Logger
	complete func(func()) // runs fn on the loop as a Table entry point

	kdf    chan func()
	writes chan func()
	kdfWG  sync.WaitGroup // the hashing workers
	wg     sync.WaitGroup // the writer and the history batcher

	histMu  sync.Mutex
	pending map[string][]session.Message // room key → lines not yet stored
	drops   []string                     // rooms gone since the last batch
	stop    chan struct{}
	once    sync.Once

	// closing is set as close starts: the loop may still be running when
	// a shutdown gives up waiting for it, and its calls must then find no
	// closed channel to send on. Hashes still queued are skipped.
	closeMu sync.RWMutex
	closing bool
	quit    atomic.Bool
}

// newPersist starts the workers over db.
func newPersist(db store.Store, params store.Params, log *slog.Logger, complete func(func())) *persist {
	p := &persist{
		db: db, params: params, log: log, complete: complete,
		kdf:     make(chan func(), kdfQueue),
		writes:  make(chan func(), writeQueue),
		pending: make(map[string][]session.Message),
		stop:    make(chan struct{}),
	}
	for range kdfWorkers() {
		p.kdfWG.Go(func() {
			for job := range p.kdf {
				job()
			}
		})
	}
	p.wg.Go(func() {
		for job := range p.writes {
			job()
		}
	})
	p.wg.Go(p.historyLoop)
	return p
}

// close stores the last history batch, finishes the queued work and
// closes the database. Results that arrive after the loop has stopped are
// dropped: nobody is left to tell.
func (p *persist) close() error {
	p.once.Do(func() {
		p.quit.Store(true)
		p.closeMu.Lock()
		p.closing = true
		p.closeMu.Unlock()
		close(p.kdf) // hashes under way finish and queue their writes…
		p.kdfWG.Wait()
		close(p.stop) // …before the batcher stores the last history and closes writes
		p.wg.Wait()
	})
	return p.db.Close()
}

// submit queues job on q for the loop, or reports errBusy through fail.
// Once the store is closing it drops the job: the loop is stopping, and
// nobody is left to tell.
func (p *persist) submit(q chan func(), job func(), fail func(error)) {
	p.closeMu.RLock()
	defer p.closeMu.RUnlock()
	if !p.closing {
		p.enqueue(q, job, fail)
	}
}

// enqueue queues job on q, or reports errBusy through fail. The hashing
// workers call it directly for the write that follows a hash: those
// writes are queued before close closes the writes channel.
func (p *persist) enqueue(q chan func(), job func(), fail func(error)) {
	select {
	case q <- job:
	default:
		p.complete(func() { fail(errBusy) })
	}
}

// write runs op on the writer goroutine and hands its error to done on the
// loop.
func (p *persist) write(op func() error, done func(error)) {
	p.submit(p.writes, p.writeJob(op, done), done)
}

// hashedWrite is write for a hashing worker, after its hash.
func (p *persist) hashedWrite(op func() error, done func(error)) {
	p.enqueue(p.writes, p.writeJob(op, done), done)
}

// writeJob runs op and hands its error to done on the loop.
func (p *persist) writeJob(op func() error, done func(error)) func() {
	return func() {
		err := op()
		p.complete(func() { done(err) })
	}
}

// Register hashes the password (off the loop, bounded) and then stores
// the account.
func (p *persist) Register(a session.Account, password string, done func(error)) {
	p.submit(p.kdf, func() {
		hash, err := p.params.Hash(password)
		if err != nil {
			p.complete(func() { done(err) })
			return
		}
		p.hashedWrite(func() error {
			err := p.db.Register(a.Key, a.Display, hash)
			if errors.Is(err, store.ErrExists) {
				return fmt.Errorf("%s is registered already", a.Display)
			}
			return err
		}, done)
	}, done)
}

// Verify reads the account and compares the password with its hash in
// constant time. An unknown account is a wrong password.
func (p *persist) Verify(key, password string, done func(bool, error)) {
	p.submit(p.kdf, func() {
		if p.quit.Load() {
			return // shutting down: a ~75 ms hash for nobody
		}
		ok, err := p.verify(key, password)
		p.complete(func() { done(ok, err) })
	}, func(err error) { done(false, err) })
}

func (p *persist) verify(key, password string) (bool, error) {
	a, err := p.db.Account(key)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return store.Verify(password, a.Hash)
}

// SetPassword hashes the new password and stores it.
func (p *persist) SetPassword(key, password string, done func(error)) {
	p.submit(p.kdf, func() {
		hash, err := p.params.Hash(password)
		if err != nil {
			p.complete(func() { done(err) })
			return
		}
		p.hashedWrite(func() error { return p.db.SetPassword(key, hash) }, done)
	}, done)
}

func (p *persist) Unregister(key string, done func(error)) {
	p.write(func() error { return p.db.Unregister(key) }, done)
}

func (p *persist) SetOperator(key string, op bool, done func(error)) {
	p.write(func() error { return p.db.SetOperator(key, op) }, done)
}

func (p *persist) AddBan(b session.Ban, done func(error)) {
	sb := storeBan(b)
	p.write(func() error { return p.db.AddBan(sb) }, done)
}

func (p *persist) RemoveBan(b session.Ban, done func(error)) {
	sb := storeBan(b)
	p.write(func() error {
		err := p.db.RemoveBan(sb.Kind, sb.Target)
		if errors.Is(err, store.ErrNotFound) {
			return nil // it expired meanwhile: lifted all the same
		}
		return err
	}, done)
}

func (p *persist) AddMute(m session.Mute, done func(error)) {
	sm := store.Mute{Target: m.Key, SetBy: m.SetBy, Created: m.Set, Expires: m.Until}
	p.write(func() error { return p.db.AddMute(sm) }, done)
}

func (p *persist) RemoveMute(key string, done func(error)) {
	p.write(func() error {
		err := p.db.RemoveMute(key)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		return err
	}, done)
}

// SaveHistory keeps m for the next batch. It runs on the loop for every
// line said, so the conversion for the store waits for the batch.
func (p *persist) SaveHistory(room string, m session.Message) {
	p.histMu.Lock()
	p.pending[room] = append(p.pending[room], m)
	p.histMu.Unlock()
}

// DropHistory forgets room's lines, stored and pending, in order with the
// batches around it.
func (p *persist) DropHistory(room string) {
	p.histMu.Lock()
	delete(p.pending, room)
	p.drops = append(p.drops, room)
	p.histMu.Unlock()
}

// historyLoop stores the pending history once a period, and once more on
// close.
func (p *persist) historyLoop() {
	t := time.NewTicker(historyPeriod)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			p.flushHistory()
		case <-p.stop:
			p.flushHistory()
			close(p.writes) // no write can be queued after the loop stopped
			return
		}
	}
}

// flushHistory stores one batch.
func (p *persist) flushHistory() {
	p.histMu.Lock()
	batch, drops := p.pending, p.drops
	if len(batch) == 0 && len(drops) == 0 {
		p.histMu.Unlock()
		return
	}
	p.pending, p.drops = make(map[string][]session.Message), nil
	p.histMu.Unlock()
	if err := p.db.DropHistory(drops...); err != nil {
		p.log.Error("cannot forget room history", "err", err, "rooms", len(drops))
	}
	lines := make(map[string][]store.HistoryLine, len(batch))
	for room, ms := range batch {
		for _, m := range ms {
			lines[room] = append(lines[room], store.HistoryLine{
				Kind: uint8(m.Kind), FromNick: m.From, FromID: m.FromID.String(), Text: m.Text, Time: m.Time})
		}
	}
	if err := p.db.AppendHistory(lines); err != nil {
		p.log.Error("cannot store room history", "err", err, "rooms", len(batch))
	}
}

// storeBan converts a session ban for the store.
func storeBan(b session.Ban) store.Ban {
	sb := store.Ban{Reason: b.Reason, SetBy: b.SetBy, Created: b.Set, Expires: b.Until}
	switch {
	case b.Nick != "":
		sb.Kind, sb.Target = store.BanNick, b.Nick
	case b.Prefix.IsSingleIP():
		sb.Kind, sb.Target = store.BanAddr, b.Prefix.Addr().String()
	default:
		sb.Kind, sb.Target = store.BanCIDR, b.Prefix.String()
	}
	return sb
}

// loadSaved reads what the store holds for the Table's start.
func loadSaved(db store.Store) (session.Saved, error) {
	var s session.Saved
	accounts, err := db.Accounts()
	if err != nil {
		return s, err
	}
	for _, a := range accounts {
		s.Accounts = append(s.Accounts, session.Account{Key: a.Key, Display: a.Display, Operator: a.Operator})
	}
	bans, err := db.Bans()
	if err != nil {
		return s, err
	}
	for _, b := range bans {
		sb := session.Ban{Reason: b.Reason, SetBy: b.SetBy, Set: b.Created, Until: b.Expires}
		if b.Kind == store.BanNick {
			sb.Nick = b.Target
		} else {
			sb.Prefix = b.Prefix()
		}
		s.Bans = append(s.Bans, sb)
	}
	mutes, err := db.Mutes()
	if err != nil {
		return s, err
	}
	for _, m := range mutes {
		s.Mutes = append(s.Mutes, session.Mute{Key: m.Target, SetBy: m.SetBy, Set: m.Created, Until: m.Expires})
	}
	hist, err := db.AllHistory()
	if err != nil {
		return s, err
	}
	s.History = make(map[string][]session.Message, len(hist))
	for room, lines := range hist {
		for _, l := range lines {
			s.History[room] = append(s.History[room], session.Message{
				Kind: session.Kind(l.Kind), From: l.FromNick, FromID: session.ParseUserID(l.FromID),
				Room: room, Text: l.Text, Time: l.Time,
			})
		}
	}
	return s, nil
}
