package session

import (
	"fmt"
	"testing"
)

// crowdRoom returns a harness whose rooms count as crowded past limit
// members, with n users logged in to the lobby and their output drained.
func crowdRoom(t *testing.T, limit, n int) (*harness, []*user) {
	t.Helper()
	h := newHarness(t, func(c *Config) { c.Crowd = limit; c.Rate = 0; c.History = 0 })
	us := make([]*user, n)
	for i := range us {
		us[i] = h.login(fmt.Sprintf("u%d", i))
	}
	h.table.Tick() // the summary of the logins past the limit
	drain(us...)
	return h, us
}

func TestCrowdedRooms(t *testing.T) {
	t.Run("a room at the limit announces each join and leave to everyone", func(t *testing.T) {
		h, us := crowdRoom(t, 3, 2)
		cy := h.login("cy")
		expectLines(t, "u0", us[0].got(), []string{"*** cy joined #lobby"})
		drain(us[1])
		cy.send("/quit")
		expectLines(t, "u1", us[1].got(), []string{"*** cy left #lobby (quit)"})
	})
	t.Run("past the limit the joiner hears its own join and the room nothing until the tick", func(t *testing.T) {
		h, us := crowdRoom(t, 3, 3)
		dee := h.connect()
		dee.send("dee")
		expectLines(t, "dee", dee.got(), []string{"-> hello dee! /help lists the commands", "*** dee joined #lobby"})
		expectLines(t, "u0 before the tick", us[0].got(), nil)
		h.table.Tick()
		expectLines(t, "u0 at the tick", us[0].got(), []string{"*** 1 joined #lobby: dee"})
		expectLines(t, "dee at the tick", dee.got(), []string{"*** 1 joined #lobby: dee"})
	})
	t.Run("a tick sums up joins and leaves in one line with the first few names", func(t *testing.T) {
		h, us := crowdRoom(t, 3, 6)
		for _, n := range []string{"ann", "bob", "cy", "dee", "eve"} {
			h.login(n)
		}
		us[0].closed(ReasonEOF)
		us[1].send("/quit")
		us[2].send("/join #tea")
		drain(us[3])
		h.table.Tick()
		expectLines(t, "u3", us[3].got(), []string{"*** 5 joined, 3 left #lobby: ann, bob, cy and 2 more joined; u0, u1 and u2 left"})
	})
	t.Run("a room shrinking to the limit gives its summary before the next per-person line", func(t *testing.T) {
		_, us := crowdRoom(t, 3, 6)
		watcher := us[5]
		for _, u := range us[:4] {
			u.send("/quit")
		}
		expectLines(t, "the watcher", watcher.got(), []string{
			"*** 3 left #lobby: u0, u1 and u2",
			"*** u3 left #lobby (quit)",
		})
	})
	t.Run("each wording", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			news crowdNews
			want string
		}{
			{"one join", crowdNews{joined: 1, joins: [3]string{"ann"}}, "1 joined #lobby: ann"},
			{"two joins", crowdNews{joined: 2, joins: [3]string{"ann", "bob"}}, "2 joined #lobby: ann and bob"},
			{"three joins", crowdNews{joined: 3, joins: [3]string{"ann", "bob", "cy"}}, "3 joined #lobby: ann, bob and cy"},
			{"many joins", crowdNews{joined: 37, joins: [3]string{"ann", "bob", "cy"}}, "37 joined #lobby: ann, bob, cy and 34 more"},
			{"leaves only", crowdNews{left: 12, leaves: [3]string{"dee", "eve", "fay"}}, "12 left #lobby: dee, eve, fay and 9 more"},
			{"both", crowdNews{joined: 1, joins: [3]string{"ann"}, left: 2, leaves: [3]string{"dee", "eve"}}, "1 joined, 2 left #lobby: ann joined; dee and eve left"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := tc.news.text("lobby"); got != tc.want {
					t.Errorf("got %q, want %q", got, tc.want)
				}
			})
		}
	})
	t.Run("a quiet tick says nothing, and a room hears at most one summary a tick", func(t *testing.T) {
		h, us := crowdRoom(t, 3, 4)
		h.table.Tick()
		expectLines(t, "u0 after a quiet tick", us[0].got(), nil)
		h.login("ann")
		h.login("bob")
		h.table.Tick()
		h.table.Tick()
		expectLines(t, "u0", us[0].got(), []string{"*** 2 joined #lobby: ann and bob"})
	})
	t.Run("a crowded room that empties is forgotten with its news", func(t *testing.T) {
		h, us := crowdRoom(t, 1, 3)
		us[0].send("/join #tea")
		us[1].send("/join #tea")
		us[0].closed(ReasonEOF) // #tea was crowded: this leave waits for the tick
		us[1].closed(ReasonEOF)
		drain(us[2])
		h.table.Tick()
		expectLines(t, "u2 in the lobby", us[2].got(), []string{"*** 2 left #lobby: u0 and u1"})
		h.checkIndexes(t)
	})
	t.Run("shutdown announces no leaves", func(t *testing.T) {
		h, us := crowdRoom(t, 3, 5)
		h.table.Shutdown()
		h.table.Tick()
		for _, u := range us {
			if got := u.got(); len(got) != 1 || got[0] != "*** server shutting down" {
				t.Fatalf("%s got %q", u.s.nick, got)
			}
		}
	})
}

// TestCrowdsCostLinearOutput checks the bound: a crowd logging in and then
// disconnecting together queues output in proportion to its size, not to
// its square (once the room is down to Config.Crowd, the last leaves are
// told one by one, at most Crowd² lines), and nothing for connections that
// are closing.
func TestCrowdsCostLinearOutput(t *testing.T) {
	const n, limit = 400, 20
	h, us := crowdRoom(t, limit, n)
	before := h.table.stats.Deliveries.Load()
	late := h.login("late")
	for _, u := range us[:n-1] {
		u.closed(ReasonEOF)
	}
	if d := h.table.stats.Deliveries.Load() - before; d > limit*limit {
		t.Errorf("1 login and %d disconnects made %d deliveries, want at most %d", n-1, d, limit*limit)
	}
	h.table.Tick()
	got := late.got()
	// The room had n+1 members: the leaves from n+1 down to limit+1 are
	// summed up, first, the rest (limit-2 of them) told one by one after.
	summed := n + 1 - limit
	summary := fmt.Sprintf("*** 1 joined, %d left #lobby: late joined; u0, u1, u2 and %d more left", summed, summed-3)
	if len(got) != limit-1 || got[0] != summary {
		t.Errorf("late got %d lines starting %q, want %d starting %q", len(got), got[0], limit-1, summary)
	}

	t.Run("a closing connection is queued nothing", func(t *testing.T) {
		late.send("/quit")
		if late.s.state != stateClosed {
			t.Fatalf("state %d after /quit", late.s.state)
		}
		late.s.deliver(&Message{Kind: Reply, Text: "too late"})
		late.s.send([]byte("too late\r\n"))
		if len(late.s.out) != 0 || late.s.dirty {
			t.Errorf("%q queued for a closed connection", late.s.out)
		}
	})
}
