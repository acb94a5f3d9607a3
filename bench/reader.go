package main

import (
	"bytes"
	"fmt"
	"io"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"
)

// How the load generator reads its clients. Reading is most of what it
// does: in fanout every line the server sends is one delivery, so the
// reader's cost per line is the load generator's cost per delivery. A
// goroutine per connection (the first reader) pays a netpoller wake-up, a
// scheduler switch and usually an extra read that returns EAGAIN for every
// few lines, about 450 ns per delivery on this VM, which took a whole core
// and capped what a faster server could show. The epoll reader instead
// waits on many connections at once from one goroutine, reads each ready
// one once into a shared buffer, and never parks a goroutine per line.
const (
	readerEpoll     = "epoll"     // x/sys/unix epoll, level-triggered, one read per ready connection
	readerGnet      = "gnet"      // gnet v2's client side (gnet.NewClient + Enroll)
	readerGoroutine = "goroutine" // a goroutine and a bufio.Reader per connection (the first reader)
)

// readerKinds are the -reader values.
var readerKinds = []string{readerEpoll, readerGnet, readerGoroutine}

const (
	// maxLineBytes is the longest line a reader keeps; longer lines are
	// skipped and reported as empty, as readLine does with a full buffer.
	maxLineBytes = 4096

	// loopReadBuffer is each read loop's buffer: one read takes everything
	// a connection has pending up to this size.
	loopReadBuffer = 64 << 10

	// loopEvents is how many ready connections one epoll_wait returns at most.
	loopEvents = 512

	// writeTimeout bounds how long a write to a detached client may wait
	// for room in its socket buffer.
	writeTimeout = 10 * time.Second
)

// clockBase is the start of the load generator's clock.
var clockBase = time.Now()

// monoNow is the load generator's clock: nanoseconds since it started, on
// the monotonic clock (in a helper process, since the first process
// started). Send times in lines and read times are on it.
func monoNow() int64 { return int64(time.Since(clockBase)) + clockOffset }

// lineHandler receives one line, without its terminator, and the time the
// read that completed it returned. The line is only valid during the call.
type lineHandler func(line []byte, at int64)

// lineSink is what a reactor gives a client's lines to. Calls for one
// client never overlap, so a sink may count in plain fields and publish
// them in flush, which follows every read: one atomic store per read
// instead of a locked instruction per line, which was a fifth of the
// reader's own time per line.
type lineSink interface {
	line(p []byte, at int64)
	flush()
}

// countSink counts lines and publishes the count after every read; it is
// the sink of clients that only listen.
type countSink struct {
	n     int64
	count *atomic.Int64
}

func (s *countSink) line(l []byte, _ int64) { s.n += joinsIn(l) }
func (s *countSink) flush()                 { s.count.Store(s.n) }

// endHandler is told once that a watched connection ended by itself, with
// why; it is not called for connections the reactor closes.
type endHandler func(err error)

// reactor reads lines from many clients. Calls for one client never
// overlap; calls for different clients may run at once.
type reactor interface {
	// watch hands c's reads to the reactor from now on, starting with
	// whatever c's login reader already buffered.
	watch(c *client, sink lineSink, onEnd endHandler) error
	// close stops reading, closes every watched client and returns once
	// no handler is running or will run.
	close()
}

// newReactor returns a reactor of the given kind; loops is how many read
// loops an event-driven reactor runs.
func newReactor(kind string, loops int) (reactor, error) {
	switch kind {
	case readerEpoll:
		return newEpollReactor(loops)
	case readerGnet:
		return newGnetReactor(loops)
	case readerGoroutine:
		return &goroutineReactor{}, nil
	}
	return nil, fmt.Errorf("unknown reader %q (have %v)", kind, readerKinds)
}

// lineBuffer splits one connection's byte stream into lines, keeping the
// unfinished end of one read for the next. Its memory never passes
// maxLineBytes.
type lineBuffer struct {
	partial []byte
	// skipping is set while the current line has outgrown maxLineBytes
	// and is being skipped to its end.
	skipping bool
}

