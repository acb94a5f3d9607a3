package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"teahouse/session/sessiontest"
)

func writeFile(t testing.TB, name, text string) {
	t.Helper()
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A client that never reads is dropped as too slow once its unsent output
// passes -max-out, while the others keep getting their lines quickly.
func TestSlowReaderDisconnected(t *testing.T) {
	const maxOut = 64 << 10
	s := startServer(t, func(o *Options) { o.MaxOut = maxOut; o.Rate = 0 })

	// The slow client shrinks its receive window, logs in, then stops reading.
	// SO_RCVBUF is set before connecting, so the window is small from the start.
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		return errors.Join(err, serr)
	}}
	raw, err := d.Dial("tcp", s.addr)
	if err != nil {
		t.Fatal(err)
	}
	slow := &client{sessiontest.NewPeer(t, raw)}
	slow.Name = "slow"
	slow.expect("Welcome to teahouse!")
	slow.send("slow")
	slow.expect("*** slow joined #lobby")

	flooder := login(t, s.addr, "flooder")
	watcher := login(t, s.addr, "watcher")
	talker := login(t, s.addr, "talker")
	go func() { _, _ = io.Copy(io.Discard, talker.Conn) }() // a fast reader

	// The watcher reads everything in the background, noting when slow
	// leaves and when the talker's pings arrive.
	type seen struct {
		line string
		at   time.Time
	}
	lines := make(chan seen, 1024)
	go func() {
		defer close(lines)
		for {
			l, err := watcher.readLine()
			if err != nil {
				return
			}
			if !strings.HasPrefix(l, "flooder: ") {
				lines <- seen{l, time.Now()}
			}
		}
	}()

	// Flood until the slow reader is dropped (bounded: 64 MiB).
	chunk := strings.Repeat(strings.Repeat("f", 1000)+"\r\n", 64)
	left := false
	var pingSent time.Time
	pings := 0
	var worst time.Duration
	for sent := 0; sent < 64<<20 && !left; sent += len(chunk) {
		flooder.sendRaw(chunk)
		if pings < 20 && (sent/len(chunk))%16 == 0 && pingSent.IsZero() {
			pingSent = time.Now()
			talker.send(fmt.Sprintf("ping %d", pings))
		}
	drain:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					t.Fatal("watcher disconnected")
				}
				if strings.HasPrefix(l.line, "*** slow left #lobby") {
					if l.line != "*** slow left #lobby (too slow)" {
						t.Errorf("leave line %q", l.line)
					}
					left = true
				}
				if strings.HasPrefix(l.line, "talker: ping") && !pingSent.IsZero() {
					worst = max(worst, l.at.Sub(pingSent))
					pingSent = time.Time{}
					pings++
				}
			default:
				break drain
			}
		}
	}
	if !left {
		t.Fatal("the slow reader was never dropped")
	}
	t.Logf("%d pings through the flood, worst latency %v", pings, worst)
	if worst > 2*time.Second {
		t.Errorf("a ping took %v to arrive while the slow reader was queued", worst)
	}

	// The slow client's socket is closed by the server.
	checkFor(t, waitTime, 20*time.Millisecond, func() error {
		_ = raw.SetReadDeadline(time.Now().Add(time.Second))
		_, err := io.Copy(io.Discard, raw)
		if err == nil || sessiontest.IsReset(err) {
			return nil
		}
		return err
	})
	s.wantMetric(t, `teahouse_closes_total{reason="too_slow"}`, 1)
	s.wantMetric(t, `teahouse_drops_total{reason="slow_reader"}`, 1)
	if n := strings.Count(s.logs.String(), "slow reader disconnected"); n != 1 {
		t.Errorf("slow reader logged %d times, want once", n)
	}

	// After the flood the talker is still heard promptly.
	start := time.Now()
	talker.send("still here")
	for l := range lines {
		if l.line == "talker: still here" {
			break
		}
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("a line took %v after the flood", d)
	}
}

func openFDs(t testing.TB) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		sessiontest.Missing(t, "cannot count fds: %v", err)
	}
	return len(ents)
}

