package main

import (
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
	// reader is the kind of reactor clients are read with, and readLoops
	// how many loops it runs (see newReactor).
	reader    string
	readLoops int
	// procs is how many processes traffic scenarios spread their clients
	// over, and helpers the pids of those started besides this one, whose
	// CPU counts as the load generator's.
	procs   int
	helpers []int
	// cluster, when the target has several nodes, is all of them; nodeOf
	// is then the node of each client of the traffic run, and perNode
	// counts the deliveries to each node's clients (cluster.go).
	cluster *clusterTarget
	nodeOf  []int
	perNode func() []int64
}

// dialerFor returns the dialer for client i: its node's when the target
// has several.
func (e *env) dialerFor(i int) *dialer {
	if e.cluster != nil && i < len(e.nodeOf) {
		return e.cluster.dialers[e.nodeOf[i]]
	}
	return e.dialer
}

// newReactor returns a reactor for one scenario run.
func (e *env) newReactor() (reactor, error) {
	return newReactor(e.reader, e.readLoops)
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
// client's reads from then on; an error from started fails the login. The clients are numbered from first (their
// nicknames too); loginAll returns them in order, nil for those that did
// not get in, and an error saying how many failed.
func (e *env) loginAll(first, n, bufSize int, started func(i int, c *client, early int) error) ([]*client, error) {
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
		c, err := connect(e.ctx, e.dialerFor(first+i), e.nick(first+i), nil, bufSize)
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
			if started != nil {
				if err := started(first+i, c, early); err != nil {
					fail(err)
					c.closeAbruptly()
					return
				}
			}
			in[i] = true
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

// loginWave is how many clients log in together in a crowd. Each wave's
// join announcements are let through before the next wave starts, so every
// connection's share of a wave (a few kilobytes) fits in its socket buffer
// and the server needs no burst buffers that would then be charged to the
// scenario (idle memory) or held through it.
const loginWave = 250

// crowdLogin is what loginWaves did.
type crowdLogin struct {
	clients []*client // in order; nil for those that did not get in
	held    int       // how many got in
	took    time.Duration
	note    string // what went wrong short of an error
}

// loginWaves logs n clients in, loginWave at a time (see loginAll), and
// after each wave waits until the room's join announcements have arrived:
// every join is announced to everyone already in the room, so h clients in
// hear at least h(h+1)/2 of them. started must hand each client to a
// reader that counts every line the client hears after its login in
// heard, and count the early joins itself. A wave's failed logins do not
// stop the next waves; the first failure is returned at the end, with
// every client that did get in.
func (e *env) loginWaves(n, bufSize int, started func(i int, c *client, early int) error, heard func() int64) (crowdLogin, error) {
	return e.loginWavesFrom(0, n, bufSize, started, heard)
}

// loginWavesFrom is loginWaves for the clients numbered from first, the
// share of one process when clients are spread over several (spread.go).
// Clients that log in later are not heard yet, so the count waited for is
// the same.
func (e *env) loginWavesFrom(first, n, bufSize int, started func(i int, c *client, early int) error, heard func() int64) (crowdLogin, error) {
	start := time.Now()
	var l crowdLogin
	var firstErr error
	for off := 0; off < n; off += loginWave {
		wave, err := e.loginAll(first+off, min(loginWave, n-off), bufSize, started)
		l.clients = append(l.clients, wave...)
		if err := e.ctx.Err(); err != nil {
			return l, err
		}
		if err != nil && firstErr == nil {
			e.logf("login: %v", err)
			firstErr = err
		}
		l.held = 0
		for _, c := range l.clients {
			if c != nil {
				l.held++
			}
		}
		expected := int64(l.held) * int64(l.held+1) / 2
		got, lastChange := heard(), time.Now()
		for got < expected && time.Since(lastChange) < drainStall && e.ctx.Err() == nil {
			time.Sleep(pollInterval)
			if now := heard(); now != got {
				got, lastChange = now, time.Now()
			}
		}
		if got < expected {
			l.note = fmt.Sprintf("only %d of %d join announcements arrived", got, expected)
		}
	}
	l.took = time.Since(start)
	if n >= 2*loginWave {
		e.logf("%d logins and their %d join announcements took %.1fs", l.held, int64(l.held)*int64(l.held+1)/2, l.took.Seconds())
	}
	return l, firstErr
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
	cluster   clusterSnapshot // the other nodes and NATS, when there are several
	writes    int64           // the server's write system calls (cluster.go)
}

// sample takes a snapshot.
func (e *env) sample() snapshot {
	s := snapshot{wall: time.Now()}
	var err1, err2, err3 error
	if e.target.pid > 0 {
		s.serverCPU, err1 = cpuTime(e.target.pid)
		s.writes, _ = writeCalls(e.target.pid)
	}
	s.loadCPU, err2 = cpuTime(selfPID)
	for _, pid := range e.helpers {
		if cpu, err := cpuTime(pid); err == nil {
			s.loadCPU += cpu
		}
	}
	s.machine, err3 = machineBusy()
	s.err = errors.Join(err1, err2, err3)
	if e.cluster != nil {
		s.cluster = e.cluster.sample(e.perNode)
	}
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
