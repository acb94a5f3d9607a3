package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"teahouse/session"
	"teahouse/session/wire"
)

// Exit statuses.
const (
	exitOK    = 0 // the user left with /quit (or Ctrl-C, Ctrl-D, end of input)
	exitFail  = 1 // cannot connect, connection closed or lost
	exitUsage = 2 // bad command line
	// exitSignal plus the signal number is the status after SIGINT,
	// SIGTERM or SIGHUP, as shells report a process killed by a signal.
	exitSignal = 128
)

// outcome is how a session ends: the exit status and, for a failure, the
// one line to print on stderr.
type outcome struct {
	code int
	msg  string
}

// printer shows server lines and local echoes: the line editor on a
// terminal, a plain line writer otherwise. Safe for concurrent use.
type printer interface {
	printLine(s string)
}

// client is one session: the connection, what we know about our side of
// it, and where lines are shown. In the blocking design of the seeds, one
// goroutine (read) handles server lines and the main goroutine handles the
// keyboard; done tells the main goroutine that the reader has finished.
type client struct {
	link   *link
	room   *room
	opts   options
	colour bool
	out    printer
	pw     passwordSource // answers password prompts, if set
	// interactive is set on a terminal: a refused automatic password is
	// then left to the user to type, where a script fails instead.
	interactive bool

	quitSent atomic.Bool   // /quit sent: the server closing is the expected end
	done     chan struct{} // closed when the reader goroutine has ended
	readErr  error         // why it ended; read only after done is closed
	// onPanic, if set, runs before a panic in the reader goroutine goes on
	// to crash the program: it restores the terminal.
	onPanic func()

	authOnce sync.Once
	// authFail is closed when a script's automatic password is refused, to
	// wake the waits; they check authFailedNow first.
	authFail chan struct{}
}

// hider is a printer that can hide what is typed (the line editor).
type hider interface {
	setHidden(on bool)
}

// newClient prepares a session on l; start it once out is set.
func newClient(l *link, o options, colour bool) *client {
	c := &client{link: l, room: newRoom(), opts: o, colour: colour, pw: o.password,
		done: make(chan struct{}), authFail: make(chan struct{})}
	c.room.setAuto(c.pw.password != "")
	return c
}

// start runs the reader goroutine.
func (c *client) start() { go c.read() }

// read handles server lines until the connection ends.
func (c *client) read() {
	defer close(c.done)
	if c.onPanic != nil {
		defer func() {
			if r := recover(); r != nil {
				c.onPanic()
				panic(r)
			}
		}()
	}
	c.readErr = c.link.readLines(c.serverLine)
}

// serverLine shows one server line and learns from it.
func (c *client) serverLine(text string) {
	m := parseLine(text)
	o := c.room.observe(m)
	c.out.printLine(m.Render(c.colour))
	if o.joined && c.opts.charset == wire.GBK {
		// The server cannot take /charset before login, and with its
		// default (auto) it would switch only at our first GBK line; say so
		// now, before anyone waiting on the login sends a line.
		_ = c.link.send("/charset " + wire.GBK.String()) // a broken connection shows up in read
	}
	if o.autoAnswer {
		// The room counts the prompt as answered already: no typed line
		// can go out as its answer before this one.
		_ = c.link.send(c.pw.password) // a broken connection shows up in read
		if c.interactive {
			c.out.printLine(inputPrompt + hiddenMark + " from " + c.pw.from)
		}
	}
	if o.autoRefused != "" {
		c.autoRefused(o.autoRefused)
	}
	if h, ok := c.out.(hider); ok {
		h.setHidden(c.room.asking())
	}
	// Every reply wakes pipe mode's waiters: one may answer a line that
	// could have raised a password prompt.
	if o.answered || m.kind == kindReply {
		c.room.notify()
	}
}

