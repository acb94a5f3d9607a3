package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestFlagsInAnyPosition(t *testing.T) {
	cases := []struct {
		name string
		args []string
		want func(*Options)
	}{
		{"no arguments give the defaults", nil, func(*Options) {}},
		{"flags before HOST PORT are read", []string{"-name", "x", "192.168.55.13", "8081"},
			func(o *Options) { o.Name, o.Addr = "x", "192.168.55.13:8081" }},
		{"flags after HOST PORT are read", []string{"::1", "6666", "-log-level", "warn"},
			func(o *Options) { o.Addr, o.LogLevel = "[::1]:6666", "warn" }},
		{"flags between HOST and PORT are read", []string{"::1", "-log-level", "warn", "6666"},
			func(o *Options) { o.Addr, o.LogLevel = "[::1]:6666", "warn" }},
		{"flags everywhere, with and without =, are read", []string{"-name=x", "127.0.0.1", "-history", "3", "6666", "-log-level=warn"},
			func(o *Options) { o.Name, o.Addr, o.History, o.LogLevel = "x", "127.0.0.1:6666", 3, "warn" }},
		{"a flag given twice keeps the last value", []string{"-history", "1", "127.0.0.1", "6666", "-history", "2"},
			func(o *Options) { o.Addr, o.History = "127.0.0.1:6666", 2 }},
		{"-addr after other flags is read", []string{"-name", "x", "-addr", "127.0.0.1:1"},
			func(o *Options) { o.Name, o.Addr = "x", "127.0.0.1:1" }},
		{"arguments after -- are HOST PORT", []string{"-name", "x", "--", "127.0.0.1", "6666"},
			func(o *Options) { o.Name, o.Addr = "x", "127.0.0.1:6666" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := defaultOptions()
			tc.want(&want)
			got, err := parseFlags(tc.args, io.Discard)
			if err != nil {
				t.Fatalf("%q: %v", tc.args, err)
			}
			if got.resolved == nil {
				t.Fatalf("%q: parseFlags did not check the options", tc.args)
			}
			got.resolved = nil // what it holds is the sessionConfig tests' business
			if got != want {
				t.Errorf("%q:\n got %+v\nwant %+v", tc.args, got, want)
			}
		})
	}
}

func TestHelpListsEveryFlagWithDefault(t *testing.T) {
	var out bytes.Buffer
	if code := realMain([]string{"-h"}, &out, io.Discard); code != 0 {
		t.Errorf("-h exit code %d", code)
	}
	help := out.String()
	for _, f := range []string{"-addr", "-name", "-encoding", "-max-line", "-history", "-rate", "-burst",
		"-max-out", "-max-clients", "-max-per-ip", "-idle", "-motd", "-metrics-addr", "-log-level",
		"-log-format", "-shutdown-timeout"} {
		if !strings.Contains(help, "  "+f+" ") && !strings.Contains(help, "  "+f+"\n") {
			t.Errorf("-h does not list %s", f)
		}
	}
	for _, d := range []string{`":6666"`, `"teahouse"`, `"auto"`, "4096", "1048576", "10000", "(default 16)", "(default 5s)", "(default 0 = off)", "(default off)", "(default none)"} {
		if !strings.Contains(help, d) {
			t.Errorf("-h does not give the default %s", d)
		}
	}
}

var badFlags = [][]string{
	{"-max-line", "x"},
	{"-max-line", "0"},
	{"-encoding", "latin1"},
	{"-rate", "-1"},
	{"-history", "-3"},
	{"-max-out", "-1"},
	{"-idle", "soon"},
	{"-log-level", "loud"},
	{"-log-format", "xml"},
	{"-shutdown-timeout", "0s"},
	{"-addr", "nohostport"},
	{"-addr", "127.0.0.1:99999"},
	{"-metrics-addr", "9100"},
	{"-motd", "/nonexistent/motd"},
	{"-no-such-flag"},
	{"127.0.0.1"},
	{"127.0.0.1", "8081", "extra"},
	{"-addr", ":1", "127.0.0.1", "2"},
	{"127.0.0.1", "2", "-addr", ":1"},
	{"127.0.0.1", "8081", "-no-such-flag"},
	{"127.0.0.1", "8081", "-log-level"},
	{"127.0.0.1", "8081", "-log-level", "loud"},
	{"127.0.0.1", "-max-line", "x", "8081"},
	{"--", "-log-level", "warn"},
}

