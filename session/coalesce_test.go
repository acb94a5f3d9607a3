package session

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// coalesceWindow is the window of the coalescing tests.
const coalesceWindow = 2 * time.Millisecond

// coalescing is a harness whose Table coalesces output, with the test
// playing the reactor: it records when the Table asked to be flushed.
type coalescing struct {
	*harness
	asked    []time.Duration // every Schedule request
	deadline time.Time       // when the last request is due; zero when none
}

func newCoalescing(t *testing.T, window time.Duration) *coalescing {
	t.Helper()
	c := &coalescing{}
	c.harness = newHarness(t, func(cfg *Config) {
		cfg.Rate = 0
		cfg.Coalesce = window
		cfg.Schedule = func(d time.Duration) {
			c.asked = append(c.asked, d)
			c.deadline = c.clock.t.Add(d)
		}
	})
	return c
}

// advance moves the clock by d in small steps and, like the reactor's
// timer, flushes whenever a requested flush falls due.
func (c *coalescing) advance(d time.Duration) {
	end := c.clock.t.Add(d)
	for c.clock.t.Before(end) {
		c.clock.advance(min(100*time.Microsecond, end.Sub(c.clock.t)))
		if !c.deadline.IsZero() && !c.clock.t.Before(c.deadline) {
			c.deadline = time.Time{}
			c.table.Flush()
		}
	}
}

// pair logs in a speaker and a listener and lets a window pass, so both
// start quiet.
func (c *coalescing) pair() (speaker, listener *user) {
	c.t.Helper()
	speaker, listener = c.login("ann"), c.login("bob")
	c.advance(10 * coalesceWindow)
	drain(speaker, listener)
	listener.conn.writes = 0
	c.asked = nil
	return speaker, listener
}

func TestCoalescing(t *testing.T) {
	t.Run("a quiet connection is written at once", func(t *testing.T) {
		c := newCoalescing(t, coalesceWindow)
		ann, bob := c.pair()
		ann.send("hello")
		expectLines(t, "bob", bob.got(), []string{"ann: hello"})
		if bob.conn.writes != 1 || len(c.asked) != 0 {
			t.Errorf("%d writes, flushes asked for %v; want 1 write and no timer", bob.conn.writes, c.asked)
		}
	})
	t.Run("a busy connection is written once per window with everything the window gathered", func(t *testing.T) {
		c := newCoalescing(t, coalesceWindow)
		ann, bob := c.pair()
		ann.send("one") // quiet: written at once, and the window starts
		c.clock.advance(500 * time.Microsecond)
		ann.send("two")
		c.clock.advance(500 * time.Microsecond)
		ann.send("three")
		if got := bob.got(); len(got) != 1 || bob.conn.writes != 1 {
			t.Fatalf("inside the window bob got %q in %d writes, want only the first line", got, bob.conn.writes)
		}
		if len(c.asked) != 1 || c.asked[0] != 1500*time.Microsecond {
			t.Fatalf("flushes asked for %v, want one in 1.5ms (when the window that began with the first write ends)", c.asked)
		}
		c.advance(time.Millisecond)
		expectLines(t, "bob when the window ends", bob.got(), []string{"ann: two", "ann: three"})
		if bob.conn.writes != 2 {
			t.Errorf("bob written %d times, want 2", bob.conn.writes)
		}
	})
	t.Run("no connection waits longer than the window, and a busy one is written once per window", func(t *testing.T) {
		c := newCoalescing(t, coalesceWindow)
		ann, bob := c.pair()
		said := map[string]time.Time{}
		var worst time.Duration
		check := func() {
			for _, l := range bob.got() {
				if waited := c.clock.t.Sub(said[l]); waited > worst {
					worst = waited
				}
			}
		}
		start := c.clock.t
		// Bursts, pauses and a steady stream, at steps that fall on and
		// between window edges.
		gaps := []time.Duration{0, 100, 300, 700, 1900, 2000, 2100, 50, 50, 50, 4000, 900, 1100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 5000, 1}
		for i, g := range gaps {
			for end := c.clock.t.Add(g * time.Microsecond); c.clock.t.Before(end); {
				c.advance(min(100*time.Microsecond, end.Sub(c.clock.t)))
				check()
			}
			line := fmt.Sprintf("ann: line %d", i)
			said[line] = c.clock.t
			ann.send(strings.TrimPrefix(line, "ann: "))
			check()
		}
		for range 2 * coalesceWindow / (100 * time.Microsecond) {
			c.advance(100 * time.Microsecond)
			check()
		}
		if worst > coalesceWindow {
			t.Errorf("a line waited %v, longer than the %v window", worst, coalesceWindow)
		}
		// Each write but the first of a busy spell begins a new window,
		// so over the whole run there is at most one write per window
		// plus the quiet ones.
		span := c.clock.t.Sub(start)
		if max := int(span/coalesceWindow) + 1; bob.conn.writes > max {
			t.Errorf("%d writes in %v, want at most %d (one per window)", bob.conn.writes, span, max)
		}
		if bob.conn.writes >= len(gaps) {
			t.Errorf("%d writes for %d lines: nothing was coalesced", bob.conn.writes, len(gaps))
		}
	})
	t.Run("with no window every flush writes, as before coalescing", func(t *testing.T) {
		c := newCoalescing(t, 0)
		ann, bob := c.pair()
		for i := range 3 {
			c.clock.advance(100 * time.Microsecond)
			ann.send(fmt.Sprint(i))
		}
		if bob.conn.writes != 3 || len(c.asked) != 0 {
			t.Errorf("%d writes, flushes asked for %v; want 3 writes and no timer", bob.conn.writes, c.asked)
		}
	})
	t.Run("replies to one session follow the same rule", func(t *testing.T) {
		c := newCoalescing(t, coalesceWindow)
		ann, _ := c.pair()
		ann.conn.writes = 0
		if got := ann.says("/who"); len(got) != 1 || ann.conn.writes != 1 {
			t.Fatalf("a quiet session's reply: %q in %d writes", got, ann.conn.writes)
		}
		c.clock.advance(100 * time.Microsecond)
		ann.send("/who")
		if ann.conn.writes != 1 {
			t.Fatalf("a second reply inside the window was written at once")
		}
		c.advance(coalesceWindow)
		if got := ann.got(); len(got) != 1 || !strings.HasPrefix(got[0], "-> 2 online") {
			t.Errorf("ann got %q when her window ended", got)
		}
	})
}

