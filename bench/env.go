package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
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

// loginAll logs in n clients with bounded concurrency, calling started for
// each as soon as it is in, and returns them indexed by number. On failure
// it returns the clients that did log in (others nil) and the first error,
// with how many failed.
func (e *env) loginAll(n, bufSize int, started func(i int, c *client)) ([]*client, error) {
	clients := make([]*client, n)
	var next, failed atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	for range min(n, loginConcurrency) {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= n || e.ctx.Err() != nil {
					return
				}
				c, err := login(e.ctx, e.dialer, e.nick(i), nil, bufSize)
				if err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = err })
					continue
				}
				clients[i] = c
				if started != nil {
					started(i, c)
				}
			}
		})
	}
	wg.Wait()
	if firstErr != nil {
		return clients, fmt.Errorf("%d of %d logins failed, first: %w", failed.Load(), n, firstErr)
	}
	return clients, e.ctx.Err()
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
