package main

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// idleWave is how many idle clients log in together. Each wave's
	// announcements are let through before the next wave starts, so every
	// connection's share of a wave (a few kilobytes) fits in its socket
	// buffer and the server needs no burst buffers that would then be
	// charged to the idle connections.
	idleWave = 250

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
	var readers sync.WaitGroup
	total := func() int64 {
		var s int64
		for i := range lines {
			s += lines[i].Load()
		}
		return s
	}
	before := e.sample()
	var clients []*client
	defer func() {
		stopping.Store(true)
		closeAll(clients)
		readers.Wait()
	}()
	for first := 0; first < n; first += idleWave {
		wave, err := e.loginAll(first, min(idleWave, n-first), idleReadBufferSize, func(i int, c *client, early int) {
			lines[i].Add(1 + int64(early)) // its own join and any before it, read by login
			readers.Go(func() {
				idleReader(c.r, &lines[i].Int64)
				if !stopping.Load() {
					ended.Add(1)
				}
			})
		})
		clients = append(clients, wave...)
		if e.ctx.Err() != nil {
			return r, e.ctx.Err()
		}
		if err != nil && r.Note == "" {
			e.logf("idle: %v", err)
			r.Note = err.Error()
		}
		r.Held = 0
		for _, c := range clients {
			if c != nil {
				r.Held++
			}
		}
		// Let the wave's announcements arrive before the next wave.
		expected := int64(r.Held) * int64(r.Held+1) / 2
		got, lastChange := total(), time.Now()
		for got < expected && time.Since(lastChange) < drainStall && e.ctx.Err() == nil {
			time.Sleep(pollInterval)
			if now := total(); now != got {
				got, lastChange = now, time.Now()
			}
		}
		if got < expected {
			r.Note = fmt.Sprintf("only %d of %d join announcements arrived", got, expected)
		}
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