// feed passes every line p completes to emit, with the time at, and keeps
// what is left. Lines end in LF; a CR before it is removed. A line longer
// than maxLineBytes is emitted as empty.
func (b *lineBuffer) feed(p []byte, at int64, emit lineHandler) {
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		if i < 0 {
			b.keep(p)
			return
		}
		line := p[:i]
		p = p[i+1:]
		switch {
		case b.skipping:
			b.skipping = false
			line = nil
		case len(b.partial) > 0:
			if len(b.partial)+len(line) > maxLineBytes {
				line = nil
			} else {
				b.partial = append(b.partial, line...)
				line = b.partial
			}
			b.partial = b.partial[:0]
		case len(line) > maxLineBytes:
			line = nil
		}
		if n := len(line); n > 0 && line[n-1] == '\r' {
			line = line[:n-1]
		}
		emit(line, at)
	}
}

// keep holds the start of an unfinished line.
func (b *lineBuffer) keep(p []byte) {
	if b.skipping {
		return
	}
	if len(b.partial)+len(p) > maxLineBytes {
		b.partial, b.skipping = b.partial[:0], true
		return
	}
	b.partial = append(b.partial, p...)
}

// detach takes c's socket out of Go's netpoller so that only the reactor
// waits on it: it duplicates the descriptor (the reactor's from now on),
// closes the net.TCPConn, which unregisters and closes the original, and
// returns what c's login reader had already read past the join. Writes
// then go straight to the descriptor (client.write).
func (c *client) detach() (pending []byte, err error) {
	rc, err := c.conn.SyscallConn()
	if err != nil {
		return nil, err
	}
	fd := -1
	var dupErr error
	if err := rc.Control(func(orig uintptr) {
		fd, dupErr = unix.FcntlInt(orig, unix.F_DUPFD_CLOEXEC, 0)
	}); err != nil {
		return nil, err
	}
	if dupErr != nil {
		return nil, fmt.Errorf("dup: %w", dupErr)
	}
	if n := c.r.Buffered(); n > 0 {
		b, _ := c.r.Peek(n)
		pending = slices.Clone(b)
	}
	c.conn.Close()
	c.conn, c.r, c.fd = nil, nil, fd
	return pending, nil
}

// write sends p on c, through its net.TCPConn or, once detached, straight
// to its non-blocking descriptor, waiting up to writeTimeout for room.
func (c *client) write(p []byte) error {
	if c.conn != nil {
		_, err := c.conn.Write(p)
		return err
	}
	for len(p) > 0 {
		n, err := unix.Write(c.fd, p)
		switch {
		case err == unix.EINTR:
			continue
		case err == unix.EAGAIN:
			pfd := []unix.PollFd{{Fd: int32(c.fd), Events: unix.POLLOUT}}
			k, err := unix.Poll(pfd, int(writeTimeout.Milliseconds()))
			if err != nil && err != unix.EINTR {
				return err
			}
			if k == 0 {
				return fmt.Errorf("write: no room in %s", writeTimeout)
			}
			continue
		case err != nil:
			return err
		}
		p = p[n:]
	}
	return nil
}

// watchedConn is one client as an event-driven reactor sees it.
type watchedConn struct {
	lines  lineBuffer
	sink   lineSink
	onLine lineHandler // sink.line, bound once
	onEnd  endHandler
}

func newWatchedConn(sink lineSink, onEnd endHandler) *watchedConn {
	return &watchedConn{sink: sink, onLine: sink.line, onEnd: onEnd}
}

// read passes one read's bytes to the sink.
func (w *watchedConn) read(p []byte) {
	w.lines.feed(p, monoNow(), w.onLine)
	w.sink.flush()
}

