package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"teahouse/server/store"
	"teahouse/session"
)

// reactor is the gnet event handler: it maps gnet's events on its one
// event loop to calls on the session Table, and enforces the connection
// caps. Fields marked "loop" are touched only on the event loop; the rest
// are safe from any goroutine.
type reactor struct {
	gnet.BuiltinEventEngine

	opts  Options
	table *session.Table // loop
	log   *slog.Logger
	m     *counters

	// loop: connection bookkeeping.
	conns        map[*conn]struct{} // every open connection: the one count of them (m.connsOpen publishes it)
	perIP        map[netip.Addr]int
	fileCap      int // connections the open-file limit allows (0: no limit), see fileCap
	shuttingDown bool
	drainedOnce  bool
	refusedAt    time.Time // last refusal logged
	refusedQuiet int       // refusals not logged since refusedAt

	// any goroutine.
	eng         gnet.Engine // written in OnBoot, read after booted is closed
	addr        net.Addr    // likewise
	booted      chan struct{}
	drained     chan struct{}        // closed on the loop once shutting down and no connection is left
	loop        atomic.Pointer[loop] // the event loop, kept from the first OnOpen
	tickPending atomic.Bool
	flushTask   gnet.Runnable   // r.flush, made once: queued once per poll with output
	flushTimer  *time.Timer     // the one timer for output held by -coalesce (Config.Schedule)
	flushAt     atomic.Int64    // when flushTimer is due, in UnixNano
	mem         *memoryReleaser // loop
	persist     *persist        // the Table's Store
	link        *clusterLink    // the other servers; nil for a single server
}

// loop wraps the gnet.EventLoop interface for atomic.Pointer.
type loop struct{ gnet.EventLoop }

func newReactor(opts Options, cfg session.Config, log *slog.Logger, db store.Store) *reactor {
	r := &reactor{
		opts:    opts,
		log:     log,
		m:       new(counters),
		conns:   make(map[*conn]struct{}),
		fileCap: fileCap(),
		perIP:   make(map[netip.Addr]int),
		booted:  make(chan struct{}),
		drained: make(chan struct{}),
	}
	r.flushTask = gnet.RunnableFunc(r.flush)
	r.mem = newMemoryReleaser()
	r.persist = newPersist(db, opts.kdf, log, r.complete)
	cfg.DeferFlush = r.requestFlush
	r.flushTimer = time.AfterFunc(time.Hour, r.timerFired)
	r.flushTimer.Stop()
	cfg.Schedule = r.schedule
	cfg.Store = r.persist
	cfg.Audit = r.audit
	cfg.Fault = r.fault
	r.table = session.NewTable(cfg)
	return r
}

// requestFlush is the Table's DeferFlush: called on the loop when output is
// waiting, it queues one flush as a loop task. gnet runs tasks only after
// the events of a poll: Execute wakes the loop through its eventfd, which
// the next epoll_wait (a non-blocking one) reports, and the task runs after
// that wait's events too. So everything those events produced (all the
// lines of all the senders whose input arrived together) reaches each
// recipient in one write: one system call per recipient per poll rather
// than per line. The Table asks again only after the flush has run. A
// connection that closes before then is flushed alone in OnClose.
func (r *reactor) requestFlush() {
	if l := r.loop.Load(); l != nil && l.Execute(context.Background(), r.flushTask) == nil {
		return
	}
	// No loop to queue on (the engine is stopping): we are on the loop
	// already, so flush now.
	r.table.Flush()
}

// schedule is the Table's Config.Schedule: called on the loop when output
// held for -coalesce is due in d, it (re)arms the server's one timer. The
// Table asks again only for an earlier time, or once the last request's
// time has come; a timer per connection would cost a goroutine or an
// allocation each, and a ticker would wake an idle server for nothing.
func (r *reactor) schedule(d time.Duration) {
	r.flushAt.Store(time.Now().Add(d).UnixNano())
	r.flushTimer.Reset(d)
}

// timerFired runs on the timer's goroutine: it queues the flush on the
// loop, where held output that is due is written. The Table's request is
// answered only once its time has come, so a timer that fires early waits
// out the rest.
func (r *reactor) timerFired() {
	if early := r.flushAt.Load() - time.Now().UnixNano(); early > 0 {
		r.flushTimer.Reset(time.Duration(early))
		return
	}
	if l := r.loop.Load(); l != nil {
		_ = l.Execute(context.Background(), r.flushTask)
	}
}

// complete hands fn, the result of work done off the loop (a password
// check, a store write), to the loop as a Table entry point. After the
// engine has stopped there is nobody left to tell, and fn is dropped.
func (r *reactor) complete(fn func()) {
	l := r.loop.Load()
	if l == nil {
		return // no session ever existed to ask for it
	}
	_ = l.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		r.table.Complete(fn)
		return nil
	}))
}

