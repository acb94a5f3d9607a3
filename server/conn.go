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

	state connState
	// reason is why the connection is closing: set by Close (or by
	// OnClose from gnet's error) and reported to the Table by OnClose.
	reason session.CloseReason
}

// connState is where a connection is in its life, from the reactor's side.
// It only moves forward; OnClose is the one place that reaches connGone.
type connState uint8

const (
	connOpen    connState = iota // serving
	connClosing                  // Close was asked for reason; gnet will run OnClose
	connGone                     // OnClose ran: gnet releases c, nothing may touch it
	connRefused                  // turned away in OnOpen; it never had a session
)

// Write queues p on the connection. gnet writes it to the socket at once
// when nothing is pending and appends the rest to its outbound buffer, so p
// is never kept. A failed write makes gnet close the connection before
// Write returns, running OnClose (and Table.Closed) for it re-entrantly;
// Write then reports errGone. Output to a connection that is already
// closing is dropped, so a slow reader's buffer stops growing at the cap.
func (k *conn) Write(p []byte) error {
	switch k.state {
	case connGone, connRefused:
		return errGone
	case connClosing:
		return nil
	}
	n, err := k.c.Write(p)
	k.r.m.bytesOut.Add(uint64(n))
	if err != nil || k.state == connGone {
		return errGone
	}
	return nil
}

// Buffered is the output gnet holds for the connection that the peer has
// not taken yet.
func (k *conn) Buffered() int {
	if k.state >= connGone {
		return 0
	}
	return k.c.OutboundBuffered()
}

// Close asks gnet to close the connection. gnet's Close only queues the
// close on the loop, so the Table is not re-entered here; the loop then
// runs OnClose, which reports reason, flushes what it can without
// blocking, and closes the socket. Only the first reason counts.
func (k *conn) Close(reason session.CloseReason) {
	if k.state != connOpen {
		return
	}
	if reason == session.ReasonNone {
		reason = session.ReasonQuit
	}
	k.state, k.reason = connClosing, reason
	_ = k.c.Close()
}
