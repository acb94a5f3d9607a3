package main

import (
	"context"
	"fmt"
	"io"
	"sync"
	"time"

	"teahouse/session/wire"
)

// linePrinter shows lines on a plain stream: one line each, LF-ended, no
// cursor games. Used whenever stdin or stdout is not a terminal.
type linePrinter struct {
	mu sync.Mutex
	w  io.Writer
}

// printLine writes s and a newline in one write, so lines from the reader
// and local echoes never interleave mid-line.
func (p *linePrinter) printLine(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	_, _ = io.WriteString(p.w, s+"\n") // a closed stdout is not worth failing the chat for
}

// lineQueue collects the lines a Framer finds, copied (the Framer's slice
// is only valid during the call).
type lineQueue struct {
	codec   *wire.Codec
	lines   []string
	tooLong int
}

// FoundTerminator queues one stdin line.
func (q *lineQueue) FoundTerminator(line []byte) {
	// Input is taken as UTF-8, the encoding of every Linux terminal and
	// script; bytes that are not become U+FFFD rather than garbage on the
	// wire. The link re-encodes for the session's charset.
	q.lines = append(q.lines, string(q.codec.Decode(nil, wire.UTF8, line)))
}

// LineTooLong counts a line the server would refuse; it is not sent.
func (q *lineQueue) LineTooLong() { q.tooLong++ }

// TelnetReply is never called: stdin is framed with telnet off.
func (q *lineQueue) TelnetReply(p []byte) {}

// runPipe is line mode: every stdin line is sent; after stdin ends the
// client keeps listening until the server closes or opts.drain passes,
// then leaves with /quit.
func (c *client) runPipe(ctx context.Context, stdin io.Reader, stderr io.Writer) outcome {
	stop := make(chan struct{})
	defer close(stop)
	chunks := pump(stdin, stop)
	f := wire.NewFramer(maxInputLine, false)
	q := &lineQueue{codec: wire.NewCodec()}

	if c.opts.nick != "" {
		if o, end := c.sendScripted(ctx, c.opts.nick); end {
			return o
		}
		if o, end := c.awaitLogin(ctx); end {
			return o
		}
	}
	for {
		select {
		case <-c.done:
			return c.ended()
		case <-ctx.Done():
			return c.interrupted(ctx)
		case <-c.authFail:
			return c.authFailed()
		case chunk, ok := <-chunks:
			if !ok {
				// A last line without a newline is still a line; but no
				// line at all is not an empty one, which at a password
				// prompt would be sent (it cancels).
				partial := f.Buffered() > 0
				f.Feed([]byte{'\n'}, q)
				if n := len(q.lines); !partial && n > 0 && q.lines[n-1] == "" {
					q.lines = q.lines[:n-1]
				}
			} else {
				f.Feed(chunk, q)
			}
			if q.tooLong > 0 {
				fmt.Fprintf(stderr, "teahouse: %d input line(s) longer than %d bytes not sent\n", q.tooLong, maxInputLine)
				q.tooLong = 0
			}
			lines := q.lines
			q.lines = q.lines[:0:0]
			for _, line := range lines {
				if o, end := c.sendScripted(ctx, line); end {
					return o
				}
			}
			if !ok {
				return c.drain(ctx)
			}
		}
	}
}

// sendScripted sends one stdin line. While logging in, it first waits for
// the answer to the previous nickname, so a script's chat lines are not
// taken for nicknames and are echoed after the join, as on screen. After a
// line that may raise a password prompt it waits for the reply, so that a
// password is known for one before it is sent: it is then sent as it is,
// and never echoed.
func (c *client) sendScripted(ctx context.Context, line string) (outcome, bool) {
	if c.authFailedNow() {
		return c.authFailed(), true
	}
	// A reply to a nickname may be the greeting before its join (or the
	// verdict on its password): that is waited out too.
	if nick, waiting, refusal, _ := c.room.loginState(); nick == "" && (waiting || refusal != "") {
		if o, end := c.awaitLogin(ctx); end {
			return o, true
		}
	}
	if o, end := c.awaitReply(ctx); end {
		return o, true
	}
	if c.room.asking() {
		if err := c.answer(line); err != nil {
			return c.sendFailed(err), true
		}
		return outcome{}, false
	}
	if err := c.say(line, c.showEcho); err != nil {
		return c.sendFailed(err), true
	}
	return outcome{}, false
}

// showEcho prints a local echo, if there is one.
func (c *client) showEcho(echo string) {
	if echo != "" {
		c.out.printLine(echo)
	}
}

// awaitLogin waits, up to loginWait, for the server to answer the nickname
// attempts sent so far. A refused -nick ends pipe mode: a script cannot
// choose another name, and its next lines must not become nicknames.
func (c *client) awaitLogin(ctx context.Context) (outcome, bool) {
	t := time.NewTimer(loginWait)
	defer t.Stop()
	var settle <-chan time.Time // runs while a reply waits for a join that may follow
	for {
		if c.authFailedNow() {
			return c.authFailed(), true
		}
		nick, waiting, refusal, changed := c.room.loginState()
		open, _, _ := c.room.promptState()
		switch {
		case nick != "":
			return outcome{}, false
		case waiting && open:
			return outcome{}, false // the nickname is registered: the next line is its password
		case waiting:
		case refusal == "":
			return outcome{}, false // nothing asked, nothing to wait for
		case settle == nil:
			st := time.NewTimer(settleWait)
			defer st.Stop()
			settle = st.C
		}
		select {
		case <-changed:
		case <-settle:
			c.room.settle()
			return c.refused(refusal)
		case <-c.done:
			return c.ended(), true
		case <-ctx.Done():
			return c.interrupted(ctx), true
		case <-c.authFail:
			return c.authFailed(), true
		case <-t.C:
			return outcome{}, false // a slow server: carry on, the lines keep their order
		}
	}
}

// awaitReply waits, up to loginWait, for the server's reply to a line
// that may have raised a password prompt: /register, /passwd or
// /unregister alone, or a password (a wrong one is asked for again).
func (c *client) awaitReply(ctx context.Context) (outcome, bool) {
	t := time.NewTimer(loginWait)
	defer t.Stop()
	for {
		if c.authFailedNow() {
			return c.authFailed(), true
		}
		_, waiting, changed := c.room.promptState()
		if !waiting {
			return outcome{}, false
		}
		select {
		case <-changed:
		case <-c.done:
			return c.ended(), true
		case <-ctx.Done():
			return c.interrupted(ctx), true
		case <-c.authFail:
			return c.authFailed(), true
		case <-t.C:
			return outcome{}, false // a slow server: carry on
		}
	}
}

// refused handles a nickname the server would not take: fatal for -nick,
// for a script that sends its own attempts the next line is the next try.
func (c *client) refused(reason string) (outcome, bool) {
	if c.opts.nick == "" {
		return outcome{}, false
	}
	c.leave()
	return outcome{exitFail, fmt.Sprintf("nickname %q refused: %s", c.opts.nick, reason)}, true
}

// drain runs after stdin has ended.
func (c *client) drain(ctx context.Context) outcome {
	if !c.quitSent.Load() {
		t := time.NewTimer(c.opts.drain)
		defer t.Stop()
		select {
		case <-c.done:
			return c.ended()
		case <-ctx.Done():
			return c.interrupted(ctx)
		case <-c.authFail:
			return c.authFailed()
		case <-t.C:
		}
	}
	c.leave()
	return outcome{code: exitOK}
}
