package main

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

const (
	// drainStall is how long the receivers may go without a delivery, after
	// the senders stop, before whatever has not arrived is counted lost.
	drainStall = 3 * time.Second

	// pollInterval is how often waits that poll look again.
	pollInterval = 10 * time.Millisecond

	// cacheLine pads per-receiver counters apart so receivers on different
	// cores do not share a cache line.
	cacheLine = 64
)

// trafficConfig is a room of Clients logged-in clients of which the first
// Senders say numbered lines; fanout and chat are two settings of it.
type trafficConfig struct {
	Clients int
	Senders int
	// Rate is lines per second per sender; 0 means each sender sends as
	// fast as its window of Window unacknowledged lines allows.
	Rate    float64
	Window  int
	Warmup  time.Duration
	Measure time.Duration
	// Payload is the padding added to each line, in bytes.
	Payload int
}

// receiverStats is what one receiver counts, padded to its own cache line.
type receiverStats struct {
	received   atomic.Int64 // lines from this run's senders
	outOfOrder atomic.Int64 // lines whose sequence number was not above the last seen
	other      atomic.Int64 // every other line: join announcements, mostly
	dropped    atomic.Bool  // the server closed the connection before the end
	_          [cacheLine - 25]byte
}

// traffic is one run of a trafficConfig.
type traffic struct {
	cfg trafficConfig

	stats    []receiverStats
	lat      []*latencyBuffer // per receiver; flushed once the reactor is closed
	sent     []atomic.Int64   // per sender, the last sequence number sent (from 1)
	acked    []atomic.Int64   // per sender, the last sequence number its observer saw
	wake     []chan struct{}
	observer []int // per sender, the client whose receipts open the window

	windowStart atomic.Int64 // lines sent in [windowStart, windowEnd) have their latency recorded
	windowEnd   atomic.Int64
	stopping    atomic.Bool // receivers' read errors are from now on expected
	latency     *latencyRecorder
	// cross, with several nodes, holds the latencies of receivers not on
	// node 0 (nodeOf[i] != 0); latency then holds node 0's.
	cross  *latencyRecorder
	nodeOf []int
}

func newTraffic(cfg trafficConfig) *traffic {
	t := &traffic{
		cfg:      cfg,
		stats:    make([]receiverStats, cfg.Clients),
		lat:      make([]*latencyBuffer, cfg.Clients),
		sent:     make([]atomic.Int64, cfg.Senders),
		acked:    make([]atomic.Int64, cfg.Senders),
		wake:     make([]chan struct{}, cfg.Senders),
		observer: make([]int, cfg.Senders),
		latency:  newLatencyRecorder(),
	}
	for s := range cfg.Senders {
		t.wake[s] = make(chan struct{}, 1)
		t.observer[s] = (s + cfg.Clients/2) % cfg.Clients
	}
	t.windowStart.Store(math.MaxInt64)
	t.windowEnd.Store(math.MaxInt64)
	return t
}

// now is the current send-time clock.
func (t *traffic) now() int64 { return monoNow() }

// heard is every line the receivers counted that was not a delivery,
// joins included; the login waves wait on it.
func (t *traffic) heard() int64 {
	var n int64
	for i := range t.stats {
		n += t.stats[i].other.Load()
	}
	return n
}

