package session

// Output buffers kept for reuse: enough for the sessions one event produces
// output for, none so large that an idle server holds much.
const (
	maxFreeBufs   = 4096
	maxKeptBufCap = 16 << 10
	newBufCap     = 256
)

// output is the Table's flush pipeline: the sessions with queued output
// and the free buffers their output is queued in.
type output struct {
	dirty []*Session // sessions with output to flush
	bufs  [][]byte   // free output buffers
	// bufsLow is the fewest free buffers there were since the last trim:
	// that many went unused for a whole tick and are let go.
	bufsLow      int
	flushPending bool // DeferFlush was called and Flush has not run yet
}

// take returns an empty output buffer.
func (o *output) take() []byte {
	if n := len(o.bufs); n > 0 {
		b := o.bufs[n-1]
		o.bufs[n-1] = nil
		o.bufs = o.bufs[:n-1]
		o.bufsLow = min(o.bufsLow, n-1)
		return b
	}
	return make([]byte, 0, newBufCap)
}

// put keeps b for reuse unless it grew large.
func (o *output) put(b []byte) {
	if b == nil || cap(b) > maxKeptBufCap || len(o.bufs) >= maxFreeBufs {
		return
	}
	o.bufs = append(o.bufs, b[:0])
}

// trim lets go of the free buffers that no flush needed since the last
// trim. A busy server keeps what its broadcasts use, so they stay free of
// allocations; an idle one holds none, however big the last join storm was
// (a free buffer per recipient would otherwise cost every idle connection
// kilobytes).
func (o *output) trim() {
	n := min(o.bufsLow, len(o.bufs))
	clear(o.bufs[:n])
	o.bufs = append(o.bufs[:0], o.bufs[n:]...)
	o.bufsLow = len(o.bufs)
}

// deliver renders m for this session alone and queues it.
func (s *Session) deliver(m *Message) {
	if s.state == stateGone {
		return
	}
	s.queue()
	s.out = s.t.render.appendLine(s.out, m, s.settings.render())
	s.t.deliveries++
}

// send queues an already rendered line (from a broadcast cache).
func (s *Session) send(line []byte) {
	s.queue()
	s.out = append(s.out, line...)
}

// queue makes sure the session has an output buffer and is on the Table's
// list of sessions to flush.
func (s *Session) queue() {
	if s.out == nil {
		s.out = s.t.out.take()
	}
	if !s.dirty {
		s.dirty = true
		s.t.out.dirty = append(s.t.out.dirty, s)
	}
}

// Flush writes all queued output, one Conn.Write per session, and drops
// sessions whose readers have fallen too far behind. With
// Config.DeferFlush the reactor calls it on the loop after DeferFlush asks;
// without, every entry point already has.
func (t *Table) Flush() {
	t.out.flushPending = false
	if t.depth == 0 {
		t.now = t.cfg.Now()
	}
	t.flushDirty()
}

// FlushSession writes s's queued output to its connection now, ahead of the
// deferred Flush, and leaves everyone else's queued for it. A reactor calls
// it when a connection is about to close in the same poll that produced its
// output (the peer's lines and its FIN read together): the Flush would come
// after the close and find the session gone. The connection may then fail
// the write; as for any Write, the reactor reports that close itself. Only
// the write is done: closing after /quit and the slow-reader check are
// Flush's, and pointless for a connection that is closing anyway.
func (t *Table) FlushSession(s *Session) {
	if s.state >= stateClosed || len(s.out) == 0 {
		return
	}
	out := s.out
	s.out = nil // s stays on the dirty list; Flush finds nothing left to write
	_ = s.conn.Write(out)
	t.out.put(out)
}

// flushDirty flushes every session on the dirty list, including those that
// flushing itself adds (leave announcements for a slow reader).
func (t *Table) flushDirty() {
	// Conn.Write may report a dead connection by calling Closed from inside
	// it; the raised depth keeps that nested entry from flushing, and the
	// loop below picks up whatever it queued.
	t.depth++
	for i := 0; i < len(t.out.dirty); i++ {
		t.flush(t.out.dirty[i])
	}
	clear(t.out.dirty)
	t.out.dirty = t.out.dirty[:0]
	t.depth--
	t.publish()
}

// flush hands s's queued output to its connection, closes it if it is
// ending, and drops it if its reader has fallen too far behind.
func (t *Table) flush(s *Session) {
	s.dirty = false
	out := s.out
	s.out = nil
	defer t.out.put(out)
	if s.state >= stateClosed {
		return
	}
	if len(out) > 0 && s.conn.Write(out) != nil {
		return // the reactor reports the close
	}
	switch {
	case s.state == stateGone:
	case s.state == stateLeaving:
		s.state = stateClosed
		s.conn.Close(s.reason)
	case t.cfg.MaxOut > 0 && s.conn.Buffered() > t.cfg.MaxOut:
		t.stats.DropsSlow.Add(1)
		t.end(s, ReasonTooSlow, ReasonTooSlow.String())
	}
}
