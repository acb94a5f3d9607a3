package session

import (
	"fmt"
	"testing"
	"time"
)

// TestHistoryRing checks the ring directly: it keeps the last n messages,
// oldest first, however many times it has wrapped.
func TestHistoryRing(t *testing.T) {
	tests := []struct {
		name string
		size int
		adds int
		want []string
	}{
		{"an empty ring replays nothing", 3, 0, nil},
		{"a ring that is not full replays all in order", 3, 2, []string{"0", "1"}},
		{"a ring filled exactly replays all in order", 3, 3, []string{"0", "1", "2"}},
		{"a ring one past full forgets the oldest", 3, 4, []string{"1", "2", "3"}},
		{"a ring wrapped twice and a bit keeps the newest in order", 3, 8, []string{"5", "6", "7"}},
		{"a ring of one keeps the last", 1, 5, []string{"4"}},
		{"a ring of zero keeps nothing", 0, 5, nil},
		{"a negative size keeps nothing", -1, 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHistory(tt.size)
			for i := range tt.adds {
				h.add(Message{Kind: Chat, From: "a", Text: fmt.Sprint(i)})
			}
			var got []string
			h.each(func(m *Message) { got = append(got, m.Text) })
			expectLines(t, "replay", got, tt.want)
		})
	}
}

// TestHistoryReplay checks what a user gets on entering a room: the last
// N lines of talk, then the join announcement.
func TestHistoryReplay(t *testing.T) {
	lines := func(from, to int) []string {
		var out []string
		for i := from; i <= to; i++ {
			out = append(out, fmt.Sprintf("bob: line %d", i))
		}
		return out
	}
	tests := []struct {
		name    string
		history int
		said    int
		want    []string
	}{
		{"a newcomer gets the room's lines so far", 3, 2, lines(1, 2)},
		{"a newcomer gets only the last N lines", 3, 5, lines(3, 5)},
		{"the default replays the last 20 lines", DefaultHistory, 25, lines(6, 25)},
		{"history 0 replays nothing", 0, 5, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.History = tt.history; c.Rate = 0 })
			bob := h.logins("bob")[0]
			for i := 1; i <= tt.said; i++ {
				bob.send(fmt.Sprintf("line %d", i))
			}
			u := h.connect()
			u.send("alice")
			want := append([]string{"-> hello alice! /help lists the commands"}, tt.want...)
			want = append(want, "*** alice joined #lobby")
			expectLines(t, "alice", u.got(), want)
		})
	}
}

// TestHistoryKeepsTalkOnly checks which lines a room remembers.
func TestHistoryKeepsTalkOnly(t *testing.T) {
	h := newHarness(t)
	us := h.logins("bob", "carol")
	bob, carol := us[0], us[1]
	bob.send("hello")
	bob.send("/me waves")
	bob.send("@carol a secret")
	bob.send("/nick robert")
	carol.send("/quit")
	bob.send("/look")
	u := h.connect()
	u.send("alice")
	expectLines(t, "alice", u.got(), []string{
		"-> hello alice! /help lists the commands",
		"bob: hello",
		"* bob waves",
		"*** alice joined #lobby",
	})
}

// TestReplayIsRenderedForTheNewcomer checks that a replay uses the
// newcomer's charset and timestamp setting, with the time each line was said.
func TestReplayIsRenderedForTheNewcomer(t *testing.T) {
	h := newHarness(t)
	bob := h.logins("bob")[0]
	bob.send("早上好")
	h.clock.advance(time.Hour + 2*time.Second)
	bob.send("/me 喝茶")
	h.clock.advance(time.Minute)
	u := h.connect()
	u.send("/ts on")
	u.send("/charset gbk")
	u.got()
	u.send("alice")
	expectLines(t, "alice", u.gotGBK(), []string{
		"[16:05:07] -> hello alice! /help lists the commands",
		"[15:04:05] bob: 早上好",
		"[16:04:07] * bob 喝茶",
		"[16:05:07] *** alice joined #lobby",
	})
}

