package main

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"syscall"
	"testing"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"teahouse/session/sessiontest"
)

// ptyColumns is the width of the test terminal.
const ptyColumns = 80

// ptySession is the client binary running on a pseudo-terminal.
type ptySession struct {
	cmd    *exec.Cmd
	ptmx   *os.File // our side: what we type, what it draws
	tty    *os.File // its side, kept open to read the terminal modes after it exits
	screen *screenModel
	raw    sessiontest.SyncBuffer // every byte drawn, escape sequences and all
	exited chan error
}

// withoutNoColor drops NO_COLOR from env, so each test decides it.
func withoutNoColor(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "NO_COLOR=") {
			out = append(out, kv)
		}
	}
	return out
}

// startPTY runs the client binary with args on a fresh pseudo-terminal,
// without colours so the screen reads plainly.
func startPTY(t *testing.T, args ...string) *ptySession {
	t.Helper()
	return startPTYEnv(t, []string{"NO_COLOR=1"}, args...)
}

// startPTYEnv is startPTY with env added to the client's environment.
func startPTYEnv(t *testing.T, env []string, args ...string) *ptySession {
	t.Helper()
	bin := clientBinary(t)
	ptmx, tty, err := pty.Open()
	if err != nil {
		sessiontest.Missing(t, "no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { ptmx.Close(); tty.Close() })
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 24, Cols: ptyColumns}); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(append(withoutNoColor(os.Environ()), "TERM=xterm"), env...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := &ptySession{cmd: cmd, ptmx: ptmx, tty: tty, screen: newScreenModel(ptyColumns), exited: make(chan error, 1)}
	t.Cleanup(func() { cmd.Process.Kill() })
	go io.Copy(io.MultiWriter(s.screen, &s.raw), ptmx) // ends when the pty is closed
	go func() { s.exited <- cmd.Wait() }()
	return s
}

// typeIn sends keystrokes to the client.
func (s *ptySession) typeIn(t *testing.T, keys string) {
	t.Helper()
	if _, err := io.WriteString(s.ptmx, keys); err != nil {
		t.Fatal(err)
	}
}

// waitRows polls until the screen's last rows are want and the cursor is in
// column col.
func (s *ptySession) waitRows(t *testing.T, col int, want ...string) {
	t.Helper()
	sessiontest.CheckFor(t, sessiontest.Wait, sessiontest.Poll, func() error {
		rows := s.screen.lines()
		if len(rows) < len(want) || !reflect.DeepEqual(rows[len(rows)-len(want):], want) {
			return fmt.Errorf("screen:\n%s\nwant it to end with:\n%s", s.screen, strings.Join(want, "\n"))
		}
		if x, _ := s.screen.cursor(); x != col {
			return fmt.Errorf("cursor in column %d, want %d; screen:\n%s", x, col, s.screen)
		}
		return nil
	})
}

// exitCode waits for the client to exit.
func (s *ptySession) exitCode(t *testing.T) int {
	t.Helper()
	return waitExit(t, s.exited, func() string { return fmt.Sprintf("screen:\n%s", s.screen) })
}

// wantCooked fails unless the terminal is back in its normal mode: line
// editing and echo on, as the client found it.
func (s *ptySession) wantCooked(t *testing.T) {
	t.Helper()
	tio, err := unix.IoctlGetTermios(int(s.tty.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&unix.ICANON == 0 || tio.Lflag&unix.ECHO == 0 {
		t.Errorf("the terminal was left in raw mode (lflag %#x)", tio.Lflag)
	}
}

func TestTerminalKeepsTheHalfTypedLineWhenALineArrives(t *testing.T) {
	srv := startFakeServer(t)
	s := startPTY(t, "-nick", "bob", srv.addr())
	fc := srv.accept(t)
	fc.login()
	s.waitRows(t, 2, fakeWelcome, fakePrompt, "-> hello bob! /help lists the commands", "*** bob joined #lobby", ">")

	half := "hello 世界 wor"
	s.typeIn(t, half)
	col := 2 + stringWidth(half)
	s.waitRows(t, col, "*** bob joined #lobby", "> "+half)

	fc.Send("alice: hi there", "carol: 喝茶吗？")
	s.waitRows(t, col, "*** bob joined #lobby", "alice: hi there", "carol: 喝茶吗？", "> "+half)

	s.typeIn(t, "ld\r")
	fc.ExpectNext(half + "ld")
	s.waitRows(t, 2, "carol: 喝茶吗？", "bob: "+half+"ld", ">")

	s.typeIn(t, "/who\r")
	fc.ExpectNext("/who")
	fc.Send("-> 3 online")
	s.waitRows(t, 2, "bob: "+half+"ld", "> /who", "-> 3 online", ">")

	s.typeIn(t, "\x03") // Ctrl-C
	fc.quit()
	if code := s.exitCode(t); code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	s.wantCooked(t)
}

func TestTerminalEndsCleanlyEveryWay(t *testing.T) {
	tests := []struct {
		name     string
		end      func(t *testing.T, s *ptySession, fc fakeConn)
		wantCode int
		wantLast string // last screen row
	}{
		{"Ctrl-D on an empty line leaves with /quit", func(t *testing.T, s *ptySession, fc fakeConn) {
			s.typeIn(t, "\x15\x04") // Ctrl-U empties the line first
			fc.quit()
		}, exitOK, "*** bob joined #lobby"},
		{"the server closing is reported", func(t *testing.T, s *ptySession, fc fakeConn) {
			fc.Send("*** server shutting down")
			fc.Conn.Close()
		}, exitFail, "teahouse: connection to %s closed by server"},
		{"SIGTERM leaves with /quit", func(t *testing.T, s *ptySession, fc fakeConn) {
			s.cmd.Process.Signal(syscall.SIGTERM)
			fc.quit()
		}, exitSignal + int(syscall.SIGTERM), "*** bob joined #lobby"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFakeServer(t)
			s := startPTY(t, "-nick", "bob", srv.addr())
			fc := srv.accept(t)
			fc.login()
			s.waitRows(t, 2, "*** bob joined #lobby", ">")
			s.typeIn(t, "typed but not sent")
			s.waitRows(t, 2+18, "> typed but not sent")
			tt.end(t, s, fc)
			if code := s.exitCode(t); code != tt.wantCode {
				t.Errorf("exit %d, want %d", code, tt.wantCode)
			}
			last := tt.wantLast
			if strings.Contains(last, "%s") {
				last = fmt.Sprintf(last, srv.addr())
			}
			sessiontest.CheckFor(t, sessiontest.Wait, sessiontest.Poll, func() error {
				rows := s.screen.lines()
				if rows[len(rows)-1] != last {
					return fmt.Errorf("screen:\n%s\nwant the last row %q", s.screen, last)
				}
				return nil
			})
			s.wantCooked(t)
		})
	}
}

func TestTerminalColoursFollowNoColor(t *testing.T) {
	tests := []struct {
		name string
		env  []string
		want string
	}{
		{"an announcement is yellow by default", nil, "\x1b[33m*** bob joined #lobby\x1b[0m"},
		{"a nickname has its colour by default", nil, nickColour("alice") + "alice\x1b[0m: hi"},
		{"NO_COLOR leaves announcements plain", []string{"NO_COLOR=1"}, "\r\x1b[K*** bob joined #lobby\r\n"},
		{"NO_COLOR leaves nicknames plain", []string{"NO_COLOR=1"}, "\r\x1b[Kalice: hi\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFakeServer(t)
			s := startPTYEnv(t, tt.env, "-nick", "bob", srv.addr())
			fc := srv.accept(t)
			fc.login()
			fc.Send("alice: hi")
			s.waitRows(t, 2, "*** bob joined #lobby", "alice: hi", ">")
			if !strings.Contains(s.raw.String(), tt.want) {
				t.Errorf("the terminal got no %q:\n%q", tt.want, s.raw.String())
			}
			s.typeIn(t, "\x03")
			fc.quit()
			s.exitCode(t)
		})
	}
}

func TestTerminalLetsTheUserRetryARefusedNick(t *testing.T) {
	srv := startFakeServer(t)
	s := startPTY(t, "-nick", "alice", srv.addr())
	fc := srv.accept(t)
	fc.greet()
	fc.ExpectNext("alice")
	fc.Send("-> nickname is taken: alice is online; try another", fakePrompt)
	s.waitRows(t, 2, "-> nickname is taken: alice is online; try another", fakePrompt, ">")
	s.typeIn(t, "alicia\r")
	fc.ExpectNext("alicia")
	fc.Send("*** alicia joined #lobby")
	s.waitRows(t, 2, "> alicia", "*** alicia joined #lobby", ">")
	s.typeIn(t, "hi\r")
	fc.ExpectNext("hi")
	s.waitRows(t, 2, "*** alicia joined #lobby", "alicia: hi", ">")
	s.typeIn(t, "\x04")
	fc.quit()
	if code := s.exitCode(t); code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
}

func TestTerminalRedrawsTheInputLineWhenResized(t *testing.T) {
	srv := startFakeServer(t)
	s := startPTY(t, "-nick", "bob", srv.addr())
	fc := srv.accept(t)
	fc.login()
	s.waitRows(t, 2, "*** bob joined #lobby", ">")
	long := strings.Repeat("0123456789", 10)
	s.typeIn(t, long)
	// 80 columns: the prompt, 77 columns of text, the last column kept free.
	s.waitRows(t, ptyColumns-1, "> "+long[len(long)-77:])
	if err := pty.Setsize(s.ptmx, &pty.Winsize{Rows: 24, Cols: 40}); err != nil {
		t.Fatal(err)
	}
	s.waitRows(t, 40-1, "> "+long[len(long)-37:])
	s.typeIn(t, "\x03")
	fc.quit()
	s.exitCode(t)
}

func TestTerminalHidesWhatIsTypedAtAPasswordPrompt(t *testing.T) {
	srv := startFakeServer(t)
	s := startPTY(t, srv.addr())
	fc := srv.accept(t)
	fc.greet()
	s.waitRows(t, 2, fakePrompt, ">")
	s.typeIn(t, "alice\r")
	fc.ExpectNext("alice")
	prompt := promptFor(loginPromptFor, "alice")
	fc.Send(prompt)
	s.waitRows(t, 2, "> alice", prompt, ">")

	s.typeIn(t, testPassword+"\r")
	fc.ExpectNext(testPassword)
	s.waitRows(t, 2, prompt, "> (hidden)", ">")
	fc.Send("-> hello alice! /help lists the commands", "*** alice joined #lobby")
	s.waitRows(t, 2, "*** alice joined #lobby", ">")

	s.typeIn(t, "\x1b[A") // ↑: the nickname, not the password
	s.waitRows(t, 2+len("alice"), "*** alice joined #lobby", "> alice")
	s.typeIn(t, "\x15\x03") // Ctrl-U, Ctrl-C
	fc.quit()
	if code := s.exitCode(t); code != exitOK {
		t.Errorf("exit %d, want 0", code)
	}
	s.wantCooked(t)
	wantNoPassword(t, testPassword, map[string]string{"the terminal": s.raw.String()})
}

func TestTerminalPasswordPromptKeepsCancelAndLeaving(t *testing.T) {
	prompt := promptFor(loginPromptFor, "alice")
	t.Run("an empty line is sent, and cancels", func(t *testing.T) {
		srv := startFakeServer(t)
		s := startPTY(t, "-nick", "alice", srv.addr())
		fc := srv.accept(t)
		fc.greet()
		fc.ExpectNext("alice")
		fc.Send(prompt)
		s.waitRows(t, 2, prompt, ">")
		s.typeIn(t, "\r")
		fc.ExpectNext("")
		fc.Send("-> cancelled: type another nickname")
		s.waitRows(t, 2, "-> cancelled: type another nickname", ">")
		s.typeIn(t, "bob") // typing shows again
		s.waitRows(t, 2+3, "-> cancelled: type another nickname", "> bob")
		s.typeIn(t, "\x03")
		fc.ExpectNext("/quit")
		fc.Conn.Close()
		s.exitCode(t)
	})
	for _, key := range []struct{ name, keys string }{{"Ctrl-C", "\x03"}, {"Ctrl-D", "\x04"}} {
		t.Run(key.name+" cancels the prompt, then leaves with /quit", func(t *testing.T) {
			srv := startFakeServer(t)
			s := startPTY(t, "-nick", "alice", srv.addr())
			fc := srv.accept(t)
			fc.greet()
			fc.ExpectNext("alice")
			fc.Send(prompt)
			s.waitRows(t, 2, prompt, ">")
			s.typeIn(t, key.keys)
			fc.ExpectNext("") // else the server would take /quit for a password
			fc.quit()
			if code := s.exitCode(t); code != exitOK {
				t.Errorf("exit %d, want 0", code)
			}
			s.wantCooked(t)
		})
	}
}

func TestTerminalAnswersPromptsFromItsSource(t *testing.T) {
	path := writePasswordFile(t, testPassword+"\n", 0o600)
	tests := []struct {
		name string
		env  []string
		args []string
		from string
	}{
		{"TEAHOUSE_PASSWORD", []string{"NO_COLOR=1", passwordEnv + "=" + testPassword}, nil, passwordEnv},
		{"-password-file", []string{"NO_COLOR=1"}, []string{"-password-file", path}, "-password-file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFakeServer(t)
			s := startPTYEnv(t, tt.env, append(tt.args, "-nick", "alice", srv.addr())...)
			fc := srv.accept(t)
			if _, answer := fc.loginRegistered(testPassword); answer != testPassword {
				t.Fatalf("the client answered %q, want the password", answer)
			}
			s.waitRows(t, 2, "*** alice joined #lobby", ">")
			if !strings.Contains(s.screen.String(), "> (hidden) from "+tt.from) {
				t.Errorf("the screen does not say where the password came from:\n%s", s.screen)
			}
			s.typeIn(t, "\x03")
			fc.quit()
			s.exitCode(t)
			wantNoPassword(t, testPassword, map[string]string{"the terminal": s.raw.String()})
		})
	}
}

