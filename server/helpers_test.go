package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"teahouse/server/store"
	"teahouse/session/sessiontest"
)

// The server tests' names for sessiontest's helpers, which every file of
// this package (telnet_test.go among them) uses.
const waitTime = sessiontest.Wait

// checkFor is sessiontest.CheckFor.
var checkFor = sessiontest.CheckFor

// syncBuffer is a log destination tests can read while the server writes.
type syncBuffer = sessiontest.SyncBuffer

// testServer is a server running in this process.
type testServer struct {
	addr    string
	metrics string // host:port of /metrics, "" when off
	crash   func() // ends its cluster membership as a crash would (-cluster only)
	logs    *syncBuffer
	cancel  context.CancelFunc
	done    chan error
}

// testOptions are the defaults on a random loopback port, with debug logs.
func testOptions() Options {
	o := defaultOptions()
	o.Addr = "127.0.0.1:0"
	o.LogLevel = "debug"
	o.MetricsAddr = "127.0.0.1:0"
	o.Data = ""     // memory: tests that restart give a file of their own
	o.kdf = testKDF // the real cost is measured in server/store
	return o
}

// testKDF is a password hash cheap enough for many logins under -race.
var testKDF = store.Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// startServer runs a server with testOptions changed by edit, and stops it
// when the test ends.
func startServer(t testing.TB, edit func(*Options)) *testServer {
	t.Helper()
	o := testOptions()
	if edit != nil {
		edit(&o)
	}
	s := &testServer{logs: new(syncBuffer), done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	ready := make(chan listening, 1)
	go func() { s.done <- run(ctx, o, newLogger(o, s.logs), ready) }()
	select {
	case l := <-ready:
		s.addr = l.Addr.String()
		s.crash = l.crash
		if l.Metrics != nil {
			s.metrics = l.Metrics.String()
		}
	case err := <-s.done:
		cancel()
		t.Fatalf("server did not start: %v", err)
	case <-time.After(waitTime):
		cancel()
		t.Fatal("server did not start in time")
	}
	t.Cleanup(func() { s.stop(t) })
	return s
}

// stop shuts the server down and checks that run returned nil in time.
func (s *testServer) stop(t testing.TB) {
	t.Helper()
	if s.cancel == nil {
		return
	}
	s.cancel()
	s.cancel = nil
	select {
	case err := <-s.done:
		if err != nil {
			t.Errorf("run: %v", err)
		}
	case <-time.After(waitTime):
		t.Errorf("run did not return after cancel")
	}
}

// scrape returns the value of one metric series, e.g.
// `teahouse_closes_total{reason="too_slow"}`.
func (s *testServer) scrape(series string) (float64, error) {
	resp, err := http.Get("http://" + s.metrics + "/metrics")
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(line, series+" "); ok {
			return strconv.ParseFloat(v, 64)
		}
	}
	return 0, fmt.Errorf("no series %s in /metrics", series)
}

// wantMetric waits until series has value want.
func (s *testServer) wantMetric(t testing.TB, series string, want float64) {
	t.Helper()
	checkFor(t, waitTime, 20*time.Millisecond, func() error {
		v, err := s.scrape(series)
		if err != nil {
			return err
		}
		if v != want {
			return fmt.Errorf("%s = %v, want %v", series, v, want)
		}
		return nil
	})
}

// client is a raw TCP chat client: a sessiontest.Peer, with its methods
// under the lower-case names this package's tests use, and the barrier,
// which knows the server's reply to an unknown command.
type client struct{ *sessiontest.Peer }

// dial connects to addr.
func dial(t testing.TB, addr string) *client {
	t.Helper()
	return &client{sessiontest.Dial(t, addr)}
}

// send writes s followed by CRLF.
func (c *client) send(s string) { c.T.Helper(); c.Send(s) }

// sendRaw writes s as it is.
func (c *client) sendRaw(s string) { c.T.Helper(); c.SendRaw(s) }

// readLine returns the next line without its CRLF, or the read error.
func (c *client) readLine() (string, error) { return c.ReadLine() }

// waitLine reads lines until match accepts one, and returns the lines read
// before it and the line.
func (c *client) waitLine(what string, match func(string) bool) (before []string, got string) {
	c.T.Helper()
	return c.WaitLine(what, match)
}

// expect reads until the line want, returning the lines before it.
func (c *client) expect(want string) []string { c.T.Helper(); return c.Expect(want) }

// expectPrefix reads until a line starting with prefix and returns it.
func (c *client) expectPrefix(prefix string) string { c.T.Helper(); return c.ExpectPrefix(prefix) }

// expectEOF reads until the server closes the connection.
func (c *client) expectEOF() []string { c.T.Helper(); return c.ExpectEOF() }

// barrier sends an unknown command and reads up to its reply, returning
// every line that arrived before it: output to one session is in order,
// so what is not there by then was not sent before.
func (c *client) barrier() []string {
	c.T.Helper()
	c.Send("/barrier-x")
	const reply = "-> unknown command: /barrier-x (try /help)"
	before, got := c.WaitLine("the barrier reply", func(l string) bool { return strings.HasSuffix(l, reply) })
	if got != reply { // telnet replies (no CRLF of their own) came first
		before = append(before, strings.TrimSuffix(got, reply))
	}
	return before
}

// login connects as nick and waits for the join announcement.
func login(t testing.TB, addr, nick string) *client {
	t.Helper()
	c := dial(t, addr)
	c.Name = nick
	c.expect("Welcome to teahouse!")
	c.send(nick)
	c.expect("*** " + nick + " joined #lobby")
	return c
}

// serverBinary is this package, built; skipped with -short.
func serverBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the server binary; skipped with -short")
	}
	return sessiontest.Binary(t, "teahouse/server")
}

// TestMain removes the built binary at the end.
func TestMain(m *testing.M) { sessiontest.Main(m) }
