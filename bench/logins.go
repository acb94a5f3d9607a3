package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

// The logins scenario (issue 10): how many password logins a second the
// server takes, and whether chat stays responsive while a burst of them is
// hashed. Its connections are few (a burst and a handful of chatters), so
// each is read by its own goroutine with a bufio.Reader, like churn's.

const (
	// regConns is how many connections register the accounts: a few, so
	// that both hashing workers stay busy without filling their queue.
	regConns = 4

	// busyBackoff is how long a client told the server is busy waits
	// before it asks again, plus up to busyJitter.
	busyBackoff = 100 * time.Millisecond
	busyJitter  = 50 * time.Millisecond

	// burstAllowance is added to the burst's deadline per login: a login
	// is one argon2id hash, about 60 ms of a worker.
	burstAllowance = time.Second

	// chatWarmup is how long the chatters talk before the quiet window;
	// chatDrain how long their last lines may take to arrive at the end.
	chatWarmup = time.Second
	chatDrain  = 3 * time.Second

	// rssPoll is how often the server's resident memory is read during
	// the burst, for its highest value.
	rssPoll = 20 * time.Millisecond
)

// loginsConfig is the logins scenario's size.
type loginsConfig struct {
	Accounts    int           // registered nicknames made before anything is measured
	Logins      int           // password logins in the throughput phase
	Concurrency int           // throughput phase: logins under way at once
	Burst       int           // logins sent at the same moment in the burst
	ChatClients int           // unregistered clients that chat throughout the burst
	ChatRate    float64       // their lines per second, all together
	Quiet       time.Duration // chat measured with no logins, before the burst
}

// loginReply classifies what the server answered to a login or register
// line.
var (
	busyReplies = [][]byte{
		[]byte("-> cannot check passwords right now"), // Verify's queue was full
		[]byte("the server is busy"),                  // errBusy itself
	}
	helloPrefix = []byte("-> hello ")
)

// errBusyTooLong ends a login the server stayed too busy for.
var errBusyTooLong = errors.New("the server stayed busy until the deadline")

// isBusy reports whether line is the server saying its hashing queue is
// full.
func isBusy(line []byte) bool {
	for _, b := range busyReplies {
		if bytes.Contains(line, b) {
			return true
		}
	}
	return false
}

// password is every account's password in a run.
func (e *env) password() string { return "pw-" + e.nickPrefix + "-secret" }