func TestTerminalMasksTheOneLineForms(t *testing.T) {
	tests := []struct {
		name, typed, shown string
		loggedIn           bool
	}{
		{"/login NAME PASSWORD", "/login alice s3cret-pw", "> /login alice ****", false},
		{"login NAME PASSWORD", "login alice s3cret-pw", "> login alice ****", false},
		{"/register PASSWORD", "/register s3cret-pw", "> /register ****", true},
		{"/passwd CURRENT NEW", "/passwd s3cret-pw n3w-s3cret", "> /passwd **** ****", true},
		{"/unregister PASSWORD", "/unregister s3cret-pw", "> /unregister ****", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFakeServer(t)
			args := []string{srv.addr()}
			if tt.loggedIn {
				args = append([]string{"-nick", "bob"}, args...)
			}
			s := startPTY(t, args...)
			fc := srv.accept(t)
			if tt.loggedIn {
				fc.login()
				s.waitRows(t, 2, "*** bob joined #lobby", ">")
			} else {
				fc.greet()
				s.waitRows(t, 2, fakePrompt, ">")
			}
			s.typeIn(t, tt.typed+"\r")
			fc.ExpectNext(tt.typed)
			s.waitRows(t, 2, tt.shown, ">")
			s.typeIn(t, "\x1b[A\x1b[A") // ↑: nothing to recall, the password was not kept
			s.typeIn(t, "x")
			s.waitRows(t, 3, tt.shown, "> x")
			s.typeIn(t, "\x15\x03")
			fc.quit()
			s.exitCode(t)
		})
	}
}
