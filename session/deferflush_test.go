package session

import (
	"slices"
	"testing"
)

func TestDeferredFlush(t *testing.T) {
	requests := 0
	h := newHarness(t, func(c *Config) { c.DeferFlush = func() { requests++ } })
	a, b := h.connect(), h.connect()
	h.table.Flush()
	a.conn.lines()
	b.conn.lines()
	requests = 0

	a.send("alice")
	b.send("bob")
	a.send("first")
	a.send("second")

	t.Run("nothing is written until the reactor flushes", func(t *testing.T) {
		if len(b.conn.out) != 0 {
			t.Fatalf("bob already got %q", b.conn.out)
		}
	})
	t.Run("the reactor is asked once, however much is queued", func(t *testing.T) {
		if requests != 1 {
			t.Fatalf("asked %d times", requests)
		}
	})
	writes := 0
	b.conn.onWrite = func() { writes++ }
	h.table.Flush()
	t.Run("one flush writes everything in one write per connection", func(t *testing.T) {
		want := []string{"-> hello bob! /help lists the commands", "*** bob joined #lobby", "alice: first", "alice: second"}
		if got := b.got(); !slices.Equal(got, want) || writes != 1 {
			t.Fatalf("got %q in %d writes, want %q in 1", got, writes, want)
		}
	})
	t.Run("the next output asks again", func(t *testing.T) {
		a.send("third")
		if requests != 2 {
			t.Fatalf("asked %d times", requests)
		}
	})
}