// runTraffic logs the clients in, warms up, measures, drains and reports.
func runTraffic(e *env, scenario string, cfg trafficConfig) (result, error) {
	if cfg.Clients < 2 || cfg.Senders < 1 || cfg.Senders > cfg.Clients {
		return result{}, fmt.Errorf("%s: need 2 or more clients and 1 to %d senders", scenario, cfg.Clients)
	}
	t := newTraffic(cfg)
	if e.cluster != nil {
		n := len(e.cluster.nodes)
		t.nodeOf, t.cross = nodeLayout(cfg.Clients, cfg.Senders, n), newLatencyRecorder()
		e.nodeOf, e.perNode = t.nodeOf, t.perNodeDelivered(t.nodeOf, n)
	}
	rx, err := e.newReactor()
	if err != nil {
		return result{}, err
	}
	stopReading := func() {
		t.stopping.Store(true)
		rx.close()
		for _, lat := range t.lat {
			if lat != nil {
				lat.flush()
			}
		}
	}
	own, shares := spreadShares(cfg.Clients, max(1, e.procs))
	if cfg.Senders > own {
		return result{}, fmt.Errorf("%s: %d senders, but the first of %d processes holds only %d clients", scenario, cfg.Senders, e.procs, own)
	}
	for s := range cfg.Senders {
		t.observer[s] = (s + own/2) % own // in this process, to wake its sender
	}
	loginStart := time.Now()
	login, err := e.loginWaves(own, readBufferSize, func(i int, c *client, early int) error {
		// Its own join and any before it were read by its login.
		return rx.watch(c, t.receiver(i, 1+int64(early)), func(error) {
			if !t.stopping.Load() {
				t.stats[i].dropped.Store(true)
			}
		})
	}, t.heard)
	var helpers []*helper
	defer func() {
		stopReading()
		closeAll(login.clients)
		for _, h := range helpers {
			h.kill()
		}
	}()
	if err != nil {
		return result{}, err
	}
	for _, sh := range shares {
		h, err := startHelper(e.ctx, helperSpec{
			Addr: e.target.addr.String(), NickPrefix: e.nickPrefix, First: sh[0], N: sh[1],
			Traffic: cfg, Reader: e.reader, ReadLoops: e.readLoops, ClockBase: monoAbs(),
		}, e.progress)
		if err != nil {
			return result{}, err
		}
		helpers = append(helpers, h)
		e.helpers = append(e.helpers, h.cmd.Process.Pid)
		select {
		case err := <-h.ready:
			if err != nil {
				return result{}, fmt.Errorf("helper for clients %d-%d: %w", sh[0], sh[0]+sh[1]-1, err)
			}
		case <-e.ctx.Done():
			return result{}, e.ctx.Err()
		}
	}
	delivered := func() int64 {
		n := t.delivered()
		for _, h := range helpers {
			n += h.received.Load()
		}
		return n
	}
	if len(helpers) > 0 {
		heard := func() int64 {
			n := t.heard()
			for _, h := range helpers {
				n += h.other.Load()
			}
			return n
		}
		if want := int64(cfg.Clients) * int64(cfg.Clients+1) / 2; awaitCount(e, heard, want) < want {
			login.note = fmt.Sprintf("only %d of %d join announcements arrived", heard(), want)
		}
		login.took = time.Since(loginStart)
	}
	clients := login.clients
	tell := func(format string, args ...any) {
		for _, h := range helpers {
			h.tell(format, args...)
		}
	}

	stop := make(chan struct{})
	var senders sync.WaitGroup
	if cfg.Rate > 0 {
		senders.Go(func() { t.sendPaced(clients[:cfg.Senders], stop) })
	} else {
		for s := range cfg.Senders {
			senders.Go(func() { t.sendWindowed(s, clients[s], stop) })
		}
	}
	if err := e.sleep(cfg.Warmup); err != nil {
		close(stop)
		return result{}, err
	}
	t.windowStart.Store(t.now())
	tell("window-start %d", t.windowStart.Load())
	before, delivered0 := e.sample(), delivered()
	sleepErr := e.sleep(cfg.Measure)
	t.windowEnd.Store(t.now())
	tell("window-end %d", t.windowEnd.Load())
	after, delivered1 := e.sample(), delivered()
	close(stop)
	senders.Wait()
	if sleepErr != nil {
		return result{}, sleepErr
	}

	var sent int64
	for s := range t.sent {
		sent += t.sent[s].Load()
	}
	expected := sent * int64(cfg.Clients-1)
	got := awaitCount(e, delivered, expected)
	stopReading()
	hist := t.latency.merged()
	var same, cross latencySummary
	if t.cross != nil {
		c := t.cross.merged()
		same, cross = summarize(hist), summarize(c)
		hist.Merge(c)
	}
	for _, h := range helpers {
		h.stop()
		if h.hist == nil {
			return result{}, fmt.Errorf("helper for clients %d-%d sent no latencies", h.spec.First, h.spec.First+h.spec.N-1)
		}
		hist.Merge(h.hist)
	}

	r := result{
		Scenario: scenario, Clients: cfg.Clients, Senders: cfg.Senders,
		Rate: cfg.Rate, Window: cfg.Window, MeasuredS: after.wall.Sub(before.wall).Seconds(),
		Sent: sent, Expected: expected, Delivered: got, Lost: expected - got,
		Reader: e.reader, LoginS: login.took.Seconds(), Procs: max(1, e.procs),
	}
	if cfg.Rate > 0 {
		r.Window = 0
	}
	for i := range t.stats {
		r.OutOfOrder += t.stats[i].outOfOrder.Load()
		if t.stats[i].dropped.Load() {
			r.DroppedClients++
		}
	}
	for _, h := range helpers {
		r.OutOfOrder += h.outOfOrder.Load()
		r.DroppedClients += int(h.dropped.Load())
	}
	inWindow := delivered1 - delivered0
	r.DeliveriesPerS = float64(inWindow) / r.MeasuredS
	lat := summarize(hist)
	r.Latency = &lat
	e.fillProcess(&r, before, after, float64(inWindow))
	if w := after.writes - before.writes; w > 0 && e.target.pid > 0 {
		r.DeliveriesPerWrite = float64(inWindow) / float64(w)
	}
	if e.cluster != nil {
		if err := e.fillCluster(&r, before, after, same, cross); err != nil {
			return result{}, err
		}
	}
	var notes []string
	if login.note != "" {
		notes = append(notes, login.note)
	}
	if r.Lost != 0 {
		n := fmt.Sprintf("%d deliveries lost", r.Lost)
		if r.DroppedClients > 0 {
			n += fmt.Sprintf("; the server dropped %d clients as slow readers", r.DroppedClients)
		}
		notes = append(notes, n)
	}
	r.Note = strings.Join(notes, "; ")
	return r, nil
}