// audit logs an operator action or a failed login, and counts it. It
// never sees a password.
func (r *reactor) audit(e session.AuditEvent) {
	r.m.audited(e.Action)
	r.log.Info("audit", "action", e.Action, "actor", e.Actor, "target", e.Target, "remote", e.Remote, "detail", e.Detail)
}

// fault logs a store operation that failed; the user was told what did not
// happen.
func (r *reactor) fault(what string, err error) {
	r.log.Error("store operation failed", "op", what, "err", err)
}

// flush is the queued flush task.
func (r *reactor) flush(context.Context) error {
	r.table.Flush()
	return nil
}

// OnBoot keeps the engine and learns the bound address (the port may have
// been 0) from a duplicate of the listening socket.
func (r *reactor) OnBoot(eng gnet.Engine) gnet.Action {
	r.eng = eng
	addr, err := listenerAddr(eng)
	if err != nil {
		r.log.Error("cannot read the listening address", "err", err)
		return gnet.Shutdown
	}
	r.addr = addr
	close(r.booted)
	return gnet.None
}

func listenerAddr(eng gnet.Engine) (net.Addr, error) {
	fd, err := eng.Dup()
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "listener")
	defer f.Close()
	ln, err := net.FileListener(f)
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	return ln.Addr(), nil
}

// OnOpen admits or refuses a connection and opens its session.
func (r *reactor) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	if r.loop.Load() == nil {
		r.loop.Store(&loop{c.EventLoop()})
		if r.link != nil {
			r.link.setLoop(c.EventLoop())
		}
	}
	r.m.connsTotal.Add(1)
	ip := remoteIP(c.RemoteAddr())
	why := r.admit(ip)
	if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok && why == "" {
		if b, banned := r.table.AddrBan(ta.AddrPort().Addr()); banned {
			why = session.BanNotice(b, time.Now())
		}
	}
	if why != "" {
		c.SetContext(&conn{state: connRefused})
		r.logRefusal(c.RemoteAddr(), why)
		return session.ReplyLine(why), gnet.Close
	}

	k := &conn{c: c, r: r, ip: ip, remote: addrString(c.RemoteAddr()), since: time.Now()}
	c.SetContext(k)
	r.conns[k] = struct{}{}
	r.perIP[ip]++
	r.m.connsOpen.Store(int64(len(r.conns)))
	r.log.Debug("open", "remote", k.remote, "open", len(r.conns))

	// The Table defers its output (DeferFlush), so Open writes nothing
	// and cannot see this connection fail before k.sess is set.
	k.sess = r.table.Open(k, k.remote)
	return nil, gnet.None
}

// admit returns why a new connection from ip must be refused, or "".
func (r *reactor) admit(ip netip.Addr) string {
	switch {
	case r.shuttingDown:
		return "server shutting down, try again later"
	case r.opts.MaxClients > 0 && len(r.conns) >= r.opts.MaxClients,
		r.fileCap > 0 && len(r.conns) >= r.fileCap:
		return "server full, try again later"
	case r.opts.MaxPerIP > 0 && !ip.IsLoopback() && r.perIP[ip] >= r.opts.MaxPerIP:
		return fmt.Sprintf("too many connections from your address (limit %d)", r.opts.MaxPerIP)
	}
	return ""
}

// logRefusal warns about a refusal, at most once a second with a count of
// the ones in between, so a connection storm cannot flood the log.
func (r *reactor) logRefusal(remote net.Addr, why string) {
	now := time.Now()
	if now.Sub(r.refusedAt) < time.Second {
		r.refusedQuiet++
		return
	}
	r.log.Warn("connection refused", "remote", addrString(remote), "why", why, "also_refused", r.refusedQuiet)
	r.refusedAt, r.refusedQuiet = now, 0
}

// OnTraffic feeds everything gnet has read to the session: Peek, handle,
// Discard. The session copies what it keeps, and the peeked slice is not
// touched after Discard (gnet v2.10.0 reuses it). Input of a connection
// that is already closing is discarded unread.
func (r *reactor) OnTraffic(c gnet.Conn) gnet.Action {
	k, _ := c.Context().(*conn)
	buf, _ := c.Peek(-1)
	n := len(buf)
	r.m.bytesIn.Add(uint64(n))
	if k == nil || k.state != connOpen {
		_, _ = c.Discard(n)
		return gnet.None
	}
	k.sess.CollectIncomingData(buf)
	if k.state == connGone {
		// A write to this connection failed while handling its input and
		// gnet has already released it: leave it alone.
		return gnet.None
	}
	_, _ = c.Discard(n)
	return gnet.None
}

