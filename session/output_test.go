package session

import (
	"fmt"
	"slices"
	"testing"
)

// TestFlushSession checks the early flush a reactor does for a connection
// that closes in the poll that produced its output.
func TestFlushSession(t *testing.T) {
	setup := func(t *testing.T) (*harness, *user, *user) {
		t.Helper()
		h := newHarness(t, func(c *Config) { c.DeferFlush = func() {} })
		ann, bot := h.connect(), h.connect()
		ann.send("ann")
		bot.send("bot")
		h.table.Flush()
		drain(ann, bot)
		ann.conn.writes, bot.conn.writes = 0, 0
		return h, ann, bot
	}

	t.Run("it writes the one session's queued lines and leaves the others queued", func(t *testing.T) {
		h, ann, bot := setup(t)
		bot.send("hello")
		bot.send("/who")
		h.table.FlushSession(bot.s)
		expectLines(t, "bot", bot.got(), []string{"-> 2 online: ann (#lobby), bot (#lobby)"})
		if len(ann.conn.out) != 0 {
			t.Fatalf("ann got %q before the Flush", ann.conn.out)
		}
		h.table.Flush()
		expectLines(t, "ann after the Flush", ann.got(), []string{"bot: hello"})
		if bot.conn.writes != 1 || len(bot.conn.out) != 0 {
			t.Errorf("bot written %d times, %q left after the Flush; want nothing more", bot.conn.writes, bot.conn.out)
		}
	})
	t.Run("the room hears the last line and then the leave when the connection closes", func(t *testing.T) {
		h, ann, bot := setup(t)
		bot.send("hello")
		bot.send("/quit tea time")
		h.table.FlushSession(bot.s)
		bot.closed(ReasonEOF)
		h.table.Flush()
		expectLines(t, "bot", bot.got(), []string{"-> goodbye, bot"})
		expectLines(t, "ann", ann.got(), []string{"bot: hello", `*** bot left #lobby (quit: "tea time")`})
		if bot.conn.late != 0 || bot.conn.closes != 0 {
			t.Errorf("bot: %d writes after Close, %d Closes; the reactor closes it, not the Table", bot.conn.late, bot.conn.closes)
		}
	})
	t.Run("a session with nothing queued is not written", func(t *testing.T) {
		h, _, bot := setup(t)
		h.table.FlushSession(bot.s)
		if bot.conn.writes != 0 {
			t.Errorf("written %d times", bot.conn.writes)
		}
	})
	t.Run("a gone session is not written", func(t *testing.T) {
		h, _, bot := setup(t)
		bot.send("/who")
		bot.closed(ReasonEOF)
		h.table.FlushSession(bot.s)
		if bot.conn.writes != 0 {
			t.Errorf("written %d times", bot.conn.writes)
		}
	})
	t.Run("a failed write leaves the close to the reactor", func(t *testing.T) {
		h, ann, bot := setup(t)
		bot.conn.fail = true
		bot.conn.onWrite = func() { bot.closed(ReasonWriteError) }
		bot.send("hello")
		bot.send("/who")
		h.table.FlushSession(bot.s)
		h.table.Flush()
		got := ann.got()
		if want := []string{"bot: hello", "*** bot left #lobby (write error)"}; !slices.Equal(got, want) {
			t.Errorf("ann got %q, want %q", got, want)
		}
		if bot.conn.writes != 1 {
			t.Errorf("bot written %d times, want the one failed write", bot.conn.writes)
		}
		h.checkIndexes(t)
	})
}

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
