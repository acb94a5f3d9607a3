package main

import (
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name string
		stat string
		want time.Duration
		ok   bool
	}{
		{"utime and stime are added", "42 (teahouse) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0", 3 * time.Second, true},
		{"a command name with spaces and parens is skipped", "42 (a) b (c) S 1 42 42 0 -1 0 0 0 0 0 7 3 0 0", 100 * time.Millisecond, true},
		{"a truncated line is an error", "42 (x) S 1 2", 0, false},
		{"no command name is an error", "42 x S", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tt.stat))
			if (err == nil) != tt.ok || got != tt.want {
				t.Errorf("parseStatCPU = %v, %v; want %v, ok %v", got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestParseStatusMemory(t *testing.T) {
	status := "Name:\tx\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads:\t3\n"
	m, err := parseStatusMemory([]byte(status))
	if err != nil || m.rss != 1024<<10 || m.peak != 2048<<10 {
		t.Errorf("parseStatusMemory = %+v, %v", m, err)
	}
	if _, err := parseStatusMemory([]byte("Name:\tx\n")); err == nil {
		t.Error("status without VmRSS parsed")
	}
}

func TestParseCPUList(t *testing.T) {
	last := runtime.NumCPU() - 1
	tests := []struct {
		name string
		list string
		want []int
		ok   bool
	}{
		{"one CPU", "0", []int{0}, true},
		{"a range", "0-" + strconv.Itoa(last), seq(0, last), true},
		{"a CPU past the last is refused", strconv.Itoa(last + 1), nil, false},
		{"a backwards range is refused", "1-0", nil, false},
		{"a word is refused", "all", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCPUList(tt.list)
			if (err == nil) != tt.ok || !slices.Equal(got, tt.want) {
				t.Errorf("parseCPUList(%q) = %v, %v", tt.list, got, err)
			}
		})
	}
}

func TestOwnProcessFigures(t *testing.T) {
	pid := os.Getpid()
	if _, err := cpuTime(pid); err != nil {
		t.Errorf("cpuTime: %v", err)
	}
	if m, err := memoryOf(pid); err != nil || m.rss <= 0 || m.peak < m.rss {
		t.Errorf("memoryOf = %+v, %v", m, err)
	}
	if n, err := fdCount(pid); err != nil || n < 3 {
		t.Errorf("fdCount = %d, %v", n, err)
	}
}

func seq(a, b int) []int {
	var s []int
	for i := a; i <= b; i++ {
		s = append(s, i)
	}
	return s
}

func TestParseMachineBusy(t *testing.T) {
	stat := "cpu  100 5 50 1000 7 3 2 40 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n"
	got, err := parseMachineBusy([]byte(stat))
	if want := 200 * time.Second / clockTicksPerSecond; err != nil || got != want {
		t.Errorf("parseMachineBusy = %v, %v; want %v (user+nice+system+irq+softirq+steal)", got, err, want)
	}
}