// runLogins registers the accounts, measures logins per second, then the
// chat latency with no logins and during a burst of simultaneous ones.
func runLogins(e *env, cfg loginsConfig) (result, error) {
	r := result{Scenario: "logins", Clients: cfg.Accounts, Concurrency: cfg.Concurrency,
		Burst: cfg.Burst, Senders: cfg.ChatClients, Rate: cfg.ChatRate}
	if cfg.Burst > cfg.Accounts || cfg.Concurrency > cfg.Accounts || cfg.ChatClients < 2 {
		return r, fmt.Errorf("logins: the burst and the concurrency may not exceed the accounts, and 2 or more clients chat")
	}
	start := e.sample()

	t0 := time.Now()
	if err := e.registerAccounts(cfg.Accounts); err != nil {
		return r, fmt.Errorf("registering %d accounts: %w", cfg.Accounts, err)
	}
	r.RegistrationsPerS = float64(cfg.Accounts) / time.Since(t0).Seconds()
	e.logf("registered %d accounts in %.1fs", cfg.Accounts, time.Since(t0).Seconds())

	// Logins per second: cfg.Concurrency clients log in, quit, and log
	// in again with the next account, cfg.Logins times in all.
	before := e.sample()
	lat, busy, done, err := e.loginLoop(cfg)
	after := e.sample()
	if err != nil {
		return r, err
	}
	var tp result
	e.fillProcess(&tp, before, after, float64(done))
	r.Logins = done
	r.LoginsPerS = float64(done) / after.wall.Sub(before.wall).Seconds()
	r.ServerNsPerUnit = tp.ServerNsPerUnit
	s := summarize(lat)
	r.LoginLatency = &s
	r.BusyReplies = busy
	e.logf("%d logins at %.1f/s, p50 %.0f ms, p99 %.0f ms", done, r.LoginsPerS, s.P50, s.P99)

	// Chat with no logins, then during the burst, in one room.
	ch, err := e.startChat(cfg)
	if err != nil {
		return r, err
	}
	defer ch.close()
	if err := e.sleep(chatWarmup); err != nil {
		return r, err
	}
	quietFrom := monoNow()
	if err := e.sleep(cfg.Quiet); err != nil {
		return r, err
	}
	quietTo := monoNow()

	b, err := e.burst(cfg)
	if err != nil {
		return r, err
	}
	defer closeAll(b.clients)
	ch.stop()
	ch.drain(chatDrain)

	r.MeasuredS = time.Duration(b.to - b.from).Seconds()
	bs := summarize(b.latency)
	r.BurstLatency = &bs
	r.BusyReplies += b.busy
	quiet, during := ch.latencies(quietFrom, quietTo), ch.latencies(b.from, b.to)
	if quiet.TotalCount() == 0 || during.TotalCount() == 0 {
		return r, fmt.Errorf("chat: %d lines measured with no logins and %d during the burst; want some of each", quiet.TotalCount(), during.TotalCount())
	}
	qs, ds := summarize(quiet), summarize(during)
	r.ChatQuiet, r.ChatBurst = &qs, &ds
	r.Sent, r.Expected, r.Delivered = ch.sentCount(), ch.expected(), ch.delivered.Load()
	r.Lost = r.Expected - r.Delivered

	// The process figures are the burst's: server CPU and memory while
	// it hashes, the load generator's, and the rest of the machine's.
	e.fillProcess(&r, b.before, b.after, float64(cfg.Burst))
	r.ServerNsPerUnit = tp.ServerNsPerUnit // per login, from the steady phase
	r.BurstMaxRSS, r.BurstBaseRSS = b.maxRSS, b.baseRSS
	// Other work on the machine over the whole scenario, not just the burst.
	var whole result
	e.fillProcess(&whole, start, e.sample(), 0)
	r.OtherCores = max(r.OtherCores, whole.OtherCores)
	return r, nil
}

