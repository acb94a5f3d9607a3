package session

import (
	"fmt"
	"testing"
)

func TestOutputBuffersAreReleasedWhenIdle(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Rate = 0 })
	speaker := h.login("speaker")
	for i := range 50 {
		h.login(fmt.Sprintf("listener%d", i))
	}
	speaker.send("hello everyone")
	kept := len(h.table.out.bufs)
	if kept < 50 {
		t.Fatalf("a broadcast to 50 left %d free buffers, want them kept for the next one", kept)
	}

	t.Run("a busy tick keeps the buffers broadcasts use", func(t *testing.T) {
		h.table.Tick() // the storm drew the list down during this tick
		speaker.send("still talking")
		h.table.Tick()
		if len(h.table.out.bufs) < 50 {
			t.Fatalf("only %d free buffers kept while busy", len(h.table.out.bufs))
		}
	})
	t.Run("a whole idle tick lets them all go", func(t *testing.T) {
		h.table.Tick()
		h.table.Tick()
		if len(h.table.out.bufs) != 0 {
			t.Fatalf("%d free buffers held by an idle server", len(h.table.out.bufs))
		}
	})
}
