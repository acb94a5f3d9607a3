package main

import (
	"context"
	"errors"
	"io"
	"net"
	"os/exec"
	"testing"
	"time"

	"teahouse/session/sessiontest"
)

// TestMain removes the binaries the tests built.
func TestMain(m *testing.M) { sessiontest.Main(m) }

// clientBinary is this package, built.
func clientBinary(t *testing.T) string {
	t.Helper()
	return sessiontest.Binary(t, "teahouse/client")
}

// fakeServer is a stand-in for the teahouse server that speaks the lines of
// PROTOCOL.md as each test scripts them, so the client's own logic can be
// tested without the real server.
type fakeServer struct {
	ln    net.Listener
	conns chan net.Conn
}

// startFakeServer listens on a random loopback port until the test ends.
func startFakeServer(t *testing.T) *fakeServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeServer{ln: ln, conns: make(chan net.Conn, 4)}
	t.Cleanup(func() {
		ln.Close()
		for { // connections the test never took
			select {
			case c := <-s.conns:
				c.Close()
			default:
				return
			}
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s.conns <- c
		}
	}()
	return s
}

// addr is the address the client should dial.
func (s *fakeServer) addr() string { return s.ln.Addr().String() }

// accept returns the server's side of the next client connection.
func (s *fakeServer) accept(t *testing.T) fakeConn {
	t.Helper()
	select {
	case c := <-s.conns:
		p := sessiontest.NewPeer(t, c)
		p.Name = "what the client sent"
		return fakeConn{p}
	case <-time.After(sessiontest.Wait):
		t.Fatal("the client did not connect")
		return fakeConn{}
	}
}

// fakeConn is the server's side of one client connection: a Peer that
// sends what the server would and reads the client's lines, plus the
// server's login and logout as PROTOCOL.md describes them.
type fakeConn struct{ *sessiontest.Peer }

// Lines the fake server sends at login, as PROTOCOL.md describes them.
const (
	fakeWelcome = "Welcome to teahouse!"
	fakePrompt  = "Please choose a nickname:"
)

// greet sends the welcome and the nickname prompt.
func (fc fakeConn) greet() {
	fc.T.Helper()
	fc.Send(fakeWelcome, fakePrompt)
}

// login greets, takes the next line as the nickname and lets it join.
func (fc fakeConn) login() string {
	fc.T.Helper()
	fc.greet()
	nick := fc.Next()
	// The real server greets a new name with a reply before the join line.
	fc.Send("-> hello "+nick+"! /help lists the commands", "*** "+nick+" joined #lobby")
	return nick
}

// quit answers /quit the way the server does: it closes.
func (fc fakeConn) quit() {
	fc.T.Helper()
	fc.ExpectNext("/quit")
	fc.Conn.Close()
}

// inProcess is a pipe-mode run of the client inside the test binary.
type inProcess struct {
	stdin  *io.PipeWriter
	stdout sessiontest.SyncBuffer
	stderr sessiontest.SyncBuffer
	code   chan int
	cancel context.CancelCauseFunc
}

// startClient runs the client in pipe mode with args; the test writes its
// stdin.
func startClient(t *testing.T, args ...string) *inProcess {
	t.Helper()
	return startClientEnv(t, nil, args...)
}

// startClientEnv is startClient with env as the client's environment.
func startClientEnv(t *testing.T, env map[string]string, args ...string) *inProcess {
	t.Helper()
	pr, pw := io.Pipe()
	ctx, cancel := context.WithCancelCause(context.Background())
	p := &inProcess{stdin: pw, code: make(chan int, 1), cancel: cancel}
	t.Cleanup(func() { pw.Close(); cancel(nil) })
	getenv := func(k string) string { return env[k] }
	go func() { p.code <- run(ctx, args, stdio{in: pr, out: &p.stdout, err: &p.stderr, getenv: getenv}) }()
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
	case <-time.After(sessiontest.Wait):
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
	case <-time.After(sessiontest.Wait):
		t.Fatalf("the client did not exit; %s", describe())
		return -1
	}
}