// delivered is the deliveries counted so far.
func (t *traffic) delivered() int64 {
	var n int64
	for i := range t.stats {
		n += t.stats[i].received.Load()
	}
	return n
}

// awaitCount waits until count reaches want or stops changing for
// drainStall, and returns the last count.
func awaitCount(e *env, count func() int64, want int64) int64 {
	last, lastChange := count(), time.Now()
	for last < want && time.Since(lastChange) < drainStall && e.ctx.Err() == nil {
		time.Sleep(pollInterval)
		if n := count(); n != last {
			last, lastChange = n, time.Now()
		}
	}
	return last
}

// receiver is client i's sink. It counts this run's deliveries, checks
// their order per sender, wakes windowed senders, and records the latency
// of lines sent in the measured window as the time the read that completed
// the line returned, less the line's send time. Its counts are its
// reader's alone and are published to stats after every read.
type receiver struct {
	t    *traffic
	i    int
	st   *receiverStats
	last []int64 // per sender, the last sequence number seen
	lat  *latencyBuffer

	received, outOfOrder, other int64
}

// receiver returns client i's sink; other starts at the lines its login
// already read.
func (t *traffic) receiver(i int, other int64) *receiver {
	r := &receiver{t: t, i: i, st: &t.stats[i], last: make([]int64, t.cfg.Senders), lat: t.recorderFor(i).buffer(i), other: other}
	t.lat[i] = r.lat
	r.flush()
	return r
}

// recorderFor returns the latency recorder of client i: cross for those
// on another node than the senders.
func (t *traffic) recorderFor(i int) *latencyRecorder {
	if t.cross != nil && t.nodeOf[i] != 0 {
		return t.cross
	}
	return t.latency
}

func (r *receiver) line(line []byte, at int64) {
	t := r.t
	sid, seq, sentAt, ok := parseDelivery(line)
	if !ok || sid >= int64(t.cfg.Senders) {
		r.other += joinsIn(line)
		return
	}
	if seq <= r.last[sid] {
		r.outOfOrder++
	} else {
		r.last[sid] = seq
	}
	r.received++
	if t.observer[sid] == r.i {
		t.acked[sid].Store(seq)
		select {
		case t.wake[sid] <- struct{}{}:
		default:
		}
	}
	if sentAt >= t.windowStart.Load() && sentAt < t.windowEnd.Load() {
		r.lat.record(time.Duration(at - sentAt))
	}
}

