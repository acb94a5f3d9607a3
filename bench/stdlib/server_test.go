package main

import (
	"bufio"
	"net"
	"strings"
	"testing"
	"time"
)

// lineTimeout bounds the wait for one expected line.
const lineTimeout = 5 * time.Second

// startHub serves a hub on a free loopback port for the test's lifetime.
func startHub(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	h := newHub()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go h.serve(conn)
		}
	}()
	return ln.Addr().String()
}

// testConn is a line-oriented test client.
type testConn struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, addr string) *testConn {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &testConn{t: t, conn: conn, r: bufio.NewReader(conn)}
}

func (c *testConn) send(line string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(line + "\n")); err != nil {
		c.t.Fatal(err)
	}
}

// expect reads lines until one equals want, and fails if none does in time.
// Every line read must end in CRLF.
func (c *testConn) expect(want string) {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(lineTimeout))
	var seen []string
	for {
		line, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("waiting for %q after %q: %v", want, seen, err)
		}
		if !strings.HasSuffix(line, "\r\n") {
			c.t.Fatalf("line %q does not end in CRLF", line)
		}
		line = strings.TrimSuffix(line, "\r\n")
		if line == want {
			return
		}
		seen = append(seen, line)
	}
}

// expectNext fails unless the very next line equals want.
func (c *testConn) expectNext(want string) {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(lineTimeout))
	line, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("waiting for %q: %v", want, err)
	}
	if got := strings.TrimSuffix(line, "\r\n"); got != want {
		c.t.Fatalf("next line %q, want %q", got, want)
	}
}

// login logs in as nick and waits for the join announcement.
func (c *testConn) login(nick string) {
	c.t.Helper()
	c.send(nick)
	c.expect("*** " + nick + " joined #lobby")
}

// expectClosed reads until the server closes the connection.
func (c *testConn) expectClosed() {
	c.t.Helper()
	c.conn.SetReadDeadline(time.Now().Add(lineTimeout))
	for {
		if _, err := c.r.ReadString('\n'); err != nil {
			if ne, ok := err.(net.Error); ok && ne.Timeout() {
				c.t.Fatal("the connection stayed open")
			}
			return
		}
	}
}

func TestReferenceServerSpeaksTheBenchSubset(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, addr string)
	}{
		{"a new connection is welcomed and asked for a nickname", func(t *testing.T, addr string) {
			c := dial(t, addr)
			c.expect(strings.TrimSuffix(welcome, "\r\n"))
			c.expect(strings.TrimSuffix(prompt, "\r\n"))
		}},
		{"a nickname line logs in and the joiner hears its own join", func(t *testing.T, addr string) {
			dial(t, addr).login("alice")
		}},
		{"others hear a join", func(t *testing.T, addr string) {
			a := dial(t, addr)
			a.login("alice")
			dial(t, addr).login("bob")
			a.expect("*** bob joined #lobby")
		}},
		{"a nickname in use is refused, whatever its case, and the user may try again", func(t *testing.T, addr string) {
			dial(t, addr).login("alice")
			b := dial(t, addr)
			b.send("ALICE")
			b.expect("-> nickname in use: ALICE")
			b.login("bob")
		}},
		{"an invalid nickname is refused", func(t *testing.T, addr string) {
			c := dial(t, addr)
			c.send("has space")
			c.expect("-> invalid nickname: 1-16 letters, digits, _ - .")
			c.send("seventeen-chars-x")
			c.expect("-> invalid nickname: 1-16 letters, digits, _ - .")
		}},
		{"a line goes to everyone else and not back to the sender", func(t *testing.T, addr string) {
			a, b := dial(t, addr), dial(t, addr)
			a.login("alice")
			b.login("bob")
			a.expect("*** bob joined #lobby")
			a.send("hello there")
			b.expect("alice: hello there")
			b.send("hi")
			a.expectNext("bob: hi") // alice's own line, had it come back, would come first
		}},
		{"/quit tells the room why and closes the connection", func(t *testing.T, addr string) {
			a, b := dial(t, addr), dial(t, addr)
			a.login("alice")
			b.login("bob")
			b.send("/quit gone fishing")
			a.expect("*** bob left #lobby (gone fishing)")
			b.expectClosed()
		}},
		{"a nickname is free again once its user quits", func(t *testing.T, addr string) {
			a := dial(t, addr)
			a.login("alice")
			a.send("/quit")
			a.expectClosed()
			dial(t, addr).login("alice")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.run(t, startHub(t))
		})
	}
}

func TestASlowReaderIsDropped(t *testing.T) {
	addr := startHub(t)
	slow, fast := dial(t, addr), dial(t, addr)
	slow.login("slow")
	fast.login("fast")
	line := strings.Repeat("x", 1000)
	// slow never reads; once the kernel's buffers and maxPending are full,
	// the server drops it and tells the room.
	for range 3 * maxPending / len(line) * 4 {
		fast.send(line)
	}
	fast.expect("*** slow left #lobby (connection lost)")
}
