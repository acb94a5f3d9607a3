package main

import (
	"bufio"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// stamped is a line as a reader delivered it.
type stamped struct {
	line string
	at   int64
}

func TestLineBufferSplitsLinesAcrossReads(t *testing.T) {
	long := strings.Repeat("y", maxLineBytes+1)
	tests := []struct {
		name  string
		reads []string
		want  []string
	}{
		{"CRLF and LF both end a line", []string{"a\r\nb\n"}, []string{"a", "b"}},
		{"a line split over two reads arrives whole", []string{"hel", "lo\r\n"}, []string{"hello"}},
		{"a CR and its LF in different reads end one line", []string{"a\r", "\nb\r\n"}, []string{"a", "b"}},
		{"a line split over many one-byte reads arrives whole", strings.Split("abc\r\n", ""), []string{"abc"}},
		{"an empty line stays empty", []string{"\r\nx\r\n"}, []string{"", "x"}},
		{"an unfinished line is kept, not emitted", []string{"a\r\nb"}, []string{"a"}},
		{"a line longer than the cap in one read is emitted empty", []string{long + "\r\nz\r\n"}, []string{"", "z"}},
		{"a line outgrowing the cap over reads is emitted empty", []string{long[:100], long[100:], "\r\nz\r\n"}, []string{"", "z"}},
		{"a line that passes the cap only when complete is emitted empty", []string{long[:maxLineBytes], "y\r\nz\r\n"}, []string{"", "z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b lineBuffer
			var got []string
			for _, r := range tt.reads {
				b.feed([]byte(r), 0, func(line []byte, _ int64) { got = append(got, string(line)) })
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("lines %q, want %q", got, tt.want)
			}
			if cap(b.partial) > maxLineBytes+1 {
				t.Errorf("kept %d bytes for a partial line, cap %d", cap(b.partial), maxLineBytes)
			}
		})
	}
}

func TestLineBufferStampsEachLineWithTheReadThatCompletedIt(t *testing.T) {
	var b lineBuffer
	var got []stamped
	emit := func(line []byte, at int64) { got = append(got, stamped{string(line), at}) }
	b.feed([]byte("a\r\nb\r\nc"), 10, emit)
	b.feed([]byte("d\r\n"), 20, emit)
	want := []stamped{{"a", 10}, {"b", 10}, {"cd", 20}}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v: a line is as late as the read that finished it", got, want)
	}
}

func TestReactorsDeliverWholeLinesInOrder(t *testing.T) {
	for _, kind := range readerKinds {
		t.Run(kind+" gives every line whole, in order, stamped no earlier than its write", func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			d := &dialer{target: ln.Addr().(*net.TCPAddr)}
			c, err := connect(t.Context(), d, "x", nil, 64)
			if err != nil {
				t.Fatal(err)
			}
			srv, err := ln.Accept()
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			// What the login reader already holds must come first.
			srv.Write([]byte("login\r\nearly\r\npart"))
			if line, err := readLine(c.r); err != nil || string(line) != "login" {
				t.Fatalf("login line %q, %v", line, err)
			}

			rx, err := newReactor(kind, 1)
			if err != nil {
				t.Fatal(err)
			}
			defer rx.close()
			sink := &recordSink{}
			ended := make(chan error, 1)
			err = rx.watch(c, sink, func(err error) { ended <- err })
			if err != nil {
				t.Fatal(err)
			}
			writtenAt := monoNow()
			// Lines split across writes, one of them mid-CRLF.
			for _, p := range []string{"ial\r\n", "one\r", "\ntw", "o\r\nthree\r\n"} {
				srv.Write([]byte(p))
				time.Sleep(time.Millisecond) // so the pieces tend to arrive apart
			}
			want := []string{"early", "partial", "one", "two", "three"}
			waitFor(t, 5*time.Second, func() bool { return len(sink.flushed()) >= len(want) })
			got := sink.flushed()
			var lines []string
			for _, s := range got {
				lines = append(lines, s.line)
			}
			late := got[len(got)-1]
			if !slices.Equal(lines, want) {
				t.Errorf("lines %q, want %q", lines, want)
			}
			if late.at < writtenAt {
				t.Errorf("%q stamped %d, before it was written (%d)", late.line, late.at, writtenAt)
			}
			if err := c.write([]byte("to server\n")); err != nil {
				t.Fatalf("write after watch: %v", err)
			}
			if line, _ := bufio.NewReader(srv).ReadString('\n'); line != "to server\n" {
				t.Errorf("server read %q", line)
			}
			srv.Close()
			select {
			case <-ended:
			case <-time.After(5 * time.Second):
				t.Error("the end of the connection was not reported")
			}
		})
	}
}

// recordSink keeps every line with its stamp; only flushed lines are
// visible to flushed, as counts are to a receiver's readers.
type recordSink struct {
	mu      sync.Mutex
	pending []stamped
	done    []stamped
}

func (s *recordSink) line(p []byte, at int64) { s.pending = append(s.pending, stamped{string(p), at}) }

func (s *recordSink) flush() {
	s.mu.Lock()
	s.done = append(s.done, s.pending...)
	s.mu.Unlock()
	s.pending = s.pending[:0]
}

func (s *recordSink) flushed() []stamped {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.done)
}

// waitFor polls cond until it holds or timeout passes.
func waitFor(t *testing.T, timeout time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("condition not met within %s", timeout)
		}
		time.Sleep(pollInterval)
	}
}

func BenchmarkLineBufferFeed(b *testing.B) {
	var p []byte
	for i := range 30 {
		p = fmt.Appendf(p, "ab12: %d %d 123456789012 xxxxxxxxxxxxxxxx\r\n", i%10, i)
	}
	var lb lineBuffer
	n := 0
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		lb.feed(p, 0, func([]byte, int64) { n++ })
	}
}

func BenchmarkTrafficReceiver(b *testing.B) {
	tr := newTraffic(trafficConfig{Clients: 2, Senders: 10})
	tr.windowStart.Store(0)
	var p []byte
	for i := range 30 {
		p = fmt.Appendf(p, "ab12: %d %d %d xxxxxxxxxxxxxxxx\r\n", i%10, i/10+1, 123456789012+i)
	}
	var lb lineBuffer
	rcv := tr.receiver(1, 0)
	b.SetBytes(int64(len(p)))
	b.ReportAllocs()
	for b.Loop() {
		lb.feed(p, 123456799012, rcv.line)
		rcv.flush()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*30), "ns/line")
}