// TestRoomsAreSeparate checks that talk stays in its room and that moving
// between rooms tells the right people.
func TestRoomsAreSeparate(t *testing.T) {
	h := newHarness(t)
	us := h.logins("alice", "bob", "carol")
	alice, bob, carol := us[0], us[1], us[2]

	t.Run("joining tells the old room you left and the new room you came", func(t *testing.T) {
		carol.send("/join games")
		expectLines(t, "carol", carol.got(), []string{"*** carol joined #games"})
		expectLines(t, "alice", alice.got(), []string{"*** carol left #lobby (to #games)"})
		expectLines(t, "bob", bob.got(), []string{"*** carol left #lobby (to #games)"})
		bob.send("/join GAMES")
		expectLines(t, "bob", bob.got(), []string{"*** bob joined #games"})
		expectLines(t, "carol", carol.got(), []string{"*** bob joined #games"})
		expectLines(t, "alice", alice.got(), []string{"*** bob left #lobby (to #games)"})
	})
	t.Run("talk is heard only in its room", func(t *testing.T) {
		alice.send("anyone?")
		bob.send("gg")
		carol.send("/me cheers")
		expectLines(t, "alice", alice.got(), nil)
		expectLines(t, "bob", bob.got(), []string{"* carol cheers"})
		expectLines(t, "carol", carol.got(), []string{"bob: gg"})
	})
	t.Run("a room keeps the name its first member typed", func(t *testing.T) {
		expectLines(t, "bob", bob.says("/look"), []string{"-> 2 in #games: bob, carol"})
	})
	t.Run("part goes back to the lobby with its history", func(t *testing.T) {
		bob.send("/part")
		expectLines(t, "bob", bob.got(), []string{"alice: anyone?", "*** bob joined #lobby"})
		expectLines(t, "alice", alice.got(), []string{"*** bob joined #lobby"})
		expectLines(t, "carol", carol.got(), []string{"*** bob left #games (to #lobby)"})
	})
	t.Run("joining the room you are in changes nothing", func(t *testing.T) {
		expectLines(t, "carol", carol.says("/join #Games"), []string{"-> you are already in #games"})
		expectLines(t, "alice", alice.got(), nil)
		expectLines(t, "carol", carol.says("/look"), []string{"-> 1 in #games: carol"})
	})
}

// TestEmptyRoomsVanish checks that a room other than the lobby is
// forgotten, with its history, when its last member leaves.
func TestEmptyRoomsVanish(t *testing.T) {
	leave := []struct {
		name  string
		how   func(u *user)
		rooms string // /rooms afterwards
	}{
		{"by part", func(u *user) { u.send("/part") }, "-> 1 room: #lobby (2)"},
		{"by joining another room", func(u *user) { u.send("/join other") }, "-> 2 rooms: #lobby (1), #other (1)"},
		{"by quitting", func(u *user) { u.send("/quit") }, "-> 1 room: #lobby (1)"},
		{"by the connection closing", func(u *user) { u.closed(ReasonEOF) }, "-> 1 room: #lobby (1)"},
	}
	for _, tt := range leave {
		t.Run("an empty room vanishes when its last member leaves "+tt.name, func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bob")
			alice, bob := us[0], us[1]
			bob.send("/join games")
			bob.send("remember me")
			if got := h.table.Stats().Rooms.Load(); got != 2 {
				t.Fatalf("rooms %d with #games, want 2", got)
			}
			tt.how(bob)
			drain(alice)
			expectLines(t, "alice", alice.says("/rooms"), []string{tt.rooms})
			if got, want := h.table.Stats().Rooms.Load(), int64(len(h.table.rooms)); got != want || h.table.rooms["games"] != nil {
				t.Errorf("rooms stat %d, table has %d rooms (games: %v)", got, want, h.table.rooms["games"] != nil)
			}
			alice.send("/join games")
			expectLines(t, "alice in a new #games", alice.got(), []string{"*** alice joined #games"})
		})
	}
	t.Run("the lobby stays when it is empty", func(t *testing.T) {
		h := newHarness(t)
		alice := h.logins("alice")[0]
		alice.send("/join games")
		drain(alice)
		expectLines(t, "alice", alice.says("/rooms"), []string{"-> 2 rooms: #games (1), #lobby (0)"})
		if got := h.table.Stats().Rooms.Load(); got != 2 {
			t.Errorf("rooms %d, want 2", got)
		}
	})
}

