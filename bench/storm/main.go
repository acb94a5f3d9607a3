// Command storm measures a crowd arriving and leaving together, the
// issue-12 check that the load generator's wave-by-wave logins do not
// make: n clients connect, send their nicknames at once, and the time until
// every one has read its own "*** NICK joined #lobby" is the login time;
// once all are in and the room is quiet, the server's resident memory is
// read, then every client closes at once and the memory is sampled every
// few milliseconds until the server holds no client connection.
//
//	go run ./bench/storm -n 10000 -server ./server            # teahouse (go build)
//	go run ./bench/storm -n 10000 -server ./bench/stdlib      # the reference
//	go run ./bench/storm -n 10000 -server ./server -args '-crowd 0'
//
// It is a separate command so that the load generator's scenarios stay as
// they are; it shares their rules: loopback only, connections spread over
// 127.0.0.2-250, the fd limit raised to the hard limit for both processes.
package main

import (
	"bufio"
	"bytes"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	n := flag.Int("n", 10000, "clients")
	server := flag.String("server", "./server", "package to build and start (./server or ./bench/stdlib)")
	args := flag.String("args", "", "extra server arguments, split on spaces")
	timeout := flag.Duration("timeout", 10*time.Minute, "give up after this long")
	flag.Parse()
	if err := run(*n, *server, strings.Fields(*args), *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "storm:", err)
		os.Exit(1)
	}
}

func run(n int, pkg string, extra []string, timeout time.Duration) error {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err == nil {
		lim.Cur = lim.Max
		_ = syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim)
	}
	dir, err := os.MkdirTemp("", "storm")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "server")
	if out, err := exec.Command("go", "build", "-o", bin, pkg).CombinedOutput(); err != nil {
		return fmt.Errorf("build %s: %v\n%s", pkg, err, out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	addr := ln.Addr().String()
	ln.Close()
	cmdArgs := append([]string{"-addr", addr, "-rate", "0", "-history", "0", "-max-clients", strconv.Itoa(n + 100),
		"-max-per-ip", "0", "-log-level", "warn"}, extra...)
	if strings.Contains(pkg, "server") && !strings.Contains(pkg, "stdlib") {
		cmdArgs = append([]string{"-data", ""}, cmdArgs...)
	}
	cmd := exec.Command(bin, cmdArgs...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() }()
	pid := cmd.Process.Pid
	for start := time.Now(); ; time.Sleep(20 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Since(start) > 10*time.Second {
			return errors.New("server did not start")
		}
	}
	time.Sleep(200 * time.Millisecond)
	fdBase := fdCount(pid)
	rssBase := rss(pid)
	deadline := time.Now().Add(timeout)

	// Connect everyone; each reader drains its connection and marks its own join.
	conns := make([]net.Conn, n)
	var joined, welcomed sync.WaitGroup
	var bytesIn, missed atomic.Int64
	joined.Add(n)
	welcomed.Add(n)
	for i := range conns {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(2+i%248))}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			return fmt.Errorf("connect %d: %v", i, err)
		}
		conns[i] = c
		go read(c, []byte(fmt.Sprintf("*** s%d joined #lobby", i)), &welcomed, &joined, &bytesIn, &missed)
	}
	if !waitFor(&welcomed, deadline) {
		return errors.New("welcome lines did not all arrive")
	}
	time.Sleep(200 * time.Millisecond)
	cpu0 := cpuTime(pid)
	start := time.Now()
	for i, c := range conns {
		if _, err := fmt.Fprintf(c, "s%d\r\n", i); err != nil {
			return err
		}
	}
	if !waitFor(&joined, deadline) {
		return errors.New("not everyone saw their join in time")
	}
	login := time.Since(start)
	loginCPU := cpuTime(pid) - cpu0
	failed := missed.Load()
	// Let the room go quiet: no bytes for a second (announcements, summaries).
	for last := bytesIn.Load(); ; {
		time.Sleep(time.Second)
		now := bytesIn.Load()
		if now == last || time.Now().After(deadline) {
			break
		}
		last = now
	}
	rssIn := rss(pid)
	peakIn := hwm(pid)

	// Everyone leaves at once; sample the server's memory meanwhile.
	var peak atomic.Int64
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		for {
			if r := rss(pid); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	}()
	leaveStart := time.Now()
	for _, c := range conns {
		c.Close()
	}
	for fdCount(pid) > fdBase && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	left := time.Since(leaveStart)
	time.Sleep(500 * time.Millisecond) // the server's last summaries and frees
	close(stop)
	<-sampled
	if r := rss(pid); r > peak.Load() {
		peak.Store(r)
	}
	fmt.Printf("%s %s n=%d  failed %d  login %.2fs (server CPU %.2fs)  RSS base %.1f MB, logged in %.1f MB (login peak %.1f MB), during the disconnect peak %.1f MB = %.2f× logged in; disconnect took %.2fs\n",
		pkg, strings.Join(extra, " "), n, failed, login.Seconds(), loginCPU.Seconds(), mb(rssBase), mb(rssIn), mb(peakIn), mb(peak.Load()),
		float64(peak.Load())/float64(rssIn), left.Seconds())
	return nil
}

// read drains c, marking welcomed at the first line and joined at own.
func read(c net.Conn, own []byte, welcomed, joined *sync.WaitGroup, bytesIn, missed *atomic.Int64) {
	r := bufio.NewReaderSize(c, 4096)
	first, seen := true, false
	for {
		line, err := r.ReadSlice('\n')
		bytesIn.Add(int64(len(line)))
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			break
		}
		if first {
			first = false
			welcomed.Done()
		}
		if !seen && bytes.HasPrefix(line, own) {
			seen = true
			joined.Done()
		}
	}
	if first {
		welcomed.Done()
	}
	if !seen {
		missed.Add(1) // the server closed it before its join: reported
		joined.Done()
	}
}

func waitFor(wg *sync.WaitGroup, deadline time.Time) bool {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(time.Until(deadline)):
		return false
	}
}

func mb(b int64) float64 { return float64(b) / (1 << 20) }

// status reads a VmRSS-like field of /proc/pid/status, in bytes.
func status(pid int, field string) int64 {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func rss(pid int) int64 { return status(pid, "VmRSS") }
func hwm(pid int) int64 { return status(pid, "VmHWM") }

func fdCount(pid int) int {
	es, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(es)
}

// cpuTime is the process's user+system time from /proc/pid/stat.
func cpuTime(pid int) time.Duration {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		f := strings.Fields(s[i+2:])
		if len(f) > 12 {
			u, _ := strconv.ParseInt(f[11], 10, 64)
			k, _ := strconv.ParseInt(f[12], 10, 64)
			return time.Duration(u+k) * 10 * time.Millisecond
		}
	}
	return 0
}