// TestCoalescingKeepsTheEndingRules checks that held output never outlives
// the rules that write or drop output at once.
func TestCoalescingKeepsTheEndingRules(t *testing.T) {
	// busy returns a pair whose listener holds "ann: two".
	busy := func(t *testing.T, mod ...func(*Config)) (*coalescing, *user, *user) {
		t.Helper()
		c := newCoalescing(t, coalesceWindow)
		for _, m := range mod {
			m(&c.table.cfg)
		}
		ann, bob := c.pair()
		ann.send("one")
		ann.send("two")
		expectLines(t, "bob", bob.got(), []string{"ann: one"})
		return c, ann, bob
	}
	t.Run("shutdown writes held output with the notice and closes", func(t *testing.T) {
		c, _, bob := busy(t)
		c.table.Shutdown()
		expectLines(t, "bob", bob.got(), []string{"ann: two", "*** server shutting down"})
		if bob.conn.closed != ReasonShutdown {
			t.Errorf("bob closed for %v", bob.conn.closed)
		}
	})
	t.Run("quitting writes held output and the goodbye at once", func(t *testing.T) {
		c, _, bob := busy(t)
		bob.send("/quit")
		expectLines(t, "bob", bob.got(), []string{"ann: two", "-> goodbye, bob"})
		if bob.conn.closes != 1 || len(c.table.out.dirty) != 0 {
			t.Errorf("bob: %d closes, %d sessions left dirty", bob.conn.closes, len(c.table.out.dirty))
		}
	})
	t.Run("a half-closed connection gets its held output from FlushSession", func(t *testing.T) {
		c, _, bob := busy(t)
		c.table.FlushSession(bob.s)
		expectLines(t, "bob", bob.got(), []string{"ann: two"})
		bob.closed(ReasonEOF)
		c.advance(2 * coalesceWindow)
		if bob.conn.writes != 2 || bob.conn.late != 0 {
			t.Errorf("bob written %d times (%d after Close), want 2", bob.conn.writes, bob.conn.late)
		}
	})
	t.Run("a connection gone while holding is never written again", func(t *testing.T) {
		c, ann, bob := busy(t)
		bob.closed(ReasonEOF)
		c.advance(2 * coalesceWindow)
		if bob.conn.writes != 1 || len(c.table.out.held) != 0 {
			t.Errorf("bob written %d times, %d sessions still held", bob.conn.writes, len(c.table.out.held))
		}
		expectLines(t, "ann", ann.got(), []string{"*** bob left #lobby (connection closed)"})
	})
	t.Run("a slow reader is dropped when its held output is written", func(t *testing.T) {
		c, _, bob := busy(t, func(cfg *Config) { cfg.MaxOut = 1000 })
		bob.conn.buffered = 1001
		c.advance(2 * coalesceWindow)
		if bob.conn.closed != ReasonTooSlow {
			t.Errorf("bob closed for %v, want too slow", bob.conn.closed)
		}
	})
	t.Run("held output past the cap is written at once, where the slow-reader check sees it", func(t *testing.T) {
		c, ann, bob := busy(t, func(cfg *Config) { cfg.MaxOut = 1000 })
		bob.conn.buffered = 1001
		big := strings.Repeat("x", 4000)
		for range maxHeld/4000 + 1 {
			ann.send(big)
		}
		if bob.conn.closed != ReasonTooSlow {
			t.Errorf("bob closed for %v with %d bytes held, want too slow at once", bob.conn.closed, len(bob.s.out))
		}
		_ = c
	})
}

// TestCoalescingAllocatesNothingPerConnection checks that holding output
// and writing it when the window ends cost no allocation per connection:
// the held list and the output buffers are reused, and one request to the
// reactor's timer serves them all.
func TestCoalescingAllocatesNothingPerConnection(t *testing.T) {
	allocs := func(n int) (float64, int) {
		c := newCoalescing(t, coalesceWindow)
		speaker := c.login("speaker")
		us := make([]*user, n)
		for i := range us {
			us[i] = c.login(fmt.Sprintf("u%d", i))
		}
		c.table.Tick() // the crowd's summary
		line := []byte("hello\r\n")
		round := func() {
			speaker.sendBytes(line) // written at once: everyone was quiet
			speaker.sendBytes(line) // held for everyone
			c.advance(coalesceWindow)
			c.advance(coalesceWindow) // quiet again
			for _, u := range us {
				u.conn.out = u.conn.out[:0] // the recorder's own growth is not the Table's
			}
		}
		round() // warm the buffers and the held list
		c.asked = nil
		a := testing.AllocsPerRun(20, round)
		return a, len(c.asked)
	}
	few, _ := allocs(10)
	many, asked := allocs(1000)
	if many > few {
		t.Errorf("a held broadcast to 1,000 makes %.0f allocations, to 10 only %.0f", many, few)
	}
	if asked > 21 {
		t.Errorf("the reactor was asked for %d flushes in 21 rounds, want one a round whatever the recipients", asked)
	}
}