// epollReactor reads clients with epoll from a few loops, each a goroutine
// with its own epoll instance and read buffer. It is level-triggered, so a
// ready connection costs one read per wake-up whatever it holds (up to
// loopReadBuffer), and an edge-triggered drain's extra EAGAIN read is
// never paid.
type epollReactor struct {
	loops   []*epollLoop
	next    atomic.Uint32
	byFD    []atomic.Pointer[watchedConn] // indexed by descriptor
	mu      sync.Mutex
	watched []*client
	wg      sync.WaitGroup
	closed  atomic.Bool
}

// epollLoop is one read loop.
type epollLoop struct {
	epfd int
	wake int // an eventfd that ends the loop
}

func newEpollReactor(loops int) (*epollReactor, error) {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return nil, err
	}
	r := &epollReactor{byFD: make([]atomic.Pointer[watchedConn], min(lim.Cur, 1<<20))}
	for range max(1, loops) {
		epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			r.close()
			return nil, fmt.Errorf("epoll_create1: %w", err)
		}
		wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
		if err != nil {
			unix.Close(epfd)
			r.close()
			return nil, fmt.Errorf("eventfd: %w", err)
		}
		l := &epollLoop{epfd: epfd, wake: wake}
		if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}); err != nil {
			unix.Close(epfd)
			unix.Close(wake)
			r.close()
			return nil, err
		}
		r.loops = append(r.loops, l)
		r.wg.Go(func() { r.run(l) })
	}
	return r, nil
}

func (r *epollReactor) watch(c *client, sink lineSink, onEnd endHandler) error {
	pending, err := c.detach()
	r.mu.Lock()
	r.watched = append(r.watched, c) // closed by close even if it fails below
	r.mu.Unlock()
	if err != nil {
		return err
	}
	if c.fd >= len(r.byFD) {
		return fmt.Errorf("descriptor %d above the reactor's table", c.fd)
	}
	w := newWatchedConn(sink, onEnd)
	w.read(pending)
	r.byFD[c.fd].Store(w)
	l := r.loops[int(r.next.Add(1))%len(r.loops)]
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLRDHUP, Fd: int32(c.fd)}
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, c.fd, &ev); err != nil {
		r.byFD[c.fd].Store(nil)
		return fmt.Errorf("epoll_ctl add: %w", err)
	}
	return nil
}

// run is one loop: wait, then read each ready connection once.
func (r *epollReactor) run(l *epollLoop) {
	events := make([]unix.EpollEvent, loopEvents)
	buf := make([]byte, loopReadBuffer)
	for {
		n, err := unix.EpollWait(l.epfd, events, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return
		}
		for _, ev := range events[:n] {
			fd := int(ev.Fd)
			if fd == l.wake {
				return
			}
			w := r.byFD[fd].Load()
			if w == nil {
				continue
			}
			k, err := unix.Read(fd, buf)
			if err == unix.EAGAIN || err == unix.EINTR {
				continue
			}
			if k > 0 {
				w.read(buf[:k])
				continue
			}
			// The connection ended. Its descriptor stays open until
			// close, so its number cannot be reused under the loop.
			if err == nil {
				err = io.EOF
			}
			r.byFD[fd].Store(nil)
			unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, fd, nil)
			w.onEnd(err)
		}
	}
}

func (r *epollReactor) close() {
	if r.closed.Swap(true) {
		return
	}
	for _, l := range r.loops {
		unix.Write(l.wake, []byte{1, 0, 0, 0, 0, 0, 0, 0})
	}
	r.wg.Wait()
	for _, l := range r.loops {
		unix.Close(l.epfd)
		unix.Close(l.wake)
	}
	r.mu.Lock()
	closeAll(r.watched)
	r.mu.Unlock()
}

// gnetReactor reads clients with gnet v2's client side: each client's
// socket is enrolled in a gnet event loop (gnet duplicates the descriptor
// and closes the net.Conn, as detach does), and lines are split in
// OnTraffic. The client keeps a descriptor of its own for writes.
type gnetReactor struct {
	gnet.BuiltinEventEngine
	cli      *gnet.Client
	mu       sync.Mutex
	watched  []*client
	stopping atomic.Bool
	closed   atomic.Bool
}

