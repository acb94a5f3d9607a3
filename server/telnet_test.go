package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/creack/pty"
)

// The real telnet client, under a pseudo-terminal, talks with a raw client.
func TestRealTelnetClient(t *testing.T) {
	if _, err := exec.LookPath("telnet"); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("telnet not installed: apt-get install -y telnet")
		}
		t.Fatal("telnet not installed in CI (.ci/run installs it)")
	}
	s := startServer(t, nil)
	peer := login(t, s.addr, "peer")
	host, port, _ := net.SplitHostPort(s.addr)

	cmd := exec.Command("telnet", host, port)
	cmd.Env = append(os.Environ(), "TERM=dumb")
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 24, Cols: 80})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		tty.Close()
	})
	screen := new(syncBuffer)
	go func() { _, _ = io.Copy(screen, tty) }()
	waitScreen := func(want string) {
		t.Helper()
		checkFor(t, waitTime, 20*time.Millisecond, func() error {
			if !strings.Contains(screen.String(), want) {
				return fmt.Errorf("telnet screen lacks %q:\n%s", want, screen)
			}
			return nil
		})
	}
	typeLine := func(s string) {
		t.Helper()
		if _, err := io.WriteString(tty, s+"\r"); err != nil {
			t.Fatal(err)
		}
	}

	waitScreen("Welcome to teahouse!")
	waitScreen("nickname")
	typeLine("tele")
	peer.expect("*** tele joined #lobby")
	waitScreen("*** tele joined #lobby")

	typeLine("hello from a real telnet")
	peer.expect("tele: hello from a real telnet")

	peer.send("hello back")
	waitScreen("peer: hello back")

	// Ctrl-C makes telnet send IAC IP IAC DO TIMING-MARK and discard output
	// until it hears back; the refusal must keep the screen alive.
	// Lines that arrive before the refusal are rightly discarded by telnet,
	// so the peer keeps talking until one shows.
	if _, err := tty.Write([]byte{3}); err != nil {
		t.Fatal(err)
	}
	i := 0
	checkFor(t, waitTime, 100*time.Millisecond, func() error {
		if strings.Contains(screen.String(), "peer: after ctrl-c") {
			return nil
		}
		i++
		peer.send(fmt.Sprintf("after ctrl-c %d", i))
		return fmt.Errorf("telnet shows nothing after Ctrl-C:\n%s", screen)
	})
	typeLine("still typing")
	peer.expect("tele: still typing")
}