// Connections that end in a reset, at every stage, leave nothing behind.
func TestResetCyclesLeaveNoGrowth(t *testing.T) {
	s := startServer(t, nil)
	watcher := login(t, s.addr, "watcher")
	_ = watcher
	// Warm up: one full cycle so lazily created things exist.
	c := login(t, s.addr, "warm")
	c.Conn.Close()
	s.wantMetric(t, "teahouse_connections_open", 1)
	runtime.GC()
	fds, goroutines := openFDs(t), runtime.NumGoroutine()

	const cycles = 2000
	for i := range cycles {
		conn, err := net.Dial("tcp", s.addr)
		if err != nil {
			t.Fatalf("cycle %d: %v", i, err)
		}
		tc := conn.(*net.TCPConn)
		switch i % 4 {
		case 1: // half a line
			_, _ = io.WriteString(tc, "partial")
		case 2: // a login
			_, _ = io.WriteString(tc, fmt.Sprintf("u%d\r\n", i))
		case 3: // a login and a chat line, then wait for the welcome
			_, _ = io.WriteString(tc, fmt.Sprintf("v%d\r\nhi\r\n", i))
			_ = tc.SetReadDeadline(time.Now().Add(waitTime))
			_, _ = tc.Read(make([]byte, 64))
		}
		_ = tc.SetLinger(0) // close sends RST
		_ = tc.Close()
	}
	s.wantMetric(t, "teahouse_connections_open", 1)
	s.wantMetric(t, "teahouse_connections_total", cycles+2)
	checkFor(t, waitTime, 50*time.Millisecond, func() error {
		if n := openFDs(t); n > fds+5 {
			return fmt.Errorf("%d fds open, %d before the cycles", n, fds)
		}
		if n := runtime.NumGoroutine(); n > goroutines+5 {
			return fmt.Errorf("%d goroutines, %d before the cycles", n, goroutines)
		}
		return nil
	})
	// The server still works.
	a := login(t, s.addr, "after")
	a.send("alive")
	watcher.expect("after: alive")
}

// 500 clients log in at once and all of them get one broadcast.
func TestManyConcurrentLogins(t *testing.T) {
	const n = 500
	s := startServer(t, func(o *Options) { o.History = 0 })
	speaker := login(t, s.addr, "speaker")

	var joined, done sync.WaitGroup
	joined.Add(n)
	done.Add(n)
	errs := make(chan error, n)
	start := make(chan struct{})
	for i := range n {
		go func() {
			defer done.Done()
			nick := fmt.Sprintf("user%d", i)
			conn, err := net.DialTimeout("tcp", s.addr, waitTime)
			if err != nil {
				joined.Done()
				errs <- err
				return
			}
			defer conn.Close()
			_ = conn.SetDeadline(time.Now().Add(4 * waitTime))
			r := bufio.NewReader(conn)
			_, _ = io.WriteString(conn, nick+"\r\n")
			wantJoin, wantMsg := "*** "+nick+" joined #lobby\r\n", "speaker: to all 500\r\n"
			for {
				l, err := r.ReadString('\n')
				l = sessiontest.StripTelnet(l) // the CR LF login brings the binary offer
				if err != nil {
					if wantJoin != "" {
						joined.Done()
					}
					errs <- fmt.Errorf("%s: %v", nick, err)
					return
				}
				if l == wantJoin {
					wantJoin = ""
					joined.Done()
					<-start
				}
				if l == wantMsg {
					return
				}
			}
		}()
	}
	t0 := time.Now()
	joined.Wait()
	t.Logf("all %d joined after %v", n, time.Since(t0))
	close(start)
	s.wantMetric(t, "teahouse_users_online", n+1)
	speaker.send("to all 500")
	done.Wait()
	t.Logf("broadcast received by all after %v", time.Since(t0))
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestMaxClientsRefused(t *testing.T) {
	s := startServer(t, func(o *Options) { o.MaxClients = 2 })
	a := login(t, s.addr, "alice")
	login(t, s.addr, "bob")
	c := dial(t, s.addr)
	lines := c.expectEOF()
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "-> server full") {
		t.Errorf("refused client got %q", lines)
	}
	s.wantMetric(t, `teahouse_closes_total{reason="refused"}`, 1)
	a.send("/quit")
	a.expectEOF()
	s.wantMetric(t, "teahouse_connections_open", 1)
	login(t, s.addr, "carol") // room again
	if !strings.Contains(s.logs.String(), `msg="connection refused"`) {
		t.Errorf("refusal not logged")
	}
}

// nonLoopbackIP finds an address of this machine that is not loopback, so
// a connection to it comes from a non-exempt IP.
func nonLoopbackIP(t testing.TB) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		sessiontest.Missing(t, "no interface addresses: %v", err)
	}
	for _, a := range addrs {
		if ip, ok := a.(*net.IPNet); ok && ip.IP.To4() != nil && !ip.IP.IsLoopback() {
			return ip.IP.String()
		}
	}
	sessiontest.Missing(t, "no non-loopback IPv4 address to test the per-IP cap with")
	return ""
}

