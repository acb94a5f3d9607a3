package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

const (
	// firstSourceHost and lastSourceHost bound x in the 127.0.0.x source
	// addresses connections are spread over, so that ephemeral ports never
	// run out and the only ceiling is the fd limit.
	firstSourceHost = 2
	lastSourceHost  = 250

	// dialTimeout bounds one connect.
	dialTimeout = 5 * time.Second

	// loginTimeout bounds nickname-to-join for one client, and for a
	// whole mass login (see env.loginAll).
	loginTimeout = 2 * time.Minute

	// loginAllowance is added to a mass login's deadline per client.
	loginAllowance = 20 * time.Millisecond

	// readBufferSize is the load generator's bufio.Reader size for clients
	// that receive traffic; idleReadBufferSize is for idle and churn clients,
	// which only see short announcements.
	readBufferSize     = 4096
	idleReadBufferSize = 256

	// refusalGrace is how long a login waits for its join announcement
	// after a line starting "-> ". Such a line is how a refusal begins, but a
	// server may also greet with one ("-> hello alice!") right before the
	// join; a refused user hears nothing more, so silence means refusal.
	refusalGrace = 3 * time.Second

	// joinSuffix ends the announcement that a user entered the room; the
	// joiner's own announcement is the sign that its login succeeded.
	joinSuffix = " joined #lobby"
)

// announcePrefix starts the server's announcements to a room.
var announcePrefix = []byte("*** ")

// refusalPrefix starts the server's reply to a refused nickname.
var refusalPrefix = []byte("-> ")

// errRefused is returned when the server refuses a nickname.
var errRefused = errors.New("nickname refused")

// dialer opens connections to the target, each from the next 127.0.0.x
// source address when the target is IPv4 loopback.
type dialer struct {
	target *net.TCPAddr
	next   atomic.Uint32
}

// dial connects to the target.
func (d *dialer) dial(ctx context.Context) (*net.TCPConn, error) {
	nd := net.Dialer{Timeout: dialTimeout}
	if d.target.IP.To4() != nil {
		x := firstSourceHost + d.next.Add(1)%(lastSourceHost-firstSourceHost+1)
		nd.LocalAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(x))}
		nd.Control = bindAddressNoPort
	}
	c, err := nd.DialContext(ctx, "tcp", d.target.String())
	if err != nil {
		return nil, err
	}
	return c.(*net.TCPConn), nil
}

// bindAddressNoPort lets the kernel choose the source port at connect time,
// per destination, instead of at bind time, per source address.
func bindAddressNoPort(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_IP, unix.IP_BIND_ADDRESS_NO_PORT, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

// client is one logged-in connection of the load generator. Until a
// reactor detaches it, it is conn read through r; after, fd alone.
type client struct {
	conn   *net.TCPConn
	r      *bufio.Reader
	fd     int
	nick   string
	closed atomic.Bool
}

// connect opens a connection for the user nick, not yet logged in. r, when
// not nil, is reset and reused as the client's reader; otherwise one of
// bufSize bytes is made.
func connect(ctx context.Context, d *dialer, nick string, r *bufio.Reader, bufSize int) (*client, error) {
	conn, err := d.dial(ctx)
	if err != nil {
		return nil, err
	}
	if r == nil {
		r = bufio.NewReaderSize(conn, bufSize)
	} else {
		r.Reset(conn)
	}
	return &client{conn: conn, r: r, fd: -1, nick: nick}, nil
}

// login connects, sends the nickname and reads until the client's own join
// announcement; churn's cycles log in this way, one at a time.
func login(ctx context.Context, d *dialer, nick string, r *bufio.Reader) (*client, error) {
	c, err := connect(ctx, d, nick, r, 0)
	if err != nil {
		return nil, err
	}
	err = c.sendNick()
	if err == nil {
		_, err = c.awaitJoin(time.Now().Add(loginTimeout))
	}
	if err != nil {
		c.conn.Close()
		return nil, err
	}
	return c, nil
}

// sendNick sends the nickname line.
func (c *client) sendNick() error {
	c.conn.SetWriteDeadline(time.Now().Add(loginTimeout))
	defer c.conn.SetWriteDeadline(time.Time{})
	_, err := c.conn.Write([]byte(c.nick + "\n"))
	return err
}

// joinsIn is how many join announcements a line that is not a delivery
// stands for: a crowd summary ("*** 37 joined, 12 left #lobby: …", what
// the server sends instead of one line per person in a room past -crowd)
// stands for its count, any other line for one. Login waits count joins
// this way, so they wait for what the server announces whichever way it
// announces it.
func joinsIn(line []byte) int64 {
	rest, ok := bytes.CutPrefix(line, announcePrefix)
	if !ok || bytes.HasSuffix(line, []byte(joinSuffix)) { // "*** 42 joined #lobby" is a user called 42
		return 1
	}
	i := 0
	for i < len(rest) && i < 9 && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	if i == 0 || !bytes.HasPrefix(rest[i:], []byte(" joined")) {
		return 1
	}
	n, err := strconv.ParseInt(string(rest[:i]), 10, 64)
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// awaitJoin reads until the client's own join announcement, which is the
// sign its login succeeded, or until deadline. It returns how many other
// users' join announcements came first: a server may add a user to the room
// before announcing it, so in a crowd it can hear a neighbour's join first.
func (c *client) awaitJoin(deadline time.Time) (early int, err error) {
	c.conn.SetReadDeadline(deadline)
	defer c.conn.SetReadDeadline(time.Time{})
	want := []byte("*** " + c.nick + joinSuffix)
	var reply []byte
	for {
		line, err := readLine(c.r)
		if err != nil {
			if reply != nil && errors.Is(err, os.ErrDeadlineExceeded) {
				err = fmt.Errorf("%w: %s", errRefused, reply)
			}
			return early, fmt.Errorf("login %s: %w", c.nick, err)
		}
		if bytes.Equal(line, want) {
			return early, nil
		}
		if bytes.HasPrefix(line, announcePrefix) && bytes.HasSuffix(line, []byte(joinSuffix)) {
			early++
		}
		if bytes.HasPrefix(line, refusalPrefix) && reply == nil {
			reply = bytes.Clone(line)
			c.conn.SetReadDeadline(time.Now().Add(refusalGrace))
		}
	}
}

// readLine returns the next line without its terminator. The slice is only
// valid until the next read. A line longer than the buffer is skipped and
// returned as empty.
func readLine(r *bufio.Reader) ([]byte, error) {
	line, err := r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		for err == bufio.ErrBufferFull {
			_, err = r.ReadSlice('\n')
		}
		if err != nil {
			return nil, err
		}
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// closeAbruptly closes the connection with a reset, so neither side keeps
// it in TIME_WAIT; it is how the load generator lets go of clients whose
// measurements are done. Only the first call closes: a detached client's
// descriptor number may belong to another file after that.
func (c *client) closeAbruptly() {
	if c.closed.Swap(true) {
		return
	}
	if c.conn != nil {
		c.conn.SetLinger(0)
		c.conn.Close()
		return
	}
	if c.fd >= 0 {
		unix.SetsockoptLinger(c.fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
		unix.Close(c.fd)
	}
}
