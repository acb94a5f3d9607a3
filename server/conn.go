package main

import (
	"errors"
	"net/netip"
	"time"

	"github.com/panjf2000/gnet/v2"

	"teahouse/session"
)

// errGone is what conn.Write returns once gnet has closed the connection.
var errGone = errors.New("connection closed")

// conn is the per-connection context (gnet.Conn.SetContext) and the
// session's way out (session.Conn) over one gnet connection. Every field
// and method belongs to the event loop.
type conn struct {
	c      gnet.Conn
	r      *reactor
	sess   *session.Session // nil until Table.Open returns
	ip     netip.Addr
	remote string
	since  time.Time

	// reason is why the connection is closing: set by Close (or by
	// OnClose from gnet's error) and reported to the Table by OnClose.
	reason session.CloseReason
	// closed is set as OnClose starts: gnet is about to release the
	// connection, so nothing may touch c again.
	closed bool
	// refused marks a connection turned away in OnOpen; it never had a session.
	refused bool
}

// Write queues p on the connection. gnet writes it to the socket at once
// when nothing is pending and appends the rest to its outbound buffer, so p
// is never kept. A failed write makes gnet close the connection before
// Write returns, running OnClose (and Table.Closed) for it re-entrantly;
// Write then reports errGone. Output to a connection that is already
// closing is dropped, so a slow reader's buffer stops growing at the cap.
func (k *conn) Write(p []byte) error {
	if k.closed {
		return errGone
	}
	if k.reason != session.ReasonNone {
		return nil
	}
	n, err := k.c.Write(p)
	k.r.m.bytesOut.Add(uint64(n))
	if err != nil || k.closed {
		return errGone
	}
	return nil
}

// Buffered is the output gnet holds for the connection that the peer has
// not taken yet.
func (k *conn) Buffered() int {
	if k.closed {
		return 0
	}
	return k.c.OutboundBuffered()
}

// Close asks gnet to close the connection. gnet's Close only queues the
// close on the loop, so the Table is not re-entered here; the loop then
// runs OnClose, which reports reason, flushes what it can without
// blocking, and closes the socket. Only the first reason counts.
func (k *conn) Close(reason session.CloseReason) {
	if k.closed || k.reason != session.ReasonNone {
		return
	}
	if reason == session.ReasonNone {
		reason = session.ReasonQuit
	}
	k.reason = reason
	_ = k.c.Close()
}