func newGnetReactor(loops int) (*gnetReactor, error) {
	r := &gnetReactor{}
	cli, err := gnet.NewClient(r,
		gnet.WithMulticore(loops > 1),
		gnet.WithNumEventLoop(max(1, loops)),
		gnet.WithReadBufferCap(loopReadBuffer),
		gnet.WithLogger(quietLogger{}), // gnet's start-up notes are not the benchmark's output
	)
	if err != nil {
		return nil, err
	}
	if err := cli.Start(); err != nil {
		return nil, err
	}
	r.cli = cli
	return r, nil
}

func (r *gnetReactor) watch(c *client, sink lineSink, onEnd endHandler) error {
	conn := c.conn
	rc, err := conn.SyscallConn()
	if err != nil {
		return err
	}
	var dupErr error
	rc.Control(func(orig uintptr) { c.fd, dupErr = unix.FcntlInt(orig, unix.F_DUPFD_CLOEXEC, 0) })
	if dupErr != nil {
		return dupErr
	}
	w := newWatchedConn(sink, onEnd)
	if n := c.r.Buffered(); n > 0 {
		b, _ := c.r.Peek(n)
		w.read(b)
	}
	c.conn, c.r = nil, nil
	r.mu.Lock()
	r.watched = append(r.watched, c)
	r.mu.Unlock()
	_, err = r.cli.EnrollContext(conn, w) // closes conn
	return err
}

// OnTraffic splits what the loop read; Next(-1) consumes it all, so gnet
// keeps nothing in its inbound buffer.
func (r *gnetReactor) OnTraffic(c gnet.Conn) gnet.Action {
	w := c.Context().(*watchedConn)
	b, _ := c.Next(-1)
	w.read(b)
	return gnet.None
}

func (r *gnetReactor) OnClose(c gnet.Conn, err error) gnet.Action {
	if w, ok := c.Context().(*watchedConn); ok && !r.stopping.Load() {
		if err == nil {
			err = io.EOF
		}
		w.onEnd(err)
	}
	return gnet.None
}

// quietLogger drops gnet's log lines.
type quietLogger struct{}

func (quietLogger) Debugf(string, ...any) {}
func (quietLogger) Infof(string, ...any)  {}
func (quietLogger) Warnf(string, ...any)  {}
func (quietLogger) Errorf(string, ...any) {}
func (quietLogger) Fatalf(string, ...any) {}

func (r *gnetReactor) close() {
	if r.closed.Swap(true) {
		return
	}
	r.stopping.Store(true)
	r.cli.Stop()
	r.mu.Lock()
	closeAll(r.watched)
	r.mu.Unlock()
}

// goroutineReactor is the first reader: a goroutine per client blocked in
// its bufio.Reader. It is kept to compare against.
type goroutineReactor struct {
	wg       sync.WaitGroup
	mu       sync.Mutex
	watched  []*client
	stopping atomic.Bool
	closed   atomic.Bool
}

func (r *goroutineReactor) watch(c *client, sink lineSink, onEnd endHandler) error {
	r.mu.Lock()
	r.watched = append(r.watched, c)
	r.mu.Unlock()
	r.wg.Go(func() {
		for {
			line, err := readLine(c.r)
			if err != nil {
				if !r.stopping.Load() {
					onEnd(err)
				}
				return
			}
			sink.line(line, monoNow())
			if c.r.Buffered() == 0 {
				sink.flush()
			}
		}
	})
	return nil
}

func (r *goroutineReactor) close() {
	if r.closed.Swap(true) {
		return
	}
	r.stopping.Store(true)
	r.mu.Lock()
	closeAll(r.watched)
	r.mu.Unlock()
	r.wg.Wait()
}

// defaultReadLoops is how many read loops an event-driven reactor runs by
// default: one per core the load generator may use, at most two, since
// more loops on this 2-core machine only add wake-ups.
func defaultReadLoops() int { return min(2, runtime.GOMAXPROCS(0)) }
