package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"teahouse/session/wire"
)

// Test timing. Waits poll or block on channels; these only bound them.
const (
	testTimeout = 10 * time.Second      // the longest any single wait may take
	pollEvery   = 10 * time.Millisecond // how often checkFor looks again
)

// checkFor calls f every sleep until it returns nil, failing the test with
// f's last error once total has passed.
func checkFor(t *testing.T, total, sleep time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v: %v", total, err)
		}
		time.Sleep(sleep)
	}
}

// syncBuffer is a bytes.Buffer safe to write from the client's goroutines
// while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is everything written so far.
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitContains polls until buf holds want.
func waitContains(t *testing.T, what string, buf fmt.Stringer, want string) {
	t.Helper()
	checkFor(t, testTimeout, pollEvery, func() error {
		if !strings.Contains(buf.String(), want) {
			return fmt.Errorf("%s has no %q; it has:\n%s", what, want, buf.String())
		}
		return nil
	})
}

// fakeServer is a stand-in for the teahouse server that speaks the lines of
// PROTOCOL.md as each test scripts them, so the client's own logic can be
// tested without the real server.
type fakeServer struct {
	ln    net.Listener
	conns chan *fakeConn
}

// startFakeServer listens on a random loopback port until the test ends.
func startFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{ln: ln, conns: make(chan *fakeConn, 4)}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			fc := &fakeConn{c: c, lines: make(chan string, 100)}
			t.Cleanup(func() { c.Close() })
			go fc.read()
			s.conns <- fc
		}
	}()
	return s
}

// addr is the address the client should dial.
func (s *fakeServer) addr() string { return s.ln.Addr().String() }

// accept returns the next client connection.
func (s *fakeServer) accept(t *testing.T) *fakeConn {
	t.Helper()
	select {
	case c := <-s.conns:
		return c
	case <-time.After(testTimeout):
		t.Fatal("the client did not connect")
		return nil
	}
}

// fakeConn is the server's side of one client connection.
type fakeConn struct {
	c     net.Conn
	lines chan string // raw lines received, before any decoding
}

// read frames what the client sends, as the server would.
func (fc *fakeConn) read() {
	defer close(fc.lines)
	f := wire.NewFramer(0, true)
	buf := make([]byte, 4096)
	for {
		n, err := fc.c.Read(buf)
		f.Feed(buf[:n], fakeSink{fc.lines})
		if err != nil {
			return
		}
	}
}

// fakeSink hands framed lines to the test.
type fakeSink struct{ lines chan<- string }

// FoundTerminator passes a copy of the line on.
func (s fakeSink) FoundTerminator(line []byte) { s.lines <- string(line) }

// LineTooLong is ignored: the client never sends such lines in these tests.
func (s fakeSink) LineTooLong() {}

// TelnetReply is ignored: the client sends no telnet commands.
func (s fakeSink) TelnetReply([]byte) {}

// send writes lines as the server does, CRLF-ended.
func (fc *fakeConn) send(t *testing.T, lines ...string) {
	t.Helper()
	for _, l := range lines {
		if _, err := io.WriteString(fc.c, l+"\r\n"); err != nil {
			t.Fatalf("send %q: %v", l, err)
		}
	}
}

// next returns the next line the client sent.
func (fc *fakeConn) next(t *testing.T) string {
	t.Helper()
	select {
	case l, ok := <-fc.lines:
		if !ok {
			t.Fatal("the client closed the connection")
		}
		return l
	case <-time.After(testTimeout):
		t.Fatal("the client sent nothing")
		return ""
	}
}

// expect fails unless the client's next line is want.
func (fc *fakeConn) expect(t *testing.T, want string) {
	t.Helper()
	if got := fc.next(t); got != want {
		t.Fatalf("the client sent %q, want %q", got, want)
	}
}

// expectClosed waits for the client to close the connection.
func (fc *fakeConn) expectClosed(t *testing.T) {
	t.Helper()
	for {
		select {
		case l, ok := <-fc.lines:
			if !ok {
				return
			}
			t.Logf("the client also sent %q", l)
		case <-time.After(testTimeout):
			t.Fatal("the client did not close the connection")
		}
	}
}

// Lines the fake server sends at login, as PROTOCOL.md describes them.
const (
	fakeWelcome = "Welcome to teahouse!"
	fakePrompt  = "Please choose a nickname:"
)

// greet sends the welcome and the nickname prompt.
func (fc *fakeConn) greet(t *testing.T) {
	t.Helper()
	fc.send(t, fakeWelcome, fakePrompt)
}

// login greets, takes the next line as the nickname and lets it join.
func (fc *fakeConn) login(t *testing.T) string {
	t.Helper()
	fc.greet(t)
	nick := fc.next(t)
	// The real server greets a new name with a reply before the join line.
	fc.send(t, "-> hello "+nick+"! /help lists the commands")
	fc.send(t, "*** "+nick+" joined #lobby")
	return nick
}

// quit answers /quit the way the server does: it closes.
func (fc *fakeConn) quit(t *testing.T) {
	t.Helper()
	fc.expect(t, "/quit")
	fc.c.Close()
}

// inProcess is a pipe-mode run of the client inside the test binary.
type inProcess struct {
	stdin  *io.PipeWriter
	stdout syncBuffer
	stderr syncBuffer
	code   chan int
	cancel context.CancelCauseFunc
}

// startClient runs the client in pipe mode with args; the test writes its
// stdin.
func startClient(t *testing.T, args ...string) *inProcess {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancelCause(context.Background())
	p := &inProcess{stdin: pw, code: make(chan int, 1), cancel: cancel}
	t.Cleanup(func() { pw.Close(); cancel(nil) })
	go func() { p.code <- run(ctx, args, stdio{in: pr, out: &p.stdout, err: &p.stderr}) }()
	return p
}

// write feeds stdin.
func (p *inProcess) write(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, s); err != nil {
		t.Fatalf("stdin: %v", err)
	}
}

// exit waits for the run to end and returns its status.
func (p *inProcess) exit(t *testing.T) int {
	t.Helper()
	select {
	case c := <-p.code:
		return c
	case <-time.After(testTimeout):
		t.Fatalf("the client did not exit; stdout:\n%s\nstderr:\n%s", p.stdout.String(), p.stderr.String())
		return -1
	}
}

// waitExit waits for a client process's Wait result and returns its exit
// code; if it does not exit in time the test fails with what describe says
// the client showed.
func waitExit(t *testing.T, exited <-chan error, describe func() string) int {
	t.Helper()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(testTimeout):
		t.Fatalf("the client did not exit; %s", describe())
		return -1
	}
}
