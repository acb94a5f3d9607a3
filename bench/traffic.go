package main

import (
	"bytes"
	"fmt"
	"math"
	"strconv"
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
	dropped    atomic.Bool  // the server closed the connection before the end
	_          [cacheLine - 17]byte
}

// traffic is one run of a trafficConfig.
type traffic struct {
	cfg  trafficConfig
	base time.Time // send times are nanoseconds since base, on the monotonic clock

	stats    []receiverStats
	sent     []atomic.Int64 // per sender, the last sequence number sent (from 1)
	acked    []atomic.Int64 // per sender, the last sequence number its observer saw
	wake     []chan struct{}
	observer []int // per sender, the client whose receipts open the window

	windowStart atomic.Int64 // lines sent in [windowStart, windowEnd) have their latency recorded
	windowEnd   atomic.Int64
	stopping    atomic.Bool // receivers' read errors are from now on expected
	latency     *latencyRecorder
}

func newTraffic(cfg trafficConfig) *traffic {
	t := &traffic{
		cfg:      cfg,
		base:     time.Now(),
		stats:    make([]receiverStats, cfg.Clients),
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
func (t *traffic) now() int64 { return int64(time.Since(t.base)) }

// runTraffic logs the clients in, warms up, measures, drains and reports.
func runTraffic(e *env, scenario string, cfg trafficConfig) (result, error) {
	if cfg.Clients < 2 || cfg.Senders < 1 || cfg.Senders > cfg.Clients {
		return result{}, fmt.Errorf("%s: need 2 or more clients and 1 to %d senders", scenario, cfg.Clients)
	}
	t := newTraffic(cfg)
	var receivers sync.WaitGroup
	clients, err := e.loginAll(0, cfg.Clients, readBufferSize, func(i int, c *client, _ int) {
		receivers.Go(func() { t.receive(i, c) })
	})
	defer func() {
		t.stopping.Store(true)
		closeAll(clients)
		receivers.Wait()
	}()
	if err != nil {
		return result{}, err
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
	before, delivered0 := e.sample(), t.delivered()
	sleepErr := e.sleep(cfg.Measure)
	t.windowEnd.Store(t.now())
	after, delivered1 := e.sample(), t.delivered()
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
	got := t.drain(e, expected)
	t.stopping.Store(true)
	closeAll(clients)
	receivers.Wait()

	r := result{
		Scenario: scenario, Clients: cfg.Clients, Senders: cfg.Senders,
		Rate: cfg.Rate, Window: cfg.Window, MeasuredS: after.wall.Sub(before.wall).Seconds(),
		Sent: sent, Expected: expected, Delivered: got, Lost: expected - got,
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
	inWindow := delivered1 - delivered0
	r.DeliveriesPerS = float64(inWindow) / r.MeasuredS
	lat := summarize(t.latency.merged())
	r.Latency = &lat
	e.fillProcess(&r, before, after, float64(inWindow))
	if r.Lost != 0 {
		r.Note = fmt.Sprintf("%d deliveries lost", r.Lost)
		if r.DroppedClients > 0 {
			r.Note += fmt.Sprintf("; the server dropped %d clients as slow readers", r.DroppedClients)
		}
	}
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

// drain waits until expected deliveries have arrived or none arrive for
// drainStall, and returns how many arrived.
func (t *traffic) drain(e *env, expected int64) int64 {
	last, lastChange := t.delivered(), time.Now()
	for last < expected && time.Since(lastChange) < drainStall && e.ctx.Err() == nil {
		time.Sleep(pollInterval)
		if n := t.delivered(); n != last {
			last, lastChange = n, time.Now()
		}
	}
	return last
}

// receive reads client i's lines until its connection ends, counting this
// run's deliveries and recording the latency of those sent in the window.
func (t *traffic) receive(i int, c *client) {
	st := &t.stats[i]
	last := make([]int64, t.cfg.Senders)
	lat := t.latency.buffer(i)
	defer lat.flush()
	for {
		line, err := readLine(c.r)
		if err != nil {
			if !t.stopping.Load() {
				st.dropped.Store(true)
			}
			return
		}
		sid, seq, sentAt, ok := parseDelivery(line)
		if !ok || sid >= int64(t.cfg.Senders) {
			continue
		}
		if seq <= last[sid] {
			st.outOfOrder.Add(1)
		} else {
			last[sid] = seq
		}
		st.received.Add(1)
		if t.observer[sid] == i {
			t.acked[sid].Store(seq)
			select {
			case t.wake[sid] <- struct{}{}:
			default:
			}
		}
		if sentAt >= t.windowStart.Load() && sentAt < t.windowEnd.Load() {
			lat.record(time.Duration(t.now() - sentAt))
		}
	}
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
		if _, err := c.conn.Write(buf); err != nil {
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
		if _, err := senders[s].conn.Write(buf); err != nil {
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
	i := bytes.Index(line, colonSpace)
	if i < 0 {
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
