package sessiontest

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// Test timing. Waits poll or block on channels and deadlines; these only
// bound them, generously for -race on a shared two-core machine.
const (
	// Wait is the longest any single wait in a test may take.
	Wait = 10 * time.Second
	// Poll is how often CheckFor callers look again by default.
	Poll = 10 * time.Millisecond
)

// CheckFor calls f every sleep until it returns nil, failing the test with
// f's last error once total has passed. Tests poll with it instead of
// sleeping for a guessed time.
func CheckFor(t testing.TB, total, sleep time.Duration, f func() error) {
	t.Helper()
	deadline := time.Now().Add(total)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not true within %v: %v", total, err)
		}
		time.Sleep(sleep)
	}
}

// WaitContains polls until buf holds want, failing the test with what buf
// (named what in the message) holds after Wait.
func WaitContains(t testing.TB, what string, buf fmt.Stringer, want string) {
	t.Helper()
	CheckFor(t, Wait, Poll, func() error {
		if s := buf.String(); !strings.Contains(s, want) {
			return fmt.Errorf("%s has no %q; it has:\n%s", what, want, s)
		}
		return nil
	})
}

// SyncBuffer is a bytes.Buffer that a server's logger, a child process's
// output or a client's goroutines can write while the test reads it.
// The zero value is ready to use.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write appends p.
func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String is everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
