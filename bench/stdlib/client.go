package main

import (
	"bufio"
	"bytes"
	"net"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// client is one connection: its reader runs serve, its writer runs
// writeLoop, and a bounded queue joins them.
type client struct {
	conn net.Conn
	nick string // set once, by join

	mu      sync.Mutex
	queue   [][]byte // lines waiting for the writer
	pending int      // bytes in queue
	done    bool     // no more lines: the session ended or the client was dropped
	wake    chan struct{}
}

// serve runs the connection's session until it ends.
func (h *hub) serve(conn net.Conn) {
	c := &client{conn: conn, wake: make(chan struct{}, 1)}
	go c.writeLoop()
	reason := c.session(h)
	if c.nick != "" {
		h.leave(c, reason)
	}
	c.finish() // the writer flushes what is queued and closes conn
}

// session reads lines until the client quits or the connection ends, and
// returns the reason to announce.
func (c *client) session(h *hub) string {
	c.send([]byte(welcome))
	c.send([]byte(prompt))
	r := bufio.NewReaderSize(c.conn, readBufferSize)
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			for err == bufio.ErrBufferFull {
				_, err = r.ReadSlice('\n')
			}
			c.send([]byte("-> line too long, ignored\r\n"))
			continue
		}
		if err != nil {
			return "connection lost"
		}
		text := bytes.TrimSpace(line)
		if len(text) == 0 {
			continue
		}
		if text[0] == '/' {
			cmd, arg, _ := strings.Cut(string(text), " ")
			switch strings.ToLower(cmd) {
			case "/quit":
				if arg = strings.TrimSpace(arg); arg == "" {
					arg = "quit"
				}
				return arg
			default:
				c.send([]byte("-> unknown command: " + cmd + " (try /help)\r\n"))
			}
			continue
		}
		if c.nick == "" {
			c.login(h, string(text))
			continue
		}
		msg := make([]byte, 0, len(c.nick)+len(text)+4)
		msg = append(append(append(append(msg, c.nick...), ": "...), text...), "\r\n"...)
		h.broadcast(msg, c)
	}
}

// login tries nick and tells the client why when it is refused.
func (c *client) login(h *hub, nick string) {
	switch {
	case !validNick(nick):
		c.send([]byte("-> invalid nickname: 1-16 letters, digits, _ - .\r\n"))
	case !h.join(c, nick):
		c.send([]byte("-> nickname in use: " + nick + "\r\n"))
	}
}

// validNick reports whether s is 1-16 letters, digits, '_', '-' or '.'.
func validNick(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > maxNickLen {
		return false
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' && r != '.' {
			return false
		}
	}
	return true
}

// send queues line for the writer. A client whose queue would pass
// maxPending is dropped: its connection is closed, which also ends its
// reader. send never blocks on the network.
func (c *client) send(line []byte) {
	c.mu.Lock()
	if c.done {
		c.mu.Unlock()
		return
	}
	if c.pending+len(line) > maxPending {
		c.done = true
		c.queue, c.pending = nil, 0
		c.mu.Unlock()
		c.conn.Close()
		return
	}
	c.queue = append(c.queue, line)
	c.pending += len(line)
	c.mu.Unlock()
	c.signal()
}

// finish tells the writer no more lines are coming.
func (c *client) finish() {
	c.mu.Lock()
	c.done = true
	c.mu.Unlock()
	c.signal()
}

// signal wakes the writer if it is not already awake.
func (c *client) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// writeLoop writes whatever is queued each time it is woken, flushing after
// each batch, until the client is done; then it closes the connection.
func (c *client) writeLoop() {
	w := bufio.NewWriterSize(c.conn, writeBufferSize)
	var batch [][]byte
	for range c.wake {
		c.mu.Lock()
		batch, c.queue = c.queue, batch[:0]
		c.pending = 0
		done := c.done
		c.mu.Unlock()
		for _, line := range batch {
			w.Write(line) // a write error sticks in w; the reader sees the connection end
		}
		w.Flush()
		clear(batch)
		if done {
			c.conn.Close()
			return
		}
	}
}
