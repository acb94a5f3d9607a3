package session

import (
	"math"
	"time"
)

// Output buffers kept for reuse: enough for the sessions one event produces
// output for, none so large that an idle server holds much.
const (
	maxFreeBufs   = 4096
	maxKeptBufCap = 16 << 10
	newBufCap     = 256
)

// maxHeld is the most output a session holds back for Config.Coalesce:
// past it a write is already large enough to pay for its system call, so
// it leaves at once (and the slow-reader check sees it).
const maxHeld = 16 << 10

// neverWritten is a session's lastWrite before its first write: far enough
// in the past that its first output is never held.
const neverWritten = math.MinInt64 / 2

// output is the Table's flush pipeline: the sessions with queued output
// and the free buffers their output is queued in.
type output struct {
	dirty []*Session // sessions with output to flush
	bufs  [][]byte   // free output buffers
	// bufsLow is the fewest free buffers there were since the last trim:
	// that many went unused for a whole tick and are let go.
	bufsLow      int
	flushPending bool // DeferFlush was called and Flush has not run yet

	// held are the sessions whose output waits for their coalescing
	// window to end (Config.Coalesce), in no order; entries whose output
	// left by another way are dropped at the next scan. due is the
	// earliest time one of them may be written, armed the time the
	// reactor was last asked (Config.Schedule) to flush at, 0 for none;
	// both in ns since Table.epoch.
	held  []*Session
	due   int64
	armed int64
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

// deliver renders m for this session alone and queues it. A session whose
// connection is already closing (or gone) gets nothing: it could not be
// written.
func (s *Session) deliver(m *Message) {
	if s.state >= stateClosed {
		return
	}
	s.queue()
	s.out = s.t.render.appendLine(s.out, m, s.settings.render())
	s.t.deliveries++
	s.checkHeld()
}

// send queues an already rendered line (from a broadcast cache), unless
// the session's connection is already closing.
func (s *Session) send(line []byte) {
	if s.state >= stateClosed {
		return
	}
	s.queue()
	s.out = append(s.out, line...)
	s.checkHeld()
}

// queue makes sure the session has an output buffer and is on the Table's
// list of sessions to flush. A session holding output for its coalescing
// window is not: what it gets now leaves with what it holds, when the
// window ends, unless the session is ending, which writes everything at
// once.
func (s *Session) queue() {
	if s.out == nil {
		s.out = s.t.out.take()
	}
	if !s.dirty && (!s.holding || s.state >= stateLeaving) {
		s.markDirty()
	}
}

// checkHeld puts a session that holds maxHeld bytes or more back on the
// list to flush: that much output pays for its write without waiting.
func (s *Session) checkHeld() {
	if s.holding && !s.dirty && len(s.out) >= maxHeld {
		s.markDirty()
	}
}

// markDirty puts s on the Table's list of sessions to flush.
func (s *Session) markDirty() {
	s.dirty = true
	s.t.out.dirty = append(s.t.out.dirty, s)
}

// Flush writes all queued output that is due, one Conn.Write per session,
// and drops sessions whose readers have fallen too far behind. With
// Config.DeferFlush the reactor calls it on the loop after DeferFlush asks,
// and after the delay Config.Schedule gave; without, every entry point
// already has.
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
// after the close and find the session gone. Output held for the
// coalescing window leaves too. The connection may then fail the write; as
// for any Write, the reactor reports that close itself. Only the write is
// done: closing after /quit and the slow-reader check are Flush's, and
// pointless for a connection that is closing anyway.
func (t *Table) FlushSession(s *Session) {
	if s.state >= stateClosed || len(s.out) == 0 {
		return
	}
	out := s.out
	s.out = nil // s stays on the dirty or held list; Flush finds nothing left to write
	_ = s.conn.Write(out)
	t.out.put(out)
}

// flushDirty writes the held output that is due, then flushes every
// session on the dirty list, including those that flushing itself adds
// (leave announcements for a slow reader), and asks the reactor for a
// flush when the earliest output still held is due.
func (t *Table) flushDirty() {
	// Conn.Write may report a dead connection by calling Closed from inside
	// it; the raised depth keeps that nested entry from flushing, and the
	// loop below picks up whatever it queued.
	t.depth++
	now := t.nanos()
	if len(t.out.held) > 0 && now >= t.out.due {
		t.flushHeld(now)
	}
	for i := 0; i < len(t.out.dirty); i++ {
		t.flush(t.out.dirty[i], now)
	}
	clear(t.out.dirty)
	t.out.dirty = t.out.dirty[:0]
	t.depth--
	t.arm(now)
	t.publish()
}

// flush hands s's queued output to its connection, or holds it for the
// rest of s's coalescing window.
func (t *Table) flush(s *Session, now int64) {
	s.dirty = false
	if !t.hold(s, now) {
		t.write(s, now)
	}
}

// hold keeps s's output back, and reports whether it did: only when
// coalescing is on, s was written less than Config.Coalesce ago, is not
// ending, and holds less than maxHeld. A connection that has been quiet for
// a window is written at once; a busy one once per window, with everything
// its window gathered.
func (t *Table) hold(s *Session, now int64) bool {
	if t.cfg.Coalesce <= 0 || s.state >= stateLeaving || len(s.out) == 0 || len(s.out) >= maxHeld {
		return false
	}
	due := s.lastWrite + int64(t.cfg.Coalesce)
	if due <= now {
		return false
	}
	if !s.holding {
		s.holding = true
		if len(t.out.held) == 0 || due < t.out.due {
			t.out.due = due
		}
		t.out.held = append(t.out.held, s)
	}
	return true
}

// flushHeld writes the held sessions whose window has ended and keeps the
// rest, noting when the earliest of them is due. Sessions that ended or
// whose output left otherwise (FlushSession, an end) are dropped.
func (t *Table) flushHeld(now int64) {
	keep := t.out.held[:0]
	due := int64(math.MaxInt64)
	// Nothing below appends to held: a nested Closed queues on the dirty
	// list, which flushDirty handles next.
	for _, s := range t.out.held {
		if s.state >= stateClosed || len(s.out) == 0 {
			s.holding = false
			t.out.put(s.out)
			s.out = nil
			continue
		}
		if d := s.lastWrite + int64(t.cfg.Coalesce); d > now && s.state < stateLeaving && len(s.out) < maxHeld {
			keep = append(keep, s)
			due = min(due, d)
			continue
		}
		s.holding = false
		t.write(s, now)
	}
	clear(t.out.held[len(keep):])
	t.out.held = keep
	t.out.due = due
}

// arm asks the reactor, through Config.Schedule, for a flush when the
// earliest held output is due, unless it was already asked for that time
// or earlier. A request whose time has come is taken as answered: the
// Flush that answers it is this one or is already on its way.
func (t *Table) arm(now int64) {
	if t.out.armed != 0 && t.out.armed <= now {
		t.out.armed = 0
	}
	if len(t.out.held) == 0 || (t.out.armed != 0 && t.out.armed <= t.out.due) {
		return
	}
	t.out.armed = t.out.due
	t.cfg.Schedule(time.Duration(t.out.due - now))
}

// write hands s's queued output to its connection, closes it if it is
// ending, and drops it if its reader has fallen too far behind.
func (t *Table) write(s *Session, now int64) {
	out := s.out
	s.out = nil
	defer t.out.put(out)
	if s.state >= stateClosed {
		return
	}
	if len(out) > 0 {
		if s.conn.Write(out) != nil {
			return // the reactor reports the close
		}
		s.lastWrite = now
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

// nanos is the Table's clock (t.now) in nanoseconds since the Table was
// made, on the monotonic clock when Config.Now gives one.
func (t *Table) nanos() int64 { return int64(t.now.Sub(t.epoch)) }
