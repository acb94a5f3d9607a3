package sessiontest

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// recorder is a testing.TB that notes a failure or a skip instead of
// ending the real test; run the helper under it with outcome.
type recorder struct {
	testing.TB // the real test, for Cleanup and anything not overridden
	failed     string
	skipped    string
}

func (r *recorder) Helper() {}

func (r *recorder) Fatal(args ...any) { r.failed = fmt.Sprint(args...); runtime.Goexit() }

func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// outcome runs f with a recorder in its own goroutine, as the testing
// package runs a test, and returns the recorder once f has finished or
// stopped.
func outcome(t *testing.T, f func(tb testing.TB)) *recorder {
	t.Helper()
	r := &recorder{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		f(r)
	}()
	<-done
	return r
}

func TestCheckFor(t *testing.T) {
	t.Run("it returns as soon as the condition holds", func(t *testing.T) {
		calls := 0
		r := outcome(t, func(tb testing.TB) {
			CheckFor(tb, Wait, time.Millisecond, func() error {
				if calls++; calls < 3 {
					return errors.New("not yet")
				}
				return nil
			})
		})
		if r.failed != "" || calls != 3 {
			t.Errorf("failed %q after %d calls, want success at the third", r.failed, calls)
		}
	})
	t.Run("it fails with the condition's last error once the time is up", func(t *testing.T) {
		calls := 0
		r := outcome(t, func(tb testing.TB) {
			CheckFor(tb, 20*time.Millisecond, time.Millisecond, func() error {
				calls++
				return fmt.Errorf("attempt %d", calls)
			})
		})
		if want := fmt.Sprintf("attempt %d", calls); !strings.HasSuffix(r.failed, want) {
			t.Errorf("failed with %q, want it to end with %q", r.failed, want)
		}
	})
}

func TestMissing(t *testing.T) {
	tests := []struct {
		name, ci          string
		wantSkip, wantErr bool
	}{
		{"a developer's machine skips", "", true, false},
		{"CI fails", "true", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("CI", tt.ci)
			r := outcome(t, func(tb testing.TB) { Missing(tb, "no %s here", "telnet") })
			if (r.skipped != "") != tt.wantSkip || (r.failed != "") != tt.wantErr {
				t.Errorf("skipped %q, failed %q", r.skipped, r.failed)
			}
			if got := r.skipped + r.failed; !strings.Contains(got, "no telnet here") {
				t.Errorf("the reason is lost: %q", got)
			}
		})
	}
}

// pair returns a Peer under tb and the raw other end of its connection.
func pair(t *testing.T, tb testing.TB) (*Peer, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := ln.Accept()
		accepted <- c
	}()
	p := Dial(tb, ln.Addr().String())
	other := <-accepted
	if other == nil {
		t.Fatal("accept failed")
	}
	t.Cleanup(func() { other.Close() })
	return p, other
}

func TestPeer(t *testing.T) {
	t.Run("Send ends each line with CRLF", func(t *testing.T) {
		p, other := pair(t, t)
		p.Send("one", "two")
		p.Conn.Close()
		got, _ := io.ReadAll(other)
		if string(got) != "one\r\ntwo\r\n" {
			t.Errorf("sent %q", got)
		}
	})
	t.Run("Expect skips to the line and returns those before it, whatever the terminator", func(t *testing.T) {
		p, other := pair(t, t)
		io.WriteString(other, "a\r\nb\nwant\r\nafter\r\n")
		if before := p.Expect("want"); !slices.Equal(before, []string{"a", "b"}) {
			t.Errorf("before: %q", before)
		}
		if got := p.Next(); got != "after" {
			t.Errorf("next: %q", got)
		}
	})
	t.Run("ExpectNext fails on any other line", func(t *testing.T) {
		r := outcome(t, func(tb testing.TB) {
			p, other := pair(t, tb)
			io.WriteString(other, "other\r\nwant\r\n")
			p.ExpectNext("want")
		})
		if !strings.Contains(r.failed, `got "other", want "want"`) {
			t.Errorf("failed %q", r.failed)
		}
	})
	t.Run("Expect fails when the connection closes first", func(t *testing.T) {
		r := outcome(t, func(tb testing.TB) {
			p, other := pair(t, tb)
			io.WriteString(other, "a\r\n")
			other.Close()
			p.Expect("want")
		})
		if !strings.Contains(r.failed, "EOF") || !strings.Contains(r.failed, `"a"`) {
			t.Errorf("failed %q, want the EOF and the lines read", r.failed)
		}
	})
	t.Run("ExpectEOF returns the last lines after a close", func(t *testing.T) {
		p, other := pair(t, t)
		io.WriteString(other, "bye\r\n")
		other.Close()
		if lines := p.ExpectEOF(); !slices.Equal(lines, []string{"bye"}) {
			t.Errorf("lines %q", lines)
		}
	})
	t.Run("ExpectEOF takes a reset for the end", func(t *testing.T) {
		p, other := pair(t, t)
		other.(*net.TCPConn).SetLinger(0) // the close sends RST
		other.Close()
		p.ExpectEOF()
	})
}

func TestIsReset(t *testing.T) {
	p, other := pair(t, t)
	other.(*net.TCPConn).SetLinger(0)
	other.Close()
	if _, err := p.ReadLine(); !IsReset(err) {
		t.Errorf("IsReset(%v) = false after a reset", err)
	}
	for _, err := range []error{nil, io.EOF, errors.New("connection reset by peer")} {
		if IsReset(err) {
			t.Errorf("IsReset(%v) = true", err)
		}
	}
}
