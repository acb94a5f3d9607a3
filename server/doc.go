/*
Teahouse is the telnet chat server: one gnet v2 reactor in front of the
session package's Table.

	go run ./server                 # listens on :6666
	go run ./server 127.0.0.1 8081  # HOST PORT, as in python chat_server.py HOST PORT
	go run ./server ::1 6666 -log-level warn  # flags before or after HOST PORT
	telnet localhost 6666

# Shape

	gnet engine (1 event loop)  reactor.go: OnOpen / OnTraffic / OnClose / OnTick
	    │  Peek → CollectIncomingData → Discard
	    ▼
	session.Table              the one owner of all chat state
	    │  Conn.Write / Buffered / Close
	    ▼
	conn (conn.go)             session.Conn over a gnet.Conn

main.go parses flags and handles signals; run.go starts the engine, the
/metrics server and the shutdown; reactor.go maps gnet's events to Table
calls and enforces the connection caps; conn.go is the session's way out;
metrics.go reads atomics at scrape time; options.go holds every default.

# One loop, one owner

The engine runs exactly one event loop (WithMulticore(false),
WithNumEventLoop(1)); gnet's separate acceptor only hands sockets to it.
OnOpen, OnTraffic and OnClose all run on that loop, and so does everything
they call: the Table, every Session, every conn, the per-IP counts. None
of it is locked, because only the loop touches it.

Writing to another connection from the loop is therefore safe: when alice's
line is broadcast, the Table calls conn.Write for bob and carol on the loop
that owns them too. gnet.Conn.Write on the loop writes straight to the
socket when nothing is pending and appends the rest to that connection's
outbound buffer (never blocking); the loop sends it when the socket becomes
writable. Writes to one connection keep their order.

The Table does not write as it goes: it queues each session's output and
asks for a flush (session.Config.DeferFlush). The reactor queues one flush
task on the loop (EventLoop.Execute), and gnet runs queued tasks after
the events of a poll (the task's wake-up shows in the next epoll_wait,
which does not block, and runs after that wait's events), so all the
lines that the poll produced, from every sender whose input arrived
together, reach each recipient in one write. That is one system call per
recipient per poll, not per line.

With -coalesce (default 2ms) a recipient written less than that long ago
is not written in the flush: the Table holds its output until its window
ends and asks, through session.Config.Schedule, for a flush then. The
reactor keeps one timer for the whole server (time.AfterFunc, re-armed
with Reset only when the Table asks for an earlier time); when it fires
it queues the same flush task with Execute. A quiet connection is still
written in its poll's flush; a busy one once per window. Nothing sleeps:
the loop goes on polling while output is held.

A connection gnet closes before the flush task runs would miss it. When
the peer's last lines and its FIN arrive together (`printf 'bot\n/who\n' |
nc -N`), or the FIN a moment later, in time for the next epoll_wait, gnet
reads the lines (OnTraffic queues the replies), reads EOF and closes the
connection (OnClose) before the flush task runs. So OnClose first hands
that one session's queued output to gnet (Table.FlushSession), which
writes its outbound buffer before closing the socket; the peer shut only
its writing side and still reads it. Everyone else's output, the closing
user's last chat line and then the leave announcement, stays in the
poll's one flush, in order.

A failed write closes that connection at once, inside the Write: gnet
calls OnClose for bob while the Table is still broadcasting alice's line.
That is safe because (1) OnClose marks bob's conn closed before anything
else, so every later Write to it returns errGone without touching the
released gnet.Conn; (2) Table.Closed is idempotent and re-entrant, and a flush picks up
whatever a nested Closed queued; (3) OnOpen handles the case where the
session does not exist yet (a failed welcome write, were Open to flush).

gnet.Conn.Close, by contrast, is asynchronous: it queues the close on the
loop, so conn.Close never re-enters the Table. The queued close runs
OnClose, then a best-effort, non-blocking flush of the remaining output,
then closes the socket. After a conn has asked to close, its further
output is dropped and its input discarded unread.

# What is safe off the loop

Only the following are called from other goroutines:

  - gnet.EventLoop.Execute, to queue a function onto the loop. OnTick runs
    on gnet's ticker goroutine in v2.10.0 (not the loop), so it queues
    Table.Tick through Execute (at most one pending at a time); the
    signal handler queues the shutdown the same way. The flush task is
    queued with Execute too, but always from the loop itself. The EventLoop is kept
    from the first OnOpen (an atomic pointer): before any connection there
    is nothing to tick or to tell.
  - The -coalesce timer's function, on the runtime's timer goroutine: it
    only queues the flush task with Execute (after waiting out the rest
    of the delay should it fire early); Reset is called on the loop.
  - gnet.Engine.Stop, from run after the sessions have drained.
  - The atomics in counters and session.Stats, read by the Prometheus
    collector at scrape time. The loop updates them with atomic adds;
    nothing on the hot path takes a lock.
  - The channels booted and drained, closed once by the loop.

gnet's AsyncWrite, AsyncWritev, Wake and Close are also safe off the loop,
but nothing here needs them: all output is produced on the loop.

# Memory per connection

gnet caps neither its inbound nor its outbound buffers; teahouse does.
Inbound: OnTraffic hands every byte to the session and discards it, so
gnet's inbound buffer stays empty, and the session keeps at most -max-line
bytes of a partial line. Outbound: after each flush the Table checks
Buffered (gnet's OutboundBuffered) against -max-out and drops a reader that
passed it ("too slow"), so unsent output stays within -max-out plus one
flush's worth. The read buffer (64 KiB) is shared by the loop.

# Limits and close reasons

Every session ends with one session.CloseReason: quit, eof, read_error,
write_error, too_slow, idle, shutdown, or refused (turned away by
-max-clients or -max-per-ip before a session existed; -max-per-ip counts
an IPv6 /64 as one address, and loopback is exempt). The reason is the text of the leave announcement
("*** alice left #lobby (too slow)"), the reason= of the close log line and
the label of teahouse_closes_total. gnet's close error maps to eof (EOF, or
a close nobody asked for), write_error (a failed write) or read_error (a
reset or other read failure).

gnet stops accepting for good when accept fails with EMFILE, so new
connections are also refused once the open-file limit (less a reserve) is
reached; the limit is re-read every tick, as prlimit can raise it on a
running process.

# Shutdown

The first SIGINT or SIGTERM cancels run's context: the loop refuses new
connections, Table.Shutdown tells every session "*** server shutting down"
and closes each after a flush, run waits until every connection is closed
(or -shutdown-timeout passes), stops the engine and returns; main exits 0.
A second signal exits at once with status 1.
*/
package main
