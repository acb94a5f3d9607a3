package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// loginConcurrency bounds how many clients connect and log in at once.
const loginConcurrency = 128

// env is what a scenario runs against: the target server, a dialer for it,
// and the process figures of both sides.
type env struct {
	ctx    context.Context
	target *target
	dialer *dialer
	// nickPrefix starts every nickname of this scenario run, so that runs
	// against a long-lived server do not collide.
	nickPrefix string
	progress   io.Writer
}

// nick returns the nickname of client i.
func (e *env) nick(i int) string {
	return e.nickPrefix + strconv.Itoa(i)
}

// sleep waits for d or until the run is cancelled.
func (e *env) sleep(d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-e.ctx.Done():
		return e.ctx.Err()
	}
}

// logf reports progress to the operator.
func (e *env) logf(format string, args ...any) {
	if e.progress != nil {
		fmt.Fprintf(e.progress, "bench: %s: "+format+"\n", append([]any{e.target.name}, args...)...)
	}
}

// loginAll logs n clients in the way a crowd arrives after a restart:
// first every client connects (at most loginConcurrency at a time), then
// all send their nicknames at once, and then each waits for its own join
// announcement. Every join is announced to everyone already in the room, so
// a mass login lets the server batch those n(n+1)/2 lines instead of
// writing them one join at a time.
//
// Each client gets its own goroutine as soon as it connects; once the
// client is in, that goroutine calls started(i, c, early), early being the
// other users' joins it heard before its own, and started owns the
// client's reads from then on. The clients are numbered from first (their
// nicknames too); loginAll returns them in order, nil for those that did
// not get in, and an error saying how many failed.
func (e *env) loginAll(first, n, bufSize int, started func(i int, c *client, early int)) ([]*client, error) {
	clients := make([]*client, n)
	var failed atomic.Int64
	var firstErr error
	var once sync.Once
	fail := func(err error) {
		failed.Add(1)
		once.Do(func() { firstErr = err })
	}
	deadline := time.Now().Add(loginTimeout + time.Duration(n)*loginAllowance)
	in := make([]bool, n)    // written by client i's goroutine before joins.Done
	var joins sync.WaitGroup // one per connected client until it is in or has failed
	work := func(each func(i int)) {
		var next atomic.Int64
		var wg sync.WaitGroup
		for range min(n, loginConcurrency) {
			wg.Go(func() {
				for i := int(next.Add(1) - 1); i < n && e.ctx.Err() == nil; i = int(next.Add(1) - 1) {
					each(i)
				}
			})
		}
		wg.Wait()
	}

	work(func(i int) {
		c, err := connect(e.ctx, e.dialer, e.nick(first+i), nil, bufSize)
		if err != nil {
			fail(err)
			return
		}
		clients[i] = c
		joins.Add(1)
		go func() {
			defer joins.Done()
			early, err := c.awaitJoin(deadline)
			if err != nil {
				fail(err)
				c.conn.Close()
				return
			}
			in[i] = true
			if started != nil {
				started(first+i, c, early)
			}
		}()
	})
	work(func(i int) {
		if c := clients[i]; c != nil {
			if err := c.sendNick(); err != nil {
				c.conn.Close() // its goroutine fails the login
			}
		}
	})
	connected := slices.Clone(clients)
	stopOnCancel := context.AfterFunc(e.ctx, func() { closeAll(connected) })
	defer stopOnCancel()
	joins.Wait()
	for i := range clients {
		if !in[i] {
			clients[i] = nil
		}
	}
	if err := e.ctx.Err(); err != nil {
		return clients, err
	}
	if firstErr != nil {
		return clients, fmt.Errorf("%d of %d logins failed, first: %w", failed.Load(), n, firstErr)
	}
	return clients, nil
}

// closeAll lets go of every client.
func closeAll(clients []*client) {
	for _, c := range clients {
		if c != nil {
			c.closeAbruptly()
		}
	}
}

// snapshot is the CPU time both processes have used, at one moment.
type snapshot struct {
	wall      time.Time
	serverCPU time.Duration
	loadCPU   time.Duration
	machine   time.Duration // busy CPU time of the whole machine
	err       error
}

// sample takes a snapshot.
func (e *env) sample() snapshot {
	s := snapshot{wall: time.Now()}
	var err1, err2, err3 error
	if e.target.pid > 0 {
		s.serverCPU, err1 = cpuTime(e.target.pid)
	}
	s.loadCPU, err2 = cpuTime(selfPID)
	s.machine, err3 = machineBusy()
	s.err = errors.Join(err1, err2, err3)
	return s
}

// fillProcess sets r's process figures for the interval from before to
// after, in which units things (deliveries, cycles) were done.
func (e *env) fillProcess(r *result, before, after snapshot, units float64) {
	wall := after.wall.Sub(before.wall).Seconds()
	load := (after.loadCPU - before.loadCPU).Seconds()
	r.LoadCPUS, r.LoadCores = load, load/wall
	if units > 0 {
		r.LoadNsPerUnit = load * 1e9 / units
	}
	if before.err != nil || after.err != nil {
		return
	}
	// What the machine did besides the server and the load generator:
	// other processes competing for the cores, and when the server's pid
	// is unknown, the server too.
	other := after.machine - before.machine - (after.loadCPU - before.loadCPU) - (after.serverCPU - before.serverCPU)
	r.OtherCores = max(0, other.Seconds()/wall)
	if e.target.pid <= 0 {
		return
	}
	r.Process = true
	srv := after.serverCPU - before.serverCPU
	r.ServerCPUS, r.ServerCores = srv.Seconds(), srv.Seconds()/wall
	if units > 0 {
		r.ServerNsPerUnit = float64(srv.Nanoseconds()) / units
	}
	if m, err := memoryOf(e.target.pid); err == nil {
		r.ServerPeakRSS = m.peak
	}
}

// idleReader discards a client's lines until its connection ends, counting
// them; it is the reader of clients that only listen.
func idleReader(r *bufio.Reader, lines *atomic.Int64) error {
	for {
		if _, err := readLine(r); err != nil {
			return err
		}
		lines.Add(1)
	}
}