func TestMaxPerIP(t *testing.T) {
	ip := nonLoopbackIP(t)
	s := startServer(t, func(o *Options) { o.Addr = "0.0.0.0:0"; o.MaxPerIP = 2 })
	_, port, _ := net.SplitHostPort(s.addr)
	addr := net.JoinHostPort(ip, port)
	login(t, addr, "alice")
	login(t, addr, "bob")
	c := dial(t, addr)
	if lines := c.expectEOF(); len(lines) != 1 || !strings.HasPrefix(lines[0], "-> too many connections") {
		t.Errorf("third connection from %s got %q", ip, lines)
	}
	// Loopback is exempt.
	loop := net.JoinHostPort("127.0.0.1", port)
	for i := range 3 {
		login(t, loop, fmt.Sprintf("local%d", i))
	}
}

func TestShutdownNoticeInProcess(t *testing.T) {
	s := startServer(t, nil)
	alice := login(t, s.addr, "alice")
	bob := dial(t, s.addr) // not logged in: told too
	bob.expect("Welcome to teahouse!")
	s.stop(t)
	for _, c := range []*client{alice, bob} {
		lines := c.expectEOF()
		found := false
		for _, l := range lines {
			found = found || l == "*** server shutting down"
		}
		if !found {
			t.Errorf("%q: no shutdown notice in %q", c.Name, lines)
		}
	}
	if _, err := net.DialTimeout("tcp", s.addr, time.Second); err == nil {
		t.Errorf("still accepting after shutdown")
	} else if !errors.Is(err, io.EOF) && !strings.Contains(err.Error(), "refused") {
		t.Logf("dial after shutdown: %v", err)
	}
}

func TestRemoteIPKey(t *testing.T) {
	for _, tc := range []struct{ addr, want string }{
		{"192.0.2.7:1234", "192.0.2.7"},
		{"[::ffff:192.0.2.7]:1234", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:1234", "2001:db8:1:2::"},
		{"[::1]:1234", "::1"},
	} {
		a, err := net.ResolveTCPAddr("tcp", tc.addr)
		if err != nil {
			t.Fatal(err)
		}
		if got := remoteIP(a).String(); got != tc.want {
			t.Errorf("remoteIP(%s) = %s, want %s", tc.addr, got, tc.want)
		}
	}
}

// Peers that reset while a broadcast is being written to them: gnet closes
// each inside the write (OnClose runs in the middle of the broadcast), and
// the server carries on.
func TestResetsDuringBroadcast(t *testing.T) {
	s := startServer(t, func(o *Options) { o.Rate = 0; o.History = 0 })
	watcher := login(t, s.addr, "watcher")
	go func() { _, _ = io.Copy(io.Discard, watcher.Conn) }()
	speaker := login(t, s.addr, "speaker")
	go func() { _, _ = io.Copy(io.Discard, speaker.Conn) }()

	const n = 50
	victims := make([]*client, n)
	for i := range victims {
		victims[i] = login(t, s.addr, fmt.Sprintf("v%d", i))
	}
	stop := make(chan struct{})
	talked := make(chan struct{})
	go func() {
		defer close(talked)
		line := strings.Repeat("z", 200) + "\r\n"
		for {
			select {
			case <-stop:
				return
			default:
			}
			if _, err := io.WriteString(speaker.Conn, line); err != nil {
				return
			}
		}
	}()
	for _, v := range victims {
		_ = v.Conn.(*net.TCPConn).SetLinger(0)
		_ = v.Conn.Close()
	}
	s.wantMetric(t, "teahouse_connections_open", 2)
	close(stop)
	<-talked
	var closes float64
	for _, r := range []string{"eof", "read_error", "write_error"} {
		v, err := s.scrape(`teahouse_closes_total{reason="` + r + `"}`)
		if err != nil {
			t.Fatal(err)
		}
		closes += v
		t.Logf("closes %s: %v", r, v)
	}
	if closes != n {
		t.Errorf("%v closes counted, want %d", closes, n)
	}
	s.wantMetric(t, "teahouse_users_online", 2)
	// Still serving.
	late := login(t, s.addr, "late")
	late.send("/who")
	late.expectPrefix("-> 3 online")
}
