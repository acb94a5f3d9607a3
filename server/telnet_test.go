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
}