// OnClose removes the connection and tells the Table. It can run inside a
// Write to this connection made while handling another (a broadcast): the
// Table allows that, and from here on conn drops everything.
func (r *reactor) OnClose(c gnet.Conn, err error) gnet.Action {
	k, _ := c.Context().(*conn)
	if k == nil {
		return gnet.None
	}
	switch k.state {
	case connRefused:
		r.m.closed(session.ReasonRefused)
		return gnet.None
	case connGone:
		return gnet.None
	case connOpen:
		// The output of this poll waits for the flush task, which runs
		// after gnet has closed the connection. When the peer's lines
		// and its FIN were read together (`printf ... | nc -N`), their
		// replies are still queued: hand them to gnet now, which writes
		// its outbound buffer before closing the socket. The peer only
		// shut its writing side, so it still reads them. A connection
		// the server is closing has been flushed already (Write drops
		// output after Close), and on a broken one the write just fails.
		r.table.FlushSession(k.sess)
		k.reason = r.reasonFor(err)
		if why := k.sess.Reason(); why != session.ReasonNone {
			k.reason = why // a /quit read with the FIN is still a quit
		}
	}
	k.state = connGone
	delete(r.conns, k)
	if r.perIP[k.ip]--; r.perIP[k.ip] <= 0 {
		delete(r.perIP, k.ip)
	}
	r.m.connsOpen.Store(int64(len(r.conns)))
	r.m.closed(k.reason)

	attrs := []any{"remote", k.remote, "reason", k.reason.Label(), "duration", time.Since(k.since).Round(time.Millisecond)}
	if k.sess.Nick() != "" {
		attrs = append(attrs, "nick", k.sess.Nick())
	}
	if k.reason == session.ReasonTooSlow {
		r.log.Warn("slow reader disconnected", append(attrs, "unsent_bytes", c.OutboundBuffered(), "max_out", r.opts.MaxOut)...)
	} else {
		if err != nil && k.reason != session.ReasonEOF {
			attrs = append(attrs, "err", err)
		}
		r.log.Debug("close", attrs...)
	}

	r.table.Closed(k.sess, k.reason)
	r.checkDrained()
	return gnet.None
}

// reasonFor maps gnet's close error when no reason was asked for.
func (r *reactor) reasonFor(err error) session.CloseReason {
	var se *os.SyscallError
	switch {
	case err == nil && r.shuttingDown:
		return session.ReasonShutdown
	case err == nil, errors.Is(err, io.EOF):
		return session.ReasonEOF
	case errors.As(err, &se) && se.Syscall == "write":
		return session.ReasonWriteError
	default:
		return session.ReasonReadError
	}
}

// OnTick runs on gnet's ticker goroutine, not on the loop, so it only
// queues the Table's housekeeping onto the loop. A tick still waiting
// there is not queued twice.
func (r *reactor) OnTick() (time.Duration, gnet.Action) {
	if l := r.loop.Load(); l != nil && r.tickPending.CompareAndSwap(false, true) {
		if err := l.Execute(context.Background(), gnet.RunnableFunc(r.tick)); err != nil {
			r.tickPending.Store(false)
		}
	}
	return TickInterval, gnet.None
}

func (r *reactor) tick(context.Context) error {
	r.tickPending.Store(false)
	r.fileCap = fileCap()
	if !r.shuttingDown {
		r.table.Tick()
	}
	if r.mem.check() {
		r.log.Debug("returning freed memory to the OS")
	}
	return nil
}

// beginShutdown is called off the loop: it queues the shutdown onto the
// loop and returns at once. Watch r.drained for the end.
func (r *reactor) beginShutdown() {
	l := r.loop.Load()
	if l == nil {
		// No connection was ever opened, so there is no one to tell.
		return
	}
	_ = l.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		r.shutdown()
		return nil
	}))
}

// shutdown runs on the loop: refuse new connections, tell every session,
// and close every connection after its output is flushed.
func (r *reactor) shutdown() {
	if r.shuttingDown {
		return
	}
	r.shuttingDown = true
	r.table.Shutdown()
	// Write the notices now, not in the deferred flush: closing the rest
	// below would make their connections drop it.
	r.table.Flush()
	// The Table closes every session it knows; close any it did not.
	for k := range r.conns {
		k.Close(session.ReasonShutdown)
	}
	r.checkDrained()
}

func (r *reactor) checkDrained() {
	if r.shuttingDown && len(r.conns) == 0 && !r.drainedOnce {
		r.drainedOnce = true
		close(r.drained)
	}
}

// remoteIP returns the -max-per-ip key of a peer address: the IPv4
// address (IPv4-mapped ones unmapped), or the /64 an IPv6 address is in,
// since one IPv6 host usually holds a whole /64.
func remoteIP(a net.Addr) netip.Addr {
	ta, ok := a.(*net.TCPAddr)
	if !ok {
		return netip.Addr{}
	}
	ip := ta.AddrPort().Addr().Unmap()
	if ip.Is6() && !ip.IsLoopback() {
		if p, err := ip.WithZone("").Prefix(64); err == nil {
			return p.Addr()
		}
	}
	return ip
}

func addrString(a net.Addr) string {
	if a == nil {
		return ""
	}
	return a.String()
}
