package session

import (
	"slices"
	"testing"
)

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
		expectLines(t, "ann", ann.got(), []string{"bot: hello", "*** bot left #lobby (tea time)"})
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