// autoRefused handles the server refusing the source's password. On a
// terminal the user types the next try; a script ends, since each further
// wrong try counts towards the server's throttle and its lines must not be
// taken for passwords.
func (c *client) autoRefused(reply string) {
	if c.interactive {
		c.out.printLine(prefixReply + "(" + c.refusedMessage(reply) + "; type it)")
		return
	}
	c.authOnce.Do(func() { close(c.authFail) })
}

// refusedMessage says which password was refused, and why.
func (c *client) refusedMessage(reply string) string {
	return fmt.Sprintf("the password from %s was refused: %s", c.pw.from, refusalReason(reply))
}

// authFailedNow reports whether a script's automatic password was refused.
// The waits check it before anything else: the refusal also reopens the
// prompt and wakes them as a reply, and a script line sent then would be
// taken for the next try.
func (c *client) authFailedNow() bool {
	return !c.interactive && c.room.autoRefusal() != ""
}

// answer sends a line typed at a password prompt: as it is, untrimmed and
// even empty (which cancels), with no echo and not as a nickname attempt.
func (c *client) answer(line string) error {
	c.room.answering(false)
	return c.link.send(line)
}

// authFailed is the outcome after a script's password was refused.
func (c *client) authFailed() outcome {
	c.leave()
	return outcome{exitFail, c.refusedMessage(c.room.autoRefusal())}
}

// say sends one keyboard line. show is called first, with the local echo
// rendered ("" when there is none), so the echo is on screen before any
// reply the line provokes. Empty lines are not sent: the server ignores
// them.
func (c *client) say(line string, show func(echo string)) error {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil
	}
	echo := c.room.outgoing(line)
	if session.IsQuit(line) {
		c.quitSent.Store(true)
	}
	if echo != "" {
		// The same cleaning as for server lines: what a pipe feeds us must
		// not drive our own terminal either.
		clean := wire.Sanitize(nil, []byte(echo))
		echo = parseLine(string(clean)).Render(c.colour)
	}
	show(echo)
	return c.link.send(line)
}

// showNothing is a show func for lines sent on the user's behalf.
func showNothing(string) {}

// ended is the outcome once the reader has finished.
func (c *client) ended() outcome {
	if c.quitSent.Load() {
		return outcome{code: exitOK}
	}
	if errors.Is(c.readErr, io.EOF) {
		return outcome{exitFail, fmt.Sprintf("connection to %s closed by server", c.link.addr)}
	}
	return outcome{exitFail, fmt.Sprintf("connection to %s lost: %s", c.link.addr, reason(c.readErr))}
}

// sendFailed is the outcome after a line could not be sent. The
// connection is closed first: a write that timed out leaves it open, and
// the reader would otherwise wait on it for ever.
func (c *client) sendFailed(err error) outcome {
	c.link.close()
	<-c.done
	if c.quitSent.Load() {
		return outcome{code: exitOK}
	}
	return outcome{exitFail, fmt.Sprintf("connection to %s lost: %s", c.link.addr, reason(err))}
}

// leave ends the session politely: /quit unless already sent, then up to
// quitWait for the server to flush and close, then close it ourselves.
func (c *client) leave() {
	if !c.quitSent.Load() {
		if c.room.asking() {
			// At a prompt /quit would be taken for a password: an empty
			// line cancels the prompt first.
			_ = c.link.send("")
		}
		_ = c.say("/quit", showNothing) // if it cannot be sent, the connection is gone anyway
	}
	t := time.NewTimer(quitWait)
	defer t.Stop()
	select {
	case <-c.done:
	case <-t.C:
	}
	c.link.close()
	<-c.done
}

// interrupted leaves after a signal and returns its exit status.
func (c *client) interrupted(ctx context.Context) outcome {
	c.leave()
	var s signalled
	if errors.As(context.Cause(ctx), &s) {
		if n, ok := s.sig.(syscall.Signal); ok {
			return outcome{code: exitSignal + int(n)}
		}
	}
	return outcome{code: exitFail, msg: "interrupted"}
}
