package main

import (
	"fmt"
	"sync/atomic"
	"time"
)

const (
	// idleSettle is how long idle connections are held after the last
	// join announcement arrives before the server's memory is first read.
	idleSettle = time.Second

	// rssSettleMax bounds the wait for the server's resident memory to
	// stop falling after the join announcements (buffers freed, pages
	// returned); rssSettleStep is how often it is read meanwhile.
	rssSettleMax  = 20 * time.Second
	rssSettleStep = time.Second
)

// lineCounter is one reader's line count, on its own cache line.
type lineCounter struct {
	atomic.Int64
	_ [cacheLine - 8]byte
}

// runIdle logs in n clients that then only listen, and reports the server's
// resident memory per logged-in connection.
//
// Every join is announced to everyone already in the room, so n logins
// deliver at least n(n+1)/2 announcements (more when a server adds users to
// the room before announcing them); the memory is read once they have all
// arrived, the connections have been held for idleSettle and the server's
// resident set has stopped falling, and the connections must all still be
// open then.
func runIdle(e *env, n int) (result, error) {
	r := result{Scenario: "idle", Clients: n}
	var base memory
	if e.target.pid > 0 {
		var err error
		if base, err = memoryOf(e.target.pid); err != nil {
			return r, err
		}
	}
	lines := make([]lineCounter, n)
	var stopping atomic.Bool
	var ended atomic.Int64
	heard := func() int64 {
		var s int64
		for i := range lines {
			s += lines[i].Load()
		}
		return s
	}
	rx, err := e.newReactor()
	if err != nil {
		return r, err
	}
	before := e.sample()
	var login crowdLogin
	defer func() {
		stopping.Store(true)
		rx.close()
		closeAll(login.clients)
	}()
	login, err = e.loginWaves(n, idleReadBufferSize, func(i int, c *client, early int) error {
		// Its own join and any before it were read by its login.
		sink := &countSink{n: 1 + int64(early), count: &lines[i].Int64}
		sink.flush()
		return rx.watch(c, sink, func(error) {
			if !stopping.Load() {
				ended.Add(1)
			}
		})
	}, heard)
	if e.ctx.Err() != nil {
		return r, e.ctx.Err()
	}
	r.Held, r.Reader, r.LoginS = login.held, e.reader, login.took.Seconds()
	switch {
	case err != nil:
		r.Note = err.Error()
	case login.note != "":
		r.Note = login.note
	}
	r.Errors = n - r.Held
	if err := e.sleep(idleSettle); err != nil {
		return r, err
	}
	after := e.sample()
	e.fillProcess(&r, before, after, 0)
	var m memory
	if r.Process {
		var err error
		if m, err = e.settledMemory(); err != nil {
			return r, err
		}
	}
	if gone := int(ended.Load()); gone > 0 {
		r.Held -= gone
		r.Errors += gone
		r.Note = fmt.Sprintf("%d connections ended while held", gone)
	}
	if r.Process {
		r.ServerPeakRSS = m.peak
		if r.Held > 0 {
			r.RSSPerConn = float64(m.rss-base.rss) / float64(r.Held)
		}
	}
	return r, nil
}

// settledMemory reads the server's memory every rssSettleStep until its
// resident set stops falling by more than 1%, or rssSettleMax has passed,
// so that what is left of the announcement burst is not charged to the
// idle connections.
func (e *env) settledMemory() (memory, error) {
	m, err := memoryOf(e.target.pid)
	deadline := time.Now().Add(rssSettleMax)
	for err == nil && time.Now().Before(deadline) {
		if e.sleep(rssSettleStep) != nil {
			break
		}
		next, err2 := memoryOf(e.target.pid)
		if err2 != nil {
			return m, err2
		}
		falling := next.rss < m.rss-m.rss/100
		m = next
		if !falling {
			break
		}
	}
	return m, err
}
