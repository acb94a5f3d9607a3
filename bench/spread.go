package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
	"golang.org/x/sys/unix"
)

// Spreading a traffic scenario's clients over several processes (-procs).
// One process may hold at most its open-file limit of connections (20,000
// here), and one process's reader loops at most its cores. With -procs N
// the load generator keeps the first share of the clients, the senders and
// the clients whose receipts open the senders' windows, and re-executes
// itself N-1 times as helpers, each holding a further share: a helper logs
// its clients in, reads them with its own reactor, publishes its counts
// every statusInterval and, at the end, its latency histogram. Send times
// and read times are on one clock: each process's clock is aligned to the
// first's through CLOCK_MONOTONIC, which all processes share.
//
// The conversation is lines on the helper's stdin and stdout:
//
//	stdin:  one JSON helperSpec, then "window-start NS", "window-end NS", "stop"
//	stdout: "ready HELD" or "fail ERROR", "count RECEIVED OTHER OUTOFORDER DROPPED"
//	        every statusInterval, and after stop one "hist JSON" line
const (
	// helperEnv, set in a process's environment, makes it a helper.
	helperEnv = "TEAHOUSE_BENCH_HELPER"

	// statusInterval is how often a helper publishes its counts.
	statusInterval = 10 * time.Millisecond

	// maxProcs bounds -procs.
	maxProcs = 8

	// helperStopTimeout is how long a helper has to send its histogram
	// and exit after stop.
	helperStopTimeout = 30 * time.Second
)

// clockOffset aligns this process's clock with the first process's; it is
// set once, before any goroutine reads the clock, in a helper.
var clockOffset int64

// monoAbs returns CLOCK_MONOTONIC less monoNow: where this process's clock
// started on the clock every process shares.
func monoAbs() int64 {
	var ts unix.Timespec
	unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return ts.Nano() - monoNow()
}

// helperSpec is what a helper is told to do.
type helperSpec struct {
	Addr       string
	NickPrefix string
	First, N   int // its clients, numbered from First
	Traffic    trafficConfig
	Reader     string
	ReadLoops  int
	ClockBase  int64 // the first process's monoAbs
}

// helper is a helper process as the first process sees it.
type helper struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	spec  helperSpec

	received, other, outOfOrder, dropped atomic.Int64
	ready                                chan error // its login's outcome
	hist                                 *hdrhistogram.Histogram
	done                                 chan struct{} // its stdout ended; hist is set
}

// startHelper re-executes this program as a helper for spec.
func startHelper(ctx context.Context, spec helperSpec, log io.Writer) (*helper, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), helperEnv+"=1")
	cmd.Stderr = log
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h := &helper{cmd: cmd, stdin: stdin, spec: spec, ready: make(chan error, 1), done: make(chan struct{})}
	go h.listen(stdout)
	b, _ := json.Marshal(spec)
	if _, err := fmt.Fprintf(stdin, "%s\n", b); err != nil {
		h.kill()
		return nil, err
	}
	return h, nil
}

// listen reads the helper's reports until its stdout ends.
func (h *helper) listen(stdout io.Reader) {
	defer close(h.done)
	sc := bufio.NewScanner(stdout)
	sc.Buffer(nil, 16<<20)
	readied := false
	for sc.Scan() {
		kind, rest, _ := strings.Cut(sc.Text(), " ")
		switch kind {
		case "ready", "fail":
			if !readied {
				readied = true
				if kind == "fail" {
					h.ready <- errors.New(rest)
				} else {
					h.ready <- nil
				}
			}
		case "count":
			var n [4]int64
			for i, f := range strings.Fields(rest) {
				if i < len(n) {
					n[i], _ = strconv.ParseInt(f, 10, 64)
				}
			}
			h.received.Store(n[0])
			h.other.Store(n[1])
			h.outOfOrder.Store(n[2])
			h.dropped.Store(n[3])
		case "hist":
			var s hdrhistogram.Snapshot
			if json.Unmarshal([]byte(rest), &s) == nil {
				h.hist = hdrhistogram.Import(&s)
			}
		}
	}
	if !readied {
		h.ready <- fmt.Errorf("helper for clients %d-%d exited before its clients were in", h.spec.First, h.spec.First+h.spec.N-1)
	}
}