func TestBadFlagsInProcess(t *testing.T) {
	for _, args := range badFlags {
		var stderr bytes.Buffer
		code := realMain(args, io.Discard, &stderr)
		msg := stderr.String()
		if code != 2 || strings.Count(msg, "\n") != 1 || !strings.HasPrefix(msg, "teahouse: ") {
			t.Errorf("%q: exit %d, stderr %q; want 2 and one line", args, code, msg)
		}
	}
}

func TestBadFlagsBinary(t *testing.T) {
	bin := serverBinary(t)
	for _, args := range badFlags[:3] {
		cmd := exec.Command(bin, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 2 {
			t.Errorf("%q: %v, want exit status 2", args, err)
		}
		if msg := stderr.String(); strings.Count(msg, "\n") != 1 || strings.Contains(msg, "panic") {
			t.Errorf("%q: stderr %q, want one line", args, msg)
		}
	}
}

// proc is the server binary running in a child process.
type proc struct {
	cmd     *exec.Cmd
	addr    string      // chat address, from the startup log line
	logs    *syncBuffer // its stderr
	logsEnd chan struct{}
}

// wait waits for the process to exit, after reading all of its logs.
func (p *proc) wait(t *testing.T) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		<-p.logsEnd
		done <- p.cmd.Wait()
	}()
	select {
	case err := <-done:
		return err
	case <-time.After(waitTime):
		t.Fatalf("server did not exit within %v; logs:\n%s", waitTime, p.logs)
		return nil
	}
}

// startBinary runs the built server on a random port.
func startBinary(t *testing.T, args ...string) *proc {
	t.Helper()
	return startBinaryCmd(t, func(bin string, args []string) *exec.Cmd { return exec.Command(bin, args...) }, args...)
}

// startBinaryCmd is startBinary with the command built by mk, e.g. to
// wrap it in a shell.
func startBinaryCmd(t *testing.T, mk func(bin string, args []string) *exec.Cmd, args ...string) *proc {
	t.Helper()
	bin := serverBinary(t)
	cmd := mk(bin, append([]string{"-addr", "127.0.0.1:0"}, args...))
	if cmd.Dir == "" {
		cmd.Dir = t.TempDir() // where the default -data file goes
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	logs := new(syncBuffer)
	addrc := make(chan string, 1)
	logsEnd := make(chan struct{})
	go func() {
		defer close(logsEnd)
		re := regexp.MustCompile(`teahouse listening.*?(?:addr=|"addr":")([^\s"]+)`)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			logs.Write(append(sc.Bytes(), '\n'))
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				addrc <- m[1]
			}
		}
	}()
	select {
	case addr := <-addrc:
		return &proc{cmd: cmd, addr: addr, logs: logs, logsEnd: logsEnd}
	case <-time.After(waitTime):
		t.Fatalf("no startup line; logs:\n%s", logs)
	}
	return nil
}

func TestSIGTERMNoticeAndExitCode(t *testing.T) {
	p := startBinary(t)
	alice := login(t, p.addr, "alice")
	bob := login(t, p.addr, "bob")
	alice.expect("*** bob joined #lobby")

	start := time.Now()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*client{alice, bob} {
		lines := c.expectEOF()
		if len(lines) == 0 || lines[len(lines)-1] != "*** server shutting down" {
			t.Errorf("%s: last lines %q, want the shutdown notice", c.Name, lines)
		}
	}
	if err := p.wait(t); err != nil {
		t.Errorf("exit: %v, want status 0; logs:\n%s", err, p.logs)
	}
	if d := time.Since(start); d > DefaultShutdownTimeout {
		t.Errorf("shutdown took %v", d)
	}
	if !strings.Contains(p.logs.String(), `msg=stopped`) {
		t.Errorf("no stop line in the logs:\n%s", p.logs)
	}
}

