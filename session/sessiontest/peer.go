package sessiontest

import (
	"bufio"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Peer is one end of a line-based chat connection, driven by a test as a
// telnet user or a script would drive it: it writes lines and reads
// CRLF- or LF-ended lines on demand, each read and write bounded by Wait.
// A Peer belongs to the test T; its methods fail that test when a line does
// not come. Use it from the test's goroutine, except ReadLine, which only
// returns errors.
type Peer struct {
	T    testing.TB
	Name string   // who this peer is, in failure messages; may be empty
	Conn net.Conn // the connection, for tests that close or reset it
	// KeepTelnet leaves telnet commands in the lines read, for tests of
	// the negotiation itself.
	KeepTelnet bool
	r          *bufio.Reader
}

// NewPeer drives conn, which is closed when the test ends.
func NewPeer(t testing.TB, conn net.Conn) *Peer {
	t.Helper()
	t.Cleanup(func() { conn.Close() })
	return &Peer{T: t, Conn: conn, r: bufio.NewReader(conn)}
}

// Dial connects to addr over TCP and drives the connection.
func Dial(t testing.TB, addr string) *Peer {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, Wait)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	return NewPeer(t, c)
}

// Send writes each line followed by CRLF, one write a line.
func (p *Peer) Send(lines ...string) {
	p.T.Helper()
	for _, l := range lines {
		p.SendRaw(l + "\r\n")
	}
}

// SendRaw writes s as it is: partial lines, bare terminators, telnet bytes.
func (p *Peer) SendRaw(s string) {
	p.T.Helper()
	_ = p.Conn.SetWriteDeadline(time.Now().Add(Wait))
	if _, err := io.WriteString(p.Conn, s); err != nil {
		p.T.Fatalf("%s: write %q: %v", p.Name, s, err)
	}
}

// ReadLine returns the next line without its LF or CRLF, or the read
// error (a timeout after Wait). It does not fail the test, so a goroutine
// of the test may call it.
//
// Telnet commands are removed, as a telnet client removes them: the server
// negotiates with a peer that ends its lines in CR LF, as Peer does.
func (p *Peer) ReadLine() (string, error) {
	_ = p.Conn.SetReadDeadline(time.Now().Add(Wait))
	line, err := p.r.ReadString('\n')
	if !p.KeepTelnet {
		line = StripTelnet(line)
	}
	if err != nil {
		return line, err
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

// StripTelnet removes telnet commands (RFC 854) from s: IAC IAC stands for
// a 0xFF data byte, IAC WILL|WONT|DO|DONT takes an option byte, IAC SB runs
// to IAC SE, and any other IAC takes one byte.
func StripTelnet(s string) string {
	const (
		iac, sb, se   = 255, 250, 240
		will, dontMax = 251, 254
	)
	if strings.IndexByte(s, iac) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != iac || i+1 >= len(s) {
			b.WriteByte(s[i])
			continue
		}
		switch c := s[i+1]; {
		case c == iac:
			b.WriteByte(iac)
			i++
		case c >= will && c <= dontMax:
			i += 2
		case c == sb:
			end := strings.Index(s[i:], string([]byte{iac, se}))
			if end < 0 {
				return b.String()
			}
			i += end + 1
		default:
			i++
		}
	}
	return b.String()
}

// Next returns the next line, failing the test if none comes.
func (p *Peer) Next() string {
	p.T.Helper()
	line, err := p.ReadLine()
	if err != nil {
		p.T.Fatalf("%s: waiting for a line: %v (partial: %q)", p.Name, err, line)
	}
	return line
}

// ExpectNext fails the test unless the very next line is want.
func (p *Peer) ExpectNext(want string) {
	p.T.Helper()
	if got := p.Next(); got != want {
		p.T.Fatalf("%s: got %q, want %q", p.Name, got, want)
	}
}

// WaitLine reads lines until match accepts one, and returns the lines read
// before it and the line itself. what names the awaited line in failures.
func (p *Peer) WaitLine(what string, match func(string) bool) (before []string, got string) {
	p.T.Helper()
	for {
		line, err := p.ReadLine()
		if err != nil {
			p.T.Fatalf("%s: waiting for %s: %v (read so far: %q)", p.Name, what, err, before)
		}
		if match(line) {
			return before, line
		}
		before = append(before, line)
	}
}

// Expect reads until the line want, returning the lines before it.
func (p *Peer) Expect(want string) []string {
	p.T.Helper()
	before, _ := p.WaitLine(strconv.Quote(want), func(l string) bool { return l == want })
	return before
}

// ExpectPrefix reads until a line starting with prefix and returns it.
func (p *Peer) ExpectPrefix(prefix string) string {
	p.T.Helper()
	_, got := p.WaitLine("prefix "+strconv.Quote(prefix), func(l string) bool { return strings.HasPrefix(l, prefix) })
	return got
}

// ExpectEOF reads until the other side closes (or resets) the connection
// and returns the lines that came first.
func (p *Peer) ExpectEOF() []string {
	p.T.Helper()
	var lines []string
	for {
		line, err := p.ReadLine()
		if err == nil {
			lines = append(lines, line)
			continue
		}
		if errors.Is(err, io.EOF) || IsReset(err) {
			return lines
		}
		p.T.Fatalf("%s: waiting for the connection to close: %v (read: %q)", p.Name, err, lines)
	}
}

// IsReset reports whether err is a connection reset by the other side,
// which ends a connection as surely as EOF when it closes with unread input.
func IsReset(err error) bool {
	return errors.Is(err, syscall.ECONNRESET)
}