// registerAccounts registers nicknames 0..n-1 with e.password(), over
// regConns connections: each logs in as its first nickname, registers it,
// renames itself to its next and registers that, and so on, then quits.
func (e *env) registerAccounts(n int) error {
	deadline := time.Now().Add(loginTimeout + time.Duration(n)*burstAllowance)
	errs := make([]error, min(regConns, n))
	var wg sync.WaitGroup
	for j := range errs {
		wg.Go(func() {
			var names []string
			for i := j; i < n; i += len(errs) {
				names = append(names, e.nick(i))
			}
			errs[j] = e.registerOn(names, deadline)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// registerOn registers names one after another on one connection.
func (e *env) registerOn(names []string, deadline time.Time) error {
	c, err := login(e.ctx, e.dialer, names[0], bufio.NewReaderSize(nil, readBufferSize))
	if err != nil {
		return err
	}
	defer c.closeAbruptly()
	stop := e.closeOnCancel(c)
	defer stop()
	c.conn.SetDeadline(deadline)
	pw := e.password()
	for k, name := range names {
		cmd := "/register " + pw + "\n"
		if k > 0 {
			cmd = "/nick " + name + "\n" + cmd
		}
		if _, err := io.WriteString(c.conn, cmd); err != nil {
			return err
		}
		ok, notRegistered := []byte("-> registered "+name+":"), []byte("-> "+name+" was not registered")
		for {
			line, err := readLine(c.r)
			if err != nil {
				return fmt.Errorf("register %s: %w", name, err)
			}
			if bytes.HasPrefix(line, ok) {
				break
			}
			if bytes.HasPrefix(line, notRegistered) && isBusy(line) {
				if err := e.sleep(backoff()); err != nil {
					return err
				}
				if _, err := io.WriteString(c.conn, "/register "+pw+"\n"); err != nil {
					return err
				}
				continue
			}
			if bytes.HasPrefix(line, refusalPrefix) {
				return fmt.Errorf("register %s: %s", name, line)
			}
		}
	}
	return quit(c)
}

// closeOnCancel closes c if the run is cancelled while it is in use.
func (e *env) closeOnCancel(c *client) (stop func() bool) {
	return context.AfterFunc(e.ctx, func() { c.conn.Close() })
}

// quit says /quit and reads until the server closes the connection, so
// that the nickname is free again when it returns.
func quit(c *client) error {
	if _, err := io.WriteString(c.conn, "/quit\n"); err != nil {
		return err
	}
	for {
		if _, err := readLine(c.r); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("%s after /quit: %w", c.nick, err)
		}
	}
}

// backoff is how long to wait after a busy reply.
func backoff() time.Duration {
	return busyBackoff + rand.N(busyJitter)
}

// passwordLogin sends "login NICK PASSWORD" on a connected c and reads
// until c's own join announcement, asking again after each busy reply. It
// returns how long that took from the first login line, and how many busy
// replies came.
func (e *env) passwordLogin(c *client, deadline time.Time) (time.Duration, int64, error) {
	c.conn.SetDeadline(deadline)
	defer c.conn.SetDeadline(time.Time{})
	loginLine := []byte("login " + c.nick + " " + e.password() + "\n")
	join := []byte("*** " + c.nick + joinSuffix)
	var busy int64
	start := time.Now()
	if _, err := c.conn.Write(loginLine); err != nil {
		return 0, busy, err
	}
	for {
		line, err := readLine(c.r)
		if err != nil {
			return 0, busy, fmt.Errorf("login %s: %w", c.nick, err)
		}
		switch {
		case bytes.Equal(line, join):
			return time.Since(start), busy, nil
		case isBusy(line):
			busy++
			if time.Now().Add(busyBackoff).After(deadline) {
				return 0, busy, fmt.Errorf("login %s: %w", c.nick, errBusyTooLong)
			}
			if err := e.sleep(backoff()); err != nil {
				return 0, busy, err
			}
			if _, err := c.conn.Write(loginLine); err != nil {
				return 0, busy, err
			}
		case bytes.HasPrefix(line, helloPrefix):
		case bytes.HasPrefix(line, refusalPrefix):
			return 0, busy, fmt.Errorf("login %s: %s", c.nick, line)
		}
	}
}

// loginLoop runs the throughput phase: cfg.Concurrency workers each
// connect, log in with the next account's password, quit, and go on, until
// cfg.Logins logins are done. It returns their latencies, the busy replies
// and how many succeeded.
func (e *env) loginLoop(cfg loginsConfig) (*hdrhistogram.Histogram, int64, int64, error) {
	var next, done, busy atomic.Int64
	var mu sync.Mutex
	h := newLatencyHistogram()
	errs := make([]error, cfg.Concurrency)
	var wg sync.WaitGroup
	for w := range cfg.Concurrency {
		wg.Go(func() {
			rd := bufio.NewReaderSize(nil, readBufferSize)
			for {
				i := int(next.Add(1) - 1)
				if i >= cfg.Logins || e.ctx.Err() != nil {
					return
				}
				c, err := connect(e.ctx, e.dialer, e.nick(i%cfg.Accounts), rd, 0)
				if err != nil {
					errs[w] = err
					return
				}
				took, b, err := e.passwordLogin(c, time.Now().Add(loginTimeout))
				busy.Add(b)
				if err == nil {
					c.conn.SetDeadline(time.Now().Add(loginTimeout))
					err = quit(c)
				}
				c.conn.Close()
				if err != nil {
					errs[w] = err
					return
				}
				mu.Lock()
				h.RecordValue(max(1, took.Microseconds()))
				mu.Unlock()
				done.Add(1)
			}
		})
	}
	wg.Wait()
	if err := e.ctx.Err(); err != nil {
		return h, busy.Load(), done.Load(), err
	}
	return h, busy.Load(), done.Load(), errors.Join(errs...)
}

// burstRun is what the burst measured.
type burstRun struct {
	clients         []*client
	from, to        int64 // monoNow when the logins were sent and when the last joined
	latency         *hdrhistogram.Histogram
	busy            int64
	before, after   snapshot
	maxRSS, baseRSS int64
}

// burst connects cfg.Burst clients, then has them all send their login
// lines at the same moment, and waits until every one has joined.
func (e *env) burst(cfg loginsConfig) (burstRun, error) {
	b := burstRun{clients: make([]*client, cfg.Burst), latency: newLatencyHistogram()}
	for i := range cfg.Burst {
		c, err := connect(e.ctx, e.dialer, e.nick(i), nil, readBufferSize)
		if err != nil {
			closeAll(b.clients)
			return b, err
		}
		b.clients[i] = c
	}
	if e.target.pid > 0 {
		if m, err := memoryOf(e.target.pid); err == nil {
			b.baseRSS, b.maxRSS = m.rss, m.rss
		}
	}
	deadline := time.Now().Add(loginTimeout + time.Duration(cfg.Burst)*burstAllowance)
	var mu sync.Mutex
	var busy atomic.Int64
	errs := make([]error, cfg.Burst)
	var ready, wg sync.WaitGroup
	gate := make(chan struct{})
	ready.Add(cfg.Burst)
	for i, c := range b.clients {
		wg.Go(func() {
			ready.Done()
			<-gate
			took, n, err := e.passwordLogin(c, deadline)
			busy.Add(n)
			if err != nil {
				errs[i] = err
				return
			}
			mu.Lock()
			b.latency.RecordValue(max(1, took.Microseconds()))
			mu.Unlock()
			go discard(c) // it hears the chat and the other joins from now on
		})
	}
	ready.Wait()
	stopRSS := make(chan struct{})
	rssDone := make(chan int64)
	go func() { rssDone <- e.pollRSS(stopRSS) }()
	b.before = e.sample()
	b.from = monoNow()
	close(gate)
	wg.Wait()
	b.to = monoNow()
	b.after = e.sample()
	close(stopRSS)
	b.maxRSS = max(b.maxRSS, <-rssDone)
	b.busy = busy.Load()
	if err := e.ctx.Err(); err != nil {
		return b, err
	}
	if err := errors.Join(errs...); err != nil {
		return b, fmt.Errorf("burst of %d logins: %w", cfg.Burst, err)
	}
	return b, nil
}

// pollRSS returns the highest resident memory of the server seen until
// stop closes.
func (e *env) pollRSS(stop <-chan struct{}) int64 {
	var most int64
	if e.target.pid <= 0 {
		<-stop
		return 0
	}
	t := time.NewTicker(rssPoll)
	defer t.Stop()
	for {
		if m, err := memoryOf(e.target.pid); err == nil {
			most = max(most, m.rss)
		}
		select {
		case <-stop:
			return most
		case <-t.C:
		}
	}
}

// discard reads c until it is closed.
func discard(c *client) {
	c.conn.SetReadDeadline(time.Time{})
	for {
		if _, err := readLine(c.r); err != nil {
			return
		}
	}
}

// chat is the chatters: unregistered clients in the lobby that say
// numbered lines at a steady rate, each heard by all the others, whose
// latencies are kept with their send times.
type chat struct {
	e       *env
	clients []*client
	rate    float64

	mu        sync.Mutex
	samples   []chatSample
	sent      atomic.Int64
	delivered atomic.Int64

	stopSend chan struct{}
	sending  sync.WaitGroup
	reading  sync.WaitGroup
	once     sync.Once
}

// chatSample is one delivery: when its line was sent and how long it took.
type chatSample struct {
	sentAt  int64
	latency time.Duration
}

// startChat logs the chatters in and starts them talking.
func (e *env) startChat(cfg loginsConfig) (*chat, error) {
	ch := &chat{e: e, rate: cfg.ChatRate, stopSend: make(chan struct{})}
	for j := range cfg.ChatClients {
		c, err := login(e.ctx, e.dialer, e.nickPrefix+"c"+strconv.Itoa(j), bufio.NewReaderSize(nil, readBufferSize))
		if err != nil {
			closeAll(ch.clients)
			return nil, fmt.Errorf("chatter %d: %w", j, err)
		}
		ch.clients = append(ch.clients, c)
	}
	for _, c := range ch.clients {
		ch.reading.Go(func() { ch.read(c) })
	}
	ch.sending.Go(ch.send)
	return ch, nil
}

// send says one line every 1/rate seconds, from each chatter in turn.
func (ch *chat) send() {
	every := time.Duration(float64(time.Second) / ch.rate)
	tick := time.NewTicker(every)
	defer tick.Stop()
	var buf []byte
	for seq := int64(1); ; seq++ {
		select {
		case <-ch.stopSend:
			return
		case <-ch.e.ctx.Done():
			return
		case <-tick.C:
		}
		s := int(seq) % len(ch.clients)
		buf = strconv.AppendInt(buf[:0], int64(s), 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, seq, 10)
		buf = append(buf, ' ')
		buf = strconv.AppendInt(buf, monoNow(), 10)
		buf = append(buf, '\n')
		if _, err := ch.clients[s].conn.Write(buf); err != nil {
			return
		}
		ch.sent.Add(1)
	}
}

// read records the latency of every chat line c hears.
func (ch *chat) read(c *client) {
	for {
		line, err := readLine(c.r)
		if err != nil {
			return
		}
		at := monoNow()
		if _, _, sentAt, ok := parseDelivery(line); ok {
			ch.mu.Lock()
			ch.samples = append(ch.samples, chatSample{sentAt, time.Duration(at - sentAt)})
			ch.mu.Unlock()
			ch.delivered.Add(1)
		}
	}
}

// stop ends the sending.
func (ch *chat) stop() {
	ch.once.Do(func() { close(ch.stopSend) })
	ch.sending.Wait()
}

// sentCount is how many lines were said.
func (ch *chat) sentCount() int64 { return ch.sent.Load() }

// expected is how many deliveries the lines said make: each reaches every
// other chatter.
func (ch *chat) expected() int64 { return ch.sent.Load() * int64(len(ch.clients)-1) }

// drain waits until every line said has arrived, or nothing has for stall.
func (ch *chat) drain(stall time.Duration) {
	got, last := ch.delivered.Load(), time.Now()
	for got < ch.expected() && time.Since(last) < stall && ch.e.ctx.Err() == nil {
		time.Sleep(pollInterval)
		if now := ch.delivered.Load(); now != got {
			got, last = now, time.Now()
		}
	}
}

// latencies returns the latencies of the lines sent in [from, to).
func (ch *chat) latencies(from, to int64) *hdrhistogram.Histogram {
	h := newLatencyHistogram()
	ch.mu.Lock()
	defer ch.mu.Unlock()
	for _, s := range ch.samples {
		if s.sentAt >= from && s.sentAt < to {
			h.RecordValue(min(max(1, s.latency.Microseconds()), maxLatency.Microseconds()))
		}
	}
	return h
}

// close stops the chatters and lets go of them.
func (ch *chat) close() {
	ch.stop()
	closeAll(ch.clients)
	ch.reading.Wait()
}

// loginsScenarioServers are the servers the logins scenario can run
// against: the reference has no accounts.
var loginsScenarioServers = []string{"teahouse", "target"}

// loginsSupported reports whether lane l can run the logins scenario.
func loginsSupported(l lane) bool { return slices.Contains(loginsScenarioServers, l.server) }

// Bounds of the logins scenario: each registration and login is a 64 MiB,
// ~60 ms hash on the server, so these keep one invocation to minutes.
const (
	maxAccounts    = 10_000
	maxLogins      = 100_000
	maxChatClients = 100
	maxChatRate    = 1000
)

// check refuses a logins scenario the load generator could not hold or
// that would not end in reasonable time.
func (c loginsConfig) check(maxConns int) error {
	switch {
	case c.Accounts < 1 || c.Accounts > maxAccounts:
		return fmt.Errorf("-logins-accounts must be 1 to %d", maxAccounts)
	case c.Logins < 1 || c.Logins > maxLogins:
		return fmt.Errorf("-logins-count must be 1 to %d", maxLogins)
	case c.Concurrency < 1 || c.Concurrency > c.Accounts:
		return fmt.Errorf("-logins-concurrency must be 1 to -logins-accounts (%d): one account is logged in once at a time", c.Accounts)
	case c.Burst < 1 || c.Burst > c.Accounts:
		return fmt.Errorf("-logins-burst must be 1 to -logins-accounts (%d)", c.Accounts)
	case c.ChatClients < 2 || c.ChatClients > maxChatClients:
		return fmt.Errorf("-logins-chat-clients must be 2 to %d", maxChatClients)
	case c.Burst+c.ChatClients > maxConns:
		return fmt.Errorf("-logins-burst plus -logins-chat-clients must be at most %d (the fd limit less a reserve)", maxConns)
	case !(c.ChatRate > 0 && c.ChatRate <= maxChatRate):
		return fmt.Errorf("-logins-chat-rate must be above 0 and at most %d", maxChatRate)
	case c.Quiet <= 0 || c.Quiet > maxPhase:
		return fmt.Errorf("-logins-quiet must be above 0 and at most %s", maxPhase)
	}
	return nil
}