func TestSIGINTWithoutClients(t *testing.T) {
	p := startBinary(t, "-log-format", "json")
	if err := p.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if err := p.wait(t); err != nil {
		t.Errorf("exit: %v; logs:\n%s", err, p.logs)
	}
	if !strings.Contains(p.logs.String(), `"msg":"stopped"`) {
		t.Errorf("no JSON stop line in the logs:\n%s", p.logs)
	}
}

func TestBusyPortIsAClearError(t *testing.T) {
	s := startServer(t, nil)
	o := testOptions()
	o.Addr = s.addr
	err := run(t.Context(), o, newLogger(o, io.Discard), nil)
	if err == nil || !strings.Contains(err.Error(), "address already in use") {
		t.Errorf("run on a busy port: %v", err)
	}
}

func TestSecondSignalExitsAtOnce(t *testing.T) {
	// Closing the signal channel ends handleSignals; once it has returned,
	// every exit it was going to call has been called: a barrier, where a
	// check that exit was not called would otherwise have to guess a wait.
	tests := []struct {
		name       string
		sigs       []os.Signal
		wantCancel bool
		wantExits  []int
	}{
		{"no signal neither cancels nor exits", nil, false, nil},
		{"one signal cancels and does not exit", []os.Signal{syscall.SIGTERM}, true, nil},
		{"a second signal exits at once with status 1", []os.Signal{syscall.SIGTERM, os.Interrupt}, true, []int{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sigs := make(chan os.Signal, len(tt.sigs))
			for _, s := range tt.sigs {
				sigs <- s
			}
			close(sigs)
			cancelled := false
			var exits []int
			handleSignals(sigs, func() { cancelled = true }, func(code int) { exits = append(exits, code) }, newLogger(defaultOptions(), io.Discard))
			if cancelled != tt.wantCancel {
				t.Errorf("cancelled: %v, want %v", cancelled, tt.wantCancel)
			}
			if !slices.Equal(exits, tt.wantExits) {
				t.Errorf("exit calls %v, want %v", exits, tt.wantExits)
			}
		})
	}
}

// With a low open-file limit, connections past it are refused like
// -max-clients, instead of gnet's acceptor failing with EMFILE.
func TestOpenFileLimitCapsConnections(t *testing.T) {
	const nofile = 100 // fileCap = 100 - fdReserve = 36
	p := startBinaryCmd(t, func(bin string, args []string) *exec.Cmd {
		return exec.Command("/bin/sh", append([]string{"-c", `ulimit -n ` + strconv.Itoa(nofile) + ` && exec "$0" "$@"`, bin}, args...)...)
	})
	if !strings.Contains(p.logs.String(), "open-file limit caps connections") {
		t.Errorf("no startup warning about the open-file cap:\n%s", p.logs)
	}
	capacity := nofile - fdReserve
	for i := range capacity {
		c := dial(t, p.addr)
		c.Name = fmt.Sprintf("c%d", i)
		c.expect("Welcome to teahouse!")
	}
	over := dial(t, p.addr)
	if lines := over.expectEOF(); len(lines) != 1 || !strings.HasPrefix(lines[0], "-> server full") {
		t.Errorf("connection past the open-file cap got %q", lines)
	}
	// Still accepting after the refusal: the acceptor is alive.
	over2 := dial(t, p.addr)
	over2.expectEOF()
}

func TestBinaryTakesFlagsAfterHostPort(t *testing.T) {
	p := startBinaryCmd(t, func(bin string, _ []string) *exec.Cmd {
		return exec.Command(bin, "127.0.0.1", "0", "-name", "late flags", "-log-level", "debug")
	})
	c := dial(t, p.addr)
	c.expect("Welcome to late flags!")
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	c.expectEOF()
	if err := p.wait(t); err != nil {
		t.Errorf("exit: %v, want status 0; logs:\n%s", err, p.logs)
	}
}
