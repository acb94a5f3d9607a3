package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// fdReturnTimeout is how long the server has, after the last cycle, to
	// close what churn opened.
	fdReturnTimeout = 5 * time.Second

	// churnLine is what each churn client says before it quits.
	churnLine = "hello\n/quit\n"
)

// churnConfig is how many connect-login-say-quit cycles to run, and how many
// at once.
type churnConfig struct {
	Cycles      int
	Concurrency int
}

// runChurn runs the cycles and reports cycles per second and whether the
// server's fd count went back to where it started.
func runChurn(e *env, cfg churnConfig) (result, error) {
	r := result{Scenario: "churn", Clients: cfg.Cycles, Concurrency: cfg.Concurrency}
	if e.target.pid > 0 {
		fd, err := settledFDCount(e.target.pid)
		if err != nil {
			return r, err
		}
		r.FDStart = fd
	}
	var next, done, failed atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	before := e.sample()
	for range max(1, min(cfg.Cycles, cfg.Concurrency)) {
		wg.Go(func() {
			rd := bufio.NewReaderSize(nil, idleReadBufferSize)
			for {
				i := int(next.Add(1) - 1)
				if i >= cfg.Cycles || e.ctx.Err() != nil {
					return
				}
				if err := e.cycle(i, rd); err != nil {
					failed.Add(1)
					once.Do(func() { firstErr = err })
					continue
				}
				done.Add(1)
			}
		})
	}
	wg.Wait()
	after := e.sample()
	if err := e.ctx.Err(); err != nil {
		return r, err
	}
	r.MeasuredS = after.wall.Sub(before.wall).Seconds()
	r.Cycles = done.Load()
	r.CyclesPerS = float64(r.Cycles) / r.MeasuredS
	r.Errors = int(failed.Load())
	if firstErr != nil {
		r.Note = fmt.Sprintf("%d cycles failed, first: %v", r.Errors, firstErr)
	}
	e.fillProcess(&r, before, after, float64(r.Cycles))
	if r.Process {
		r.FDEnd, r.FDReturned = e.awaitFDs(r.FDStart)
	}
	return r, nil
}

// cycle connects as client i, logs in, says a line, quits and reads until
// the server closes the connection.
func (e *env) cycle(i int, rd *bufio.Reader) error {
	c, err := login(e.ctx, e.dialer, e.nick(i), rd)
	if err != nil {
		return err
	}
	defer c.conn.Close()
	c.conn.SetDeadline(time.Now().Add(loginTimeout))
	if _, err := io.WriteString(c.conn, churnLine); err != nil {
		return err
	}
	for {
		if _, err := readLine(rd); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("cycle %d after /quit: %w", i, err)
		}
	}
}

// settledFDCount returns pid's fd count once it is the same three polls in
// a row, so connections closing from an earlier phase are not counted.
func settledFDCount(pid int) (int, error) {
	const same = 3
	last, streak := -1, 0
	deadline := time.Now().Add(fdReturnTimeout)
	for streak < same && time.Now().Before(deadline) {
		n, err := fdCount(pid)
		if err != nil {
			return 0, err
		}
		if n == last {
			streak++
		} else {
			last, streak = n, 1
		}
		time.Sleep(pollInterval)
	}
	return last, nil
}

// awaitFDs polls until pid's fd count is back to start or fdReturnTimeout
// passes, and returns the last count and whether it got back.
func (e *env) awaitFDs(start int) (int, bool) {
	deadline := time.Now().Add(fdReturnTimeout)
	for {
		n, err := fdCount(e.target.pid)
		if err != nil {
			return -1, false
		}
		if n <= start {
			return n, true
		}
		if time.Now().After(deadline) {
			return n, false
		}
		time.Sleep(pollInterval)
	}
}
