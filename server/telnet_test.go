package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
)

// The real telnet client (Debian's inetutils or netkit), under a
// pseudo-terminal, talks with raw clients: Chinese typed before and after
// the TRANSMIT-BINARY negotiation arrives intact, Ctrl-C and Are You There
// work, negotiation stops, and a raw client never sees a telnet byte.
func TestRealTelnetClient(t *testing.T) {
	if _, err := exec.LookPath("telnet"); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("telnet not installed: apt-get install -y telnet")
		}
		t.Fatal("telnet not installed in CI (.ci/run installs it)")
	}
	s := startServer(t, nil)
	peer := login(t, s.addr, "peer")
	raw := dialLF(t, s.addr)
	raw.send("raw")
	raw.waitFor(t, "*** raw joined #lobby")

	// telnet talks to the server through a recording proxy, so the test
	// can count the negotiation both ways.
	wire := newTap(t, s.addr)
	host, port, _ := net.SplitHostPort(wire.addr)
	cmd := exec.Command("telnet", host, port)
	cmd.Env = append(os.Environ(), "TERM=dumb", "LANG=C.UTF-8", "LC_ALL=C.UTF-8")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		tty.Close()
	})
	screen := new(syncBuffer)
	go func() { _, _ = io.Copy(screen, tty) }()
	waitScreen := func(want string) {
		t.Helper()
		checkFor(t, waitTime, 20*time.Millisecond, func() error {
			if !strings.Contains(screen.String(), want) {
				return fmt.Errorf("telnet screen lacks %q:\n%s", want, screen)
			}
			return nil
		})
	}
	typeLine := func(s string) {
		t.Helper()
		if _, err := io.WriteString(tty, s+"\r"); err != nil {
			t.Fatal(err)
		}
	}

	waitScreen("Welcome to teahouse!")
	waitScreen("nickname")
	// 小 is e5 b0 8f: before TRANSMIT-BINARY, the client sends 8f (^O +
	// 0x80) as IAC AO IAC DO TIMING-MARK; the server puts it back and
	// negotiates.
	typeLine("小明")
	peer.expect("*** 小明 joined #lobby")
	raw.waitFor(t, "*** 小明 joined #lobby")
	waitScreen("*** 小明 joined #lobby")

	// After the negotiation every byte goes through, even those that
	// would have been lost before it: 丝 (e4 b8 9d, ^] + 0x80 is the
	// client's escape) and 丅 (e4 b8 85, ^E + 0x80 toggles its echo).
	const chinese = "你好，丝丅七丏丐丑 世界"
	typeLine(chinese)
	peer.expect("小明: " + chinese)
	raw.waitFor(t, "小明: "+chinese)

	peer.send("hello back")
	waitScreen("peer: hello back")

	// Ctrl-C makes telnet send IAC IP IAC DO TIMING-MARK and discard output
	// until it hears back; the refusal must keep the screen alive.
	// Lines that arrive before the refusal are rightly discarded by telnet,
	// so the peer keeps talking until one shows.
	if _, err := tty.Write([]byte{3}); err != nil {
		t.Fatal(err)
	}
	i := 0
	checkFor(t, waitTime, 100*time.Millisecond, func() error {
		if strings.Contains(screen.String(), "peer: after ctrl-c") {
			return nil
		}
		i++
		peer.send(fmt.Sprintf("after ctrl-c %d", i))
		return fmt.Errorf("telnet shows nothing after Ctrl-C:\n%s", screen)
	})
	typeLine("still typing")
	peer.expect("小明: still typing")

	// Are You There, from telnet's own command prompt.
	if _, err := tty.Write([]byte{0x1d}); err != nil { // ^], telnet's escape
		t.Fatal(err)
	}
	waitScreen("telnet>")
	typeLine("send ayt")
	waitScreen("-> [teahouse: yes]")

	raw.send("/help")
	raw.send("/who")
	raw.send("bye from raw")
	peer.expect("raw: bye from raw")
	raw.waitFor(t, "-> 3 online: peer (#lobby), raw (#lobby), 小明 (#lobby)")
	if i := bytes.IndexByte(raw.all(), 0xFF); i >= 0 {
		t.Errorf("the raw client received a 0xFF byte at %d: %q", i, raw.all())
	}

	// Negotiation converged: a handful of commands each way, not a loop.
	// (Ctrl-C and the repaired 0x8F each bring IAC DO TIMING-MARK.)
	toServer, toClient := wire.negotiations()
	if toServer > 8 || toClient > 8 {
		t.Errorf("negotiation did not settle: %d commands to the server, %d to the client", toServer, toClient)
	}
	if toClient == 0 {
		t.Errorf("the server never negotiated with the telnet client")
	}
}

// lfClient is a raw client that ends its lines in a bare LF, as nc does,
// and keeps every byte the server sends it.
type lfClient struct {
	c   net.Conn
	buf syncBuffer
}

func dialLF(t *testing.T, addr string) *lfClient {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, waitTime)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	l := &lfClient{c: c}
	go func() { _, _ = io.Copy(&l.buf, c) }()
	return l
}

func (l *lfClient) send(s string) { _, _ = io.WriteString(l.c, s+"\n") }

func (l *lfClient) all() []byte { return []byte(l.buf.String()) }

func (l *lfClient) waitFor(t *testing.T, want string) {
	t.Helper()
	checkFor(t, waitTime, 20*time.Millisecond, func() error {
		if !strings.Contains(l.buf.String(), want+"\r\n") {
			return fmt.Errorf("raw client lacks %q:\n%q", want, l.buf.String())
		}
		return nil
	})
}

// tap is a TCP proxy in front of the server that records both directions
// of its one connection.
type tap struct {
	addr             string
	mu               sync.Mutex
	toServer, toPeer bytes.Buffer
}

func newTap(t *testing.T, server string) *tap {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	p := &tap{addr: ln.Addr().String()}
	go func() {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		s, err := net.Dial("tcp", server)
		if err != nil {
			c.Close()
			return
		}
		t.Cleanup(func() { c.Close(); s.Close() })
		go p.copy(s, c, &p.toServer)
		go p.copy(c, s, &p.toPeer)
	}()
	return p
}

func (p *tap) copy(dst, src net.Conn, rec *bytes.Buffer) {
	buf := make([]byte, 4096)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			p.mu.Lock()
			rec.Write(buf[:n])
			p.mu.Unlock()
			if _, werr := dst.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// negotiations counts IAC WILL/WONT/DO/DONT commands each way.
func (p *tap) negotiations() (toServer, toPeer int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	count := func(b []byte) (n int) {
		for i := 0; i+1 < len(b); i++ {
			if b[i] == 0xFF && b[i+1] >= 251 && b[i+1] <= 254 {
				n++
				i++
			}
		}
		return n
	}
	return count(p.toServer.Bytes()), count(p.toPeer.Bytes())
}