func (r *receiver) flush() {
	r.st.received.Store(r.received)
	r.st.outOfOrder.Store(r.outOfOrder)
	r.st.other.Store(r.other)
}

// sendWindowed sends sender s's lines as fast as its window allows until
// stop is closed.
func (t *traffic) sendWindowed(s int, c *client, stop <-chan struct{}) {
	buf := make([]byte, 0, 64+t.cfg.Payload)
	window := int64(t.cfg.Window)
	for seq := int64(1); ; seq++ {
		for seq-t.acked[s].Load() > window {
			select {
			case <-t.wake[s]:
			case <-stop:
				return
			}
		}
		select {
		case <-stop:
			return
		default:
		}
		buf = t.appendLine(buf[:0], s, seq, t.now())
		if err := c.write(buf); err != nil {
			return
		}
		t.sent[s].Store(seq)
	}
}

// sendPaced sends from the senders in turn at the configured rate until
// stop is closed. Each line carries the time it was due, not the time it
// went out, so a late send counts as latency (no coordinated omission).
func (t *traffic) sendPaced(senders []*client, stop <-chan struct{}) {
	buf := make([]byte, 0, 64+t.cfg.Payload)
	interval := float64(time.Second) / (t.cfg.Rate * float64(len(senders)))
	start := t.now()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for i := int64(0); ; i++ {
		due := start + int64(float64(i)*interval)
		if wait := due - t.now(); wait > 0 {
			timer.Reset(time.Duration(wait))
			select {
			case <-timer.C:
			case <-stop:
				return
			}
		} else {
			select {
			case <-stop:
				return
			default:
			}
		}
		s := int(i % int64(len(senders)))
		seq := t.sent[s].Load() + 1
		buf = t.appendLine(buf[:0], s, seq, due)
		if err := senders[s].write(buf); err != nil {
			continue
		}
		t.sent[s].Store(seq)
	}
}

// appendLine appends the line "SENDER SEQ SENTAT PADDING\n".
func (t *traffic) appendLine(b []byte, s int, seq, sentAt int64) []byte {
	b = strconv.AppendInt(b, int64(s), 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, seq, 10)
	b = append(b, ' ')
	b = strconv.AppendInt(b, sentAt, 10)
	b = append(b, ' ')
	for range t.cfg.Payload {
		b = append(b, 'x')
	}
	return append(b, '\n')
}

// colonSpace separates the sender's nickname from the text in a chat line.
var colonSpace = []byte(": ")

// parseDelivery reads the sender, sequence number and send time from a chat
// line "NICK: SENDER SEQ SENTAT ...". ok is false for any other line.
func parseDelivery(line []byte) (sender, seq, sentAt int64, ok bool) {
	i := bytes.IndexByte(line, ':') // nicknames hold no colon
	if i < 0 || !bytes.HasPrefix(line[i:], colonSpace) {
		return 0, 0, 0, false
	}
	p := line[i+len(colonSpace):]
	if sender, p, ok = parseField(p); !ok {
		return 0, 0, 0, false
	}
	if seq, p, ok = parseField(p); !ok {
		return 0, 0, 0, false
	}
	if sentAt, _, ok = parseField(p); !ok {
		return 0, 0, 0, false
	}
	return sender, seq, sentAt, true
}

// parseField reads a decimal number ended by a space or the end of p, and
// returns it with the rest of p after the space.
func parseField(p []byte) (n int64, rest []byte, ok bool) {
	i := 0
	for ; i < len(p) && p[i] != ' '; i++ {
		d := p[i] - '0'
		if d > 9 || i >= 18 {
			return 0, nil, false
		}
		n = n*10 + int64(d)
	}
	if i == 0 {
		return 0, nil, false
	}
	if i < len(p) {
		i++
	}
	return n, p[i:], true
}
