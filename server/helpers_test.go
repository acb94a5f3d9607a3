package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// waitTime bounds every wait in these tests; generous for -race on 2 cores.
const waitTime = 10 * time.Second

// checkFor calls f every sleep until it returns nil or total has passed,
// then fails the test with f's last error.
func checkFor(t testing.TB, total, sleep time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	var err error
	for {
		if err = f(); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not true within %v: %v", total, err)
		}
		time.Sleep(sleep)
	}
}

// syncBuffer is a log destination tests can read while the server writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// testServer is a server running in this process.
type testServer struct {
	addr    string
	metrics string // host:port of /metrics, "" when off
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
	return o
}

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

// client is a raw TCP chat client. It reads lines on demand, with a deadline.
type client struct {
	t    testing.TB
	name string
	c    net.Conn
	r    *bufio.Reader
}

func dial(t testing.TB, addr string) *client {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, waitTime)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	return &client{t: t, c: c, r: bufio.NewReader(c)}
}

// send writes s followed by CRLF.
func (c *client) send(s string) {
	c.t.Helper()
	c.sendRaw(s + "\r\n")
}

// sendRaw writes s as it is.
func (c *client) sendRaw(s string) {
	c.t.Helper()
	_ = c.c.SetWriteDeadline(time.Now().Add(waitTime))
	if _, err := io.WriteString(c.c, s); err != nil {
		c.t.Fatalf("%s: write: %v", c.name, err)
	}
}

// readLine returns the next line without its CRLF.
func (c *client) readLine() (string, error) {
	_ = c.c.SetReadDeadline(time.Now().Add(waitTime))
	line, err := c.r.ReadString('\n')
	if err != nil {
		return line, err
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

// waitLine reads lines until match accepts one, and returns the lines read
// before it.
func (c *client) waitLine(what string, match func(string) bool) (before []string, got string) {
	c.t.Helper()
	for {
		line, err := c.readLine()
		if err != nil {
			c.t.Fatalf("%s: waiting for %s: %v (read so far: %q)", c.name, what, err, before)
		}
		if match(line) {
			return before, line
		}
		before = append(before, line)
	}
}

// expect reads until the line want, returning the lines before it.
func (c *client) expect(want string) []string {
	c.t.Helper()
	before, _ := c.waitLine(strconv.Quote(want), func(l string) bool { return l == want })
	return before
}

// expectPrefix reads until a line starting with prefix and returns it.
func (c *client) expectPrefix(prefix string) string {
	c.t.Helper()
	_, got := c.waitLine("prefix "+strconv.Quote(prefix), func(l string) bool { return strings.HasPrefix(l, prefix) })
	return got
}

// barrier sends an unknown command and reads up to its reply, returning
// every line that arrived before it: output to one session is in order,
// so what is not there by then was not sent before.
func (c *client) barrier() []string {
	c.t.Helper()
	c.send("/barrier-x")
	const reply = "-> unknown command: /barrier-x (try /help)"
	before, got := c.waitLine("the barrier reply", func(l string) bool { return strings.HasSuffix(l, reply) })
	if got != reply { // telnet replies (no CRLF of their own) came first
		before = append(before, strings.TrimSuffix(got, reply))
	}
	return before
}

// expectEOF reads until the server closes the connection.
func (c *client) expectEOF() []string {
	c.t.Helper()
	var lines []string
	for {
		line, err := c.readLine()
		if err == nil {
			lines = append(lines, line)
			continue
		}
		if errors.Is(err, io.EOF) || isReset(err) {
			return lines
		}
		c.t.Fatalf("%s: waiting for EOF: %v (read: %q)", c.name, err, lines)
	}
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

// login connects as nick and waits for the join announcement.
func login(t testing.TB, addr, nick string) *client {
	t.Helper()
	c := dial(t, addr)
	c.name = nick
	c.expect("Welcome to teahouse!")
	c.send(nick)
	c.expect("*** " + nick + " joined #lobby")
	return c
}

// builtDir holds the binary built by buildServer, removed by TestMain.
var builtDir string

// buildServer compiles the server binary once per test binary run.
var buildServer = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "teahouse-bin-")
	if err != nil {
		return "", err
	}
	builtDir = dir
	bin := filepath.Join(dir, "teahouse")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("go build: %v\n%s", err, out)
	}
	return bin, nil
})

func serverBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the server binary; skipped with -short")
	}
	bin, err := buildServer()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// TestMain removes the built binary's directory at the end.
func TestMain(m *testing.M) {
	code := m.Run()
	if builtDir != "" {
		_ = os.RemoveAll(builtDir)
	}
	os.Exit(code)
}
