package main

import (
	"fmt"
	"io"
	"net"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"teahouse/session/sessiontest"
)

// realServer is the teahouse server binary, on a random loopback port.
type realServer struct {
	cmd    *exec.Cmd
	addr   string
	stderr sessiontest.SyncBuffer
}

// startRealServer runs the server built from ./server; a server that does
// not build fails the test.
func startRealServer(t *testing.T) *realServer {
	t.Helper()
	bin := sessiontest.Binary(t, "teahouse/server")
	s := &realServer{addr: freePort(t)}
	s.cmd = exec.Command(bin, "-addr", s.addr, "-log-level", "warn")
	s.cmd.Stderr = &s.stderr
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		s.cmd.Wait()
		if t.Failed() {
			t.Logf("server stderr:\n%s", s.stderr.String())
		}
	})
	sessiontest.CheckFor(t, sessiontest.Wait, sessiontest.Poll, func() error {
		c, err := net.Dial("tcp", s.addr)
		if err != nil {
			return err
		}
		c.Close()
		return nil
	})
	return s
}

// freePort finds a loopback port nobody listens on: listen on port 0,
// note the port, close. Another process could take it in between; on a
// test machine that is rare enough.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// rawPeer logs in to addr over a bare TCP connection, as telnet would.
func rawPeer(t *testing.T, addr, nick string) *sessiontest.Peer {
	t.Helper()
	p := sessiontest.Dial(t, addr)
	p.Name = nick
	p.Send(nick)
	p.Expect("*** " + nick + " joined #lobby")
	return p
}

// clientProcess is the client binary in pipe mode.
type clientProcess struct {
	cmd            *exec.Cmd
	stdin          io.WriteCloser
	stdout, stderr sessiontest.SyncBuffer
	exited         chan error
}

// startClientProcess runs the client binary with args and a stdin pipe.
func startClientProcess(t *testing.T, args ...string) *clientProcess {
	t.Helper()
	p := &clientProcess{cmd: exec.Command(clientBinary(t), args...), exited: make(chan error, 1)}
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	var err error
	if p.stdin, err = p.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.cmd.Process.Kill() })
	go func() { p.exited <- p.cmd.Wait() }()
	return p
}

// write feeds the client's stdin.
func (p *clientProcess) write(t *testing.T, s string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, s); err != nil {
		t.Fatal(err)
	}
}

// exitCode waits for the client to exit.
func (p *clientProcess) exitCode(t *testing.T) int {
	t.Helper()
	return waitExit(t, p.exited, func() string {
		return fmt.Sprintf("stdout:\n%s\nstderr:\n%s", p.stdout.String(), p.stderr.String())
	})
}

func TestRealServerPipeModeChatsWithARawPeer(t *testing.T) {
	srv := startRealServer(t)
	alice := rawPeer(t, srv.addr, "alice")
	bot := startClientProcess(t, "-nick", "bot", srv.addr)
	alice.Expect("*** bot joined #lobby")
	bot.write(t, "hi alice\n")
	alice.Expect("bot: hi alice")
	alice.Send("hello bot", "/me pours tea")
	sessiontest.WaitContains(t, "stdout", &bot.stdout, "alice: hello bot\n* alice pours tea\n")
	bot.write(t, "/quit\n")
	bot.stdin.Close()
	if code := bot.exitCode(t); code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", code, bot.stderr.String())
	}
	if !strings.Contains(bot.stdout.String(), "*** bot joined #lobby\n") || !strings.Contains(bot.stdout.String(), "bot: hi alice\n") {
		t.Errorf("stdout misses the join or the own line:\n%s", bot.stdout.String())
	}
	if s := bot.stderr.String(); s != "" {
		t.Errorf("stderr: %q, want nothing", s)
	}
}

func TestRealServerGBKModeRoundTripsChinese(t *testing.T) {
	srv := startRealServer(t)
	alice := rawPeer(t, srv.addr, "alice") // a UTF-8 terminal
	bot := startClientProcess(t, "-nick", "bot", "-encoding", "gbk", srv.addr)
	alice.Expect("*** bot joined #lobby")
	bot.write(t, "你好，世界\n")
	alice.Expect("bot: 你好，世界")
	alice.Send("喝茶吗？")
	sessiontest.WaitContains(t, "stdout", &bot.stdout, "alice: 喝茶吗？\n")
	bot.write(t, "/quit\n")
	bot.stdin.Close()
	if code := bot.exitCode(t); code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", code, bot.stderr.String())
	}
	if strings.ContainsRune(bot.stdout.String(), '\uFFFD') {
		t.Errorf("stdout has undecodable text:\n%s", bot.stdout.String())
	}
}

func TestRealServerShutdownEndsTheClientWithStatus1(t *testing.T) {
	srv := startRealServer(t)
	bot := startClientProcess(t, "-nick", "bot", srv.addr)
	sessiontest.WaitContains(t, "stdout", &bot.stdout, "*** bot joined #lobby\n")
	if err := srv.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := bot.exitCode(t); code != exitFail {
		t.Fatalf("exit %d, want 1; stderr: %s", code, bot.stderr.String())
	}
	want := fmt.Sprintf("teahouse: connection to %s closed by server\n", srv.addr)
	if got := bot.stderr.String(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	t.Logf("the client's last lines:\n%s", bot.stdout.String())
}