// TestListsAreSorted checks /look, /who and /rooms order and counts.
func TestListsAreSorted(t *testing.T) {
	h := newHarness(t)
	us := h.logins("mallory", "Bob", "alice", "Carol", "dave")
	us[3].send("/join zoo")
	us[4].send("/join Attic")
	drain(us...)
	alice := us[2]
	tests := []struct {
		name, line string
		want       []string
	}{
		{"look lists this room's members sorted ignoring case", "/look",
			[]string{"-> 3 in #lobby: alice, Bob, mallory"}},
		{"who lists everyone sorted ignoring case, with their room", "/who",
			[]string{"-> 5 online: alice (#lobby), Bob (#lobby), Carol (#zoo), dave (#Attic), mallory (#lobby)"}},
		{"rooms lists rooms sorted ignoring case, with counts", "/rooms",
			[]string{"-> 3 rooms: #Attic (1), #lobby (3), #zoo (1)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			expectLines(t, "alice", alice.says(tt.line), tt.want)
		})
	}
}

// TestLongListsAreCut checks that /who names at most listMax users.
func TestLongListsAreCut(t *testing.T) {
	h := newHarness(t)
	var last *user
	for i := range listMax + 2 {
		last = h.login(fmt.Sprintf("u%03d", i))
	}
	got := last.says("/who")
	if len(got) != 1 {
		t.Fatalf("/who gave %d lines, want 1", len(got))
	}
	want := fmt.Sprintf("-> %d online: u000 (#lobby), ", listMax+2)
	tail := fmt.Sprintf("u%03d (#lobby) … and 2 more", listMax-1)
	if len(got[0]) < len(want)+len(tail) || got[0][:len(want)] != want || got[0][len(got[0])-len(tail):] != tail {
		t.Errorf("/who = %q, want it to start %q and end %q", got[0], want, tail)
	}
}

// TestChurnKeepsIndexesConsistent moves, renames and drops users in an
// awkward order and checks every index after each step.
func TestChurnKeepsIndexesConsistent(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Rate = 0 })
	var us []*user
	for i := range 12 {
		us = append(us, h.login(fmt.Sprintf("u%d", i)))
	}
	lurker := h.connect()
	steps := []struct {
		name string
		do   func()
	}{
		{"a third of the users join #a", func() {
			for i := 0; i < 12; i += 3 {
				us[i].send("/join a")
			}
		}},
		{"others join #b from the middle out", func() {
			for _, i := range []int{7, 4, 10, 1} {
				us[i].send("/join b")
			}
		}},
		{"the first member of #a quits", func() { us[0].send("/quit") }},
		{"the last user to log in loses the connection", func() { us[11].closed(ReasonEOF) }},
		{"the quitter's connection closes", func() { us[0].closed(ReasonEOF) }},
		{"someone renames in #b", func() { us[4].send("/nick four") }},
		{"#b's members go back to the lobby", func() {
			for _, i := range []int{1, 10, 4, 7} {
				us[i].send("/part")
			}
		}},
		{"the lurker leaves before login", func() { lurker.closed(ReasonEOF) }},
		{"someone is too slow", func() {
			us[5].conn.buffered = 1 << 30
			us[2].send("hello")
		}},
		{"the slow one's connection closes", func() { us[5].closed(ReasonTooSlow) }},
		{"a newcomer takes a freed name", func() { us[0] = h.login("u0") }},
		{"the server shuts down", func() { h.table.Shutdown() }},
		{"every connection closes", func() {
			for _, u := range us {
				u.closed(ReasonShutdown)
			}
		}},
	}
	for _, st := range steps {
		st.do()
		t.Run("after "+st.name+" the indexes agree", func(t *testing.T) { h.checkIndexes(t) })
	}
	if h.table.Len() != 0 {
		t.Errorf("%d sessions left after every connection closed", h.table.Len())
	}
}
