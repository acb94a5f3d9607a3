package main

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"teahouse/session/wire"
)

// readBuffer is the size of one read from the server.
const readBuffer = 4096

// link is the client's TCP connection. Lines go out encoded in the session's
// charset and ended with CRLF; lines come in through session's Framer and
// Codec, the same code the server frames and decodes its input with.
type link struct {
	conn    net.Conn
	addr    string
	charset wire.Charset

	wmu  sync.Mutex  // serialises writes: keyboard and reader both send
	enc  *wire.Codec // guarded by wmu: a Codec is not safe for concurrent use
	wbuf []byte      // guarded by wmu
}

// dialError says where the client tried to connect and why it could not.
type dialError struct {
	addr string
	err  error
}

// Error is the one line shown on stderr.
func (e *dialError) Error() string {
	return fmt.Sprintf("cannot connect to %s: %s", e.addr, reason(e.err))
}

// Unwrap gives the network error, for errors.Is.
func (e *dialError) Unwrap() error { return e.err }

// dial connects to addr within dialTimeout.
func dial(addr string, cs wire.Charset) (*link, error) {
	conn, err := net.DialTimeout("tcp", addr, dialTimeout)
	if err != nil {
		return nil, &dialError{addr: addr, err: err}
	}
	return &link{conn: conn, addr: addr, charset: cs, enc: wire.NewCodec()}, nil
}

// send writes one line. Safe for concurrent use.
func (l *link) send(line string) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.wbuf = l.enc.Encode(l.wbuf[:0], l.charset, []byte(line))
	l.wbuf = append(l.wbuf, '\r', '\n')
	if err := l.conn.SetWriteDeadline(time.Now().Add(writeTimeout)); err != nil {
		return err
	}
	_, err := l.conn.Write(l.wbuf)
	return err
}

// close ends the connection; a blocked readLines returns.
func (l *link) close() { l.conn.Close() }

// readLines reads the server until the connection ends, calling handle with
// each line decoded to UTF-8 and sanitized. It returns the read error
// (io.EOF when the server closed cleanly). Run it in one goroutine only.
func (l *link) readLines(handle func(text string)) error {
	f := wire.NewFramer(maxServerLine, true) // the server negotiates with CR LF clients: drop its commands
	sink := &lineSink{codec: wire.NewCodec(), charset: l.charset, handle: handle}
	buf := make([]byte, readBuffer)
	for {
		n, err := l.conn.Read(buf)
		if n > 0 {
			f.Feed(buf[:n], sink)
		}
		if err != nil {
			return err
		}
	}
}

// overlongNotice replaces a server line longer than maxServerLine.
const overlongNotice = "-> (a line from the server was too long to show)"

// lineSink turns framed server lines into clean UTF-8 text.
type lineSink struct {
	codec   *wire.Codec
	charset wire.Charset
	// gbkSeen is set by the first line that is not UTF-8: from then on the
	// server is known to speak GBK and every line is decoded as GBK.
	gbkSeen bool
	handle  func(text string)
	dec     []byte // scratch for decoding
	clean   []byte // scratch for sanitizing
}

// FoundTerminator decodes, sanitizes and hands on one line.
func (s *lineSink) FoundTerminator(line []byte) {
	cs := s.charset
	if cs == wire.GBK && !s.gbkSeen {
		// The server starts every session in UTF-8 and switches to GBK only
		// after our /charset or our first GBK line, so the welcome and the
		// replayed history arrive in UTF-8. Lines of GBK Chinese are very
		// rarely valid UTF-8 (most GBK bytes are UTF-8 continuation bytes
		// or illegal), so validity tells the two apart until GBK shows up.
		if utf8.Valid(line) {
			cs = wire.UTF8
		} else {
			s.gbkSeen = true
		}
	}
	s.dec = s.codec.Decode(s.dec[:0], cs, line)
	// Defence in depth: the server sanitizes what users say, but the
	// client should not trust any peer to leave its terminal alone.
	s.clean = wire.Sanitize(s.clean[:0], s.dec)
	s.handle(string(s.clean))
}

// LineTooLong reports a dropped line instead of silently losing it.
func (s *lineSink) LineTooLong() { s.handle(overlongNotice) }

// TelnetReply is never called: the framer runs with telnet off.
func (s *lineSink) TelnetReply([]byte) {}

// reason is the human part of a network error: "connection refused" rather
// than "dial tcp 127.0.0.1:6666: connect: connection refused", because the
// message already says where.
func reason(err error) string {
	var errno syscall.Errno
	if errors.As(err, &errno) {
		return errno.Error()
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.Err + " (" + dns.Name + ")"
	}
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return "timed out"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	return err.Error()
}