// tell sends the helper a command line.
func (h *helper) tell(format string, args ...any) {
	fmt.Fprintf(h.stdin, format+"\n", args...)
}

// stop asks the helper to finish and waits for its histogram.
func (h *helper) stop() {
	h.tell("stop")
	select {
	case <-h.done:
	case <-time.After(helperStopTimeout):
	}
	h.kill()
}

// kill ends the helper if it is still running and reaps it.
func (h *helper) kill() {
	h.stdin.Close()
	select {
	case <-h.done:
	case <-time.After(helperStopTimeout):
		h.cmd.Process.Kill()
	}
	h.cmd.Wait()
}

// spreadShares splits n clients over procs processes: the first process's
// share, then the helpers' (first, count) pairs.
func spreadShares(n, procs int) (own int, helpers [][2]int) {
	each := n / procs
	own = n - each*(procs-1)
	for k, first := 1, own; k < procs; k, first = k+1, first+each {
		helpers = append(helpers, [2]int{first, each})
	}
	return own, helpers
}

// helperMain is a helper process's whole life; it returns the exit code.
func helperMain() int {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(nil, 1<<20)
	out := &lockedWriter{w: os.Stdout}
	fail := func(err error) int {
		fmt.Fprintf(out, "fail %s\n", strings.ReplaceAll(err.Error(), "\n", " "))
		return 1
	}
	if !in.Scan() {
		return 1
	}
	var spec helperSpec
	if err := json.Unmarshal(in.Bytes(), &spec); err != nil {
		return fail(err)
	}
	clockOffset = monoAbs() - spec.ClockBase
	if _, err := raiseFileLimit(); err != nil {
		return fail(err)
	}
	addr, err := loopbackTarget(spec.Addr)
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	e := &env{
		ctx: ctx, target: &target{name: fmt.Sprintf("helper %d-%d", spec.First, spec.First+spec.N-1), addr: addr},
		dialer: &dialer{target: addr}, nickPrefix: spec.NickPrefix, progress: os.Stderr,
		reader: spec.Reader, readLoops: spec.ReadLoops,
	}
	t := newTraffic(spec.Traffic)
	rx, err := e.newReactor()
	if err != nil {
		return fail(err)
	}
	login, err := e.loginWavesFrom(spec.First, spec.N, readBufferSize, func(i int, c *client, early int) error {
		return rx.watch(c, t.receiver(i, 1+int64(early)), func(error) {
			if !t.stopping.Load() {
				t.stats[i].dropped.Store(true)
			}
		})
	}, t.heard)
	if err != nil {
		rx.close()
		closeAll(login.clients)
		return fail(err)
	}
	fmt.Fprintf(out, "ready %d\n", login.held)

	status := func() {
		var oo, dropped int64
		for i := range t.stats {
			oo += t.stats[i].outOfOrder.Load()
			if t.stats[i].dropped.Load() {
				dropped++
			}
		}
		fmt.Fprintf(out, "count %d %d %d %d\n", t.delivered(), t.heard(), oo, dropped)
	}
	var pusher sync.WaitGroup
	quit := make(chan struct{})
	pusher.Go(func() {
		tick := time.NewTicker(statusInterval)
		defer tick.Stop()
		for {
			select {
			case <-tick.C:
				status()
			case <-quit:
				return
			}
		}
	})
	for in.Scan() {
		cmd, arg, _ := strings.Cut(in.Text(), " ")
		n, _ := strconv.ParseInt(arg, 10, 64)
		if cmd == "window-start" {
			t.windowStart.Store(n)
		} else if cmd == "window-end" {
			t.windowEnd.Store(n)
		} else if cmd == "stop" {
			break
		}
	}
	close(quit)
	pusher.Wait()
	t.stopping.Store(true)
	rx.close()
	closeAll(login.clients)
	for _, lat := range t.lat {
		if lat != nil {
			lat.flush()
		}
	}
	status()
	b, _ := json.Marshal(t.latency.merged().Export())
	fmt.Fprintf(out, "hist %s\n", b)
	return 0
}
