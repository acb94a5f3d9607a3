package session

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// fakeCluster records what the core asks of the other servers.
type fakeCluster struct {
	full     bool // every queue is full: each call returns false
	pub      []RemoteEvent
	subs     map[string]bool // room key → history asked
	unsubs   []string
	claims   []string
	updates  []Presence
	released []string
	answers  [][]RemoteEvent
}

func newFakeCluster() *fakeCluster { return &fakeCluster{subs: make(map[string]bool)} }

func (f *fakeCluster) ID() string { return "a-AAAAAA" }
func (f *fakeCluster) Publish(ev RemoteEvent) bool {
	if !f.full {
		f.pub = append(f.pub, ev)
	}
	return !f.full
}
func (f *fakeCluster) Subscribe(key, _ string, history bool) bool {
	f.subs[key] = history
	return !f.full
}
func (f *fakeCluster) Unsubscribe(key string) bool { f.unsubs = append(f.unsubs, key); return !f.full }
func (f *fakeCluster) Answer(_ RemoteEvent, lines []RemoteEvent) bool {
	f.answers = append(f.answers, lines)
	return !f.full
}
func (f *fakeCluster) Claim(key string, _ Presence) bool {
	f.claims = append(f.claims, key)
	return !f.full
}
func (f *fakeCluster) Update(_ string, v Presence) bool {
	f.updates = append(f.updates, v)
	return !f.full
}
func (f *fakeCluster) Release(key string) bool { f.released = append(f.released, key); return !f.full }

// published returns and forgets the events of kind k published so far.
func (f *fakeCluster) published(k EventKind) []RemoteEvent {
	var out []RemoteEvent
	rest := f.pub[:0]
	for _, ev := range f.pub {
		if ev.Kind == k {
			out = append(out, ev)
		} else {
			rest = append(rest, ev)
		}
	}
	f.pub = rest
	return out
}

const nodeB = "b-BBBBBB"

// newClusterHarness is a table on a cluster of fake servers.
func newClusterHarness(t *testing.T, mod ...func(*Config)) (*harness, *fakeCluster) {
	t.Helper()
	fc := newFakeCluster()
	h := newHarness(t, append([]func(*Config){func(c *Config) { c.Cluster = fc }}, mod...)...)
	// The lobby asked for its history at start; nobody had any.
	h.table.Remote([]RemoteEvent{{Kind: EvHistA, RoomKey: LobbyName, Err: errNoHistory}})
	return h, fc
}

// clusterLogin logs nick in, the other servers granting the name.
func (h *harness) clusterLogin(nick string) *user {
	h.t.Helper()
	u := h.connect()
	expectLines(h.t, nick+" claiming", u.says(nick), []string{"-> " + textChecking})
	h.table.Remote([]RemoteEvent{{Kind: EvClaimed, Key: NameKey(nick), SID: u.s.id.Seq, Claim: ClaimOK}})
	if u.s.state != stateChat {
		h.t.Fatalf("login as %q failed: %q", nick, u.got())
	}
	u.got()
	return u
}

// peerIn puts a user of server node in the presence mirror.
func (h *harness) peerIn(node string, sid uint64, nick, room string) {
	h.table.Remote([]RemoteEvent{{Kind: EvNickSet, Key: NameKey(nick),
		Nick: Presence{Nick: nick, Node: node, SID: sid, Room: NameKey(room), RoomName: room}}})
}

func remoteChat(node string, sid uint64, from, room, text string) RemoteEvent {
	return RemoteEvent{Kind: EvChat, Origin: node, SID: sid, From: from, Room: room, RoomKey: NameKey(room), Text: text,
		Time: time.Date(2026, 11, 21, 15, 4, 5, 0, time.Local)}
}

func TestClusterOffIsTodaysServer(t *testing.T) {
	h := newHarness(t)
	a := h.login("alice")
	a.says("hello")
	if h.table.rc.cl != nil || len(h.table.rc.peers) != 0 {
		t.Fatal("a table without Config.Cluster has cluster state")
	}
	h.table.Remote([]RemoteEvent{remoteChat(nodeB, 1, "bob", "lobby", "hi")}) // ignored
	expectLines(t, "alice", a.got(), nil)
}

func TestClaims(t *testing.T) {
	t.Run("a login waits for the other servers and anything typed meanwhile is answered", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		u := h.connect()
		expectLines(t, "claimer", u.says("alice"), []string{"-> " + textChecking})
		expectLines(t, "typing while claiming", u.says("hello?"), []string{"-> " + textChecking})
		if !slices.Equal(fc.claims, []string{"alice"}) {
			t.Fatalf("claims %q", fc.claims)
		}
		h.table.Remote([]RemoteEvent{{Kind: EvClaimed, Key: "alice", SID: u.s.id.Seq, Claim: ClaimOK}})
		if got := u.got(); len(got) == 0 || got[0] != "-> hello alice! /help lists the commands" {
			t.Fatalf("after the claim: %q", got)
		}
		if j := fc.published(EvJoin); len(j) != 1 || j[0].From != "alice" || j[0].RoomKey != "lobby" {
			t.Fatalf("join published %+v", j)
		}
		h.checkIndexes(t)
	})
	for _, c := range []struct {
		name   string
		result ClaimResult
		want   string
	}{
		{"a name another server holds is refused", ClaimTaken, "-> nickname is taken: alice is online; try another"},
		{"a name that cannot be checked is refused", ClaimUnavailable, "-> " + textUnavailable},
	} {
		t.Run(c.name+" and the user can try again", func(t *testing.T) {
			h, fc := newClusterHarness(t)
			u := h.connect()
			u.says("alice")
			h.table.Remote([]RemoteEvent{{Kind: EvClaimed, Key: "alice", SID: u.s.id.Seq, Claim: c.result}})
			expectLines(t, "loser", u.got(), []string{c.want})
			if u.s.state != stateLogin {
				t.Fatalf("state %d after a lost claim", u.s.state)
			}
			expectLines(t, "second try", u.says("alice2"), []string{"-> " + textChecking})
			if len(fc.claims) != 2 {
				t.Fatalf("claims %q", fc.claims)
			}
		})
	}
	t.Run("a name held by a user on another server is refused without asking", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		h.peerIn(nodeB, 7, "Bob", "lobby")
		u := h.connect()
		expectLines(t, "claimer", u.says("bob"), []string{"-> nickname is taken: Bob is online; try another"})
		if len(fc.claims) != 0 {
			t.Fatalf("claims %q", fc.claims)
		}
	})
	t.Run("two local users claiming one name: the second is refused at once", func(t *testing.T) {
		h, _ := newClusterHarness(t)
		u1, u2 := h.connect(), h.connect()
		u1.says("alice")
		expectLines(t, "second", u2.says("alice"), []string{"-> nickname is taken: alice is online; try another"})
	})
	t.Run("a full queue refuses the login at once", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		fc.full = true
		u := h.connect()
		expectLines(t, "claimer", u.says("alice"), []string{"-> " + textUnavailable})
	})
	t.Run("a rename claims the new name, then gives the old one back", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		a := h.clusterLogin("alice")
		fc.pub = nil
		expectLines(t, "renamer", a.says("/nick alicia"), []string{"-> " + textChecking})
		h.table.Remote([]RemoteEvent{{Kind: EvClaimed, Key: "alicia", SID: a.s.id.Seq, Claim: ClaimOK}})
		expectLines(t, "renamer", a.got(), []string{"*** alice is now known as alicia"})
		if r := fc.published(EvRename); len(r) != 1 || r[0].From != "alice" || r[0].To != "alicia" {
			t.Fatalf("rename published %+v", r)
		}
		if !slices.Contains(fc.released, "alice") {
			t.Fatalf("released %q", fc.released)
		}
		h.checkIndexes(t)
	})
	t.Run("a rename to a taken name changes nothing", func(t *testing.T) {
		h, _ := newClusterHarness(t)
		a := h.clusterLogin("alice")
		a.says("/nick bob")
		h.table.Remote([]RemoteEvent{{Kind: EvClaimed, Key: "bob", SID: a.s.id.Seq, Claim: ClaimTaken}})
		expectLines(t, "renamer", a.got(), []string{"-> nickname is taken: bob is online; try another"})
		if a.s.nick != "alice" {
			t.Fatalf("nick %q", a.s.nick)
		}
	})
	t.Run("a won claim whose session left is given back", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		u := h.connect()
		u.says("alice")
		u.closed(ReasonEOF)
		h.table.Remote([]RemoteEvent{{Kind: EvClaimed, Key: "alice", SID: u.s.id.Seq, Claim: ClaimOK}})
		if !slices.Equal(fc.released, []string{"alice"}) {
			t.Fatalf("released %q", fc.released)
		}
	})
	t.Run("a name taken while cut off ends its session", func(t *testing.T) {
		h, _ := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.table.Remote([]RemoteEvent{{Kind: EvTaken, Key: "alice", SID: a.s.id.Seq}})
		expectLines(t, "alice", a.got(), []string{"-> alice " + textTakenWhileDown})
		if a.s.Alive() {
			t.Fatal("session still alive")
		}
	})
}

func TestRemoteChat(t *testing.T) {
	t.Run("a Chinese line from another server reaches a GBK user in GBK", func(t *testing.T) {
		h, _ := newClusterHarness(t)
		a := h.clusterLogin("alice")
		a.says("/charset gbk")
		h.table.Remote([]RemoteEvent{remoteChat(nodeB, 7, "bob", "lobby", "你好，茶馆")})
		raw := string(a.conn.out)
		if !strings.Contains(raw, string(toGBK("bob: 你好，茶馆"))) {
			t.Fatalf("alice got %q", raw)
		}
		expectLines(t, "alice", a.gotGBK(), []string{"bob: 你好，茶馆"})
	})
	t.Run("a line said here is published once and kept in the ring", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		us := []*user{h.clusterLogin("alice"), h.clusterLogin("carol"), h.clusterLogin("dave")}
		drain(us...)
		fc.pub = nil
		us[0].says("hello all")
		got := fc.published(EvChat)
		if len(got) != 1 || got[0].Text != "hello all" || got[0].SID != us[0].s.id.Seq || got[0].RoomKey != "lobby" {
			t.Fatalf("published %+v", got)
		}
	})
	t.Run("a line that cannot leave this server is told to its sender", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		a := h.clusterLogin("alice")
		fc.full = true
		expectLines(t, "alice", a.says("hello"), []string{"-> " + textNotSent})
	})
	t.Run("remote joins, leaves and renames are announced in the room", func(t *testing.T) {
		h, _ := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.table.Remote([]RemoteEvent{
			{Kind: EvJoin, Origin: nodeB, SID: 7, From: "bob", Room: "lobby", RoomKey: "lobby"},
			{Kind: EvRename, Origin: nodeB, SID: 7, From: "bob", To: "bobby", Room: "lobby", RoomKey: "lobby"},
			{Kind: EvLeave, Origin: nodeB, SID: 7, From: "bobby", Room: "lobby", RoomKey: "lobby", Text: "quit"},
			{Kind: EvJoin, Origin: nodeB, SID: 8, From: "zed", Room: "elsewhere", RoomKey: "elsewhere"},
		})
		expectLines(t, "alice", a.got(), []string{"*** bob joined #lobby", "*** bob is now known as bobby",
			"*** bobby left #lobby (quit)"})
	})
	t.Run("ignoring a remote user survives their rename", func(t *testing.T) {
		h, _ := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.peerIn(nodeB, 7, "bob", "lobby")
		a.says("/ignore bob")
		h.table.Remote([]RemoteEvent{
			{Kind: EvRename, Origin: nodeB, SID: 7, From: "bob", To: "bobby", Room: "lobby", RoomKey: "lobby"},
			{Kind: EvNickSet, Key: "bobby", Nick: Presence{Nick: "bobby", Node: nodeB, SID: 7, Room: "lobby", RoomName: "lobby"}},
			{Kind: EvNickGone, Key: "bob", Nick: Presence{Nick: "bob", Node: nodeB, SID: 7}},
			remoteChat(nodeB, 7, "bobby", "lobby", "can you hear me?"),
			{Kind: EvPM, Origin: nodeB, SID: 7, From: "bobby", To: "alice", ToSID: a.s.id.Seq, Text: "psst"},
			remoteChat(nodeB, 8, "carol", "lobby", "I can be heard"),
		})
		expectLines(t, "alice", a.got(), []string{"*** bob is now known as bobby", "carol: I can be heard"})
		expectLines(t, "alice", a.says("/unignore bobby"), []string{"-> you see bobby again"})
	})
}

func TestRemotePrivate(t *testing.T) {
	t.Run("/msg to a remote user is published to their server, and the sender sees it at once", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.peerIn(nodeB, 7, "bob", "lobby")
		expectLines(t, "alice", a.says("/msg BOB 你好"), []string{"[PM to bob] 你好"})
		pm := fc.published(EvPM)
		if len(pm) != 1 || pm[0].Node != nodeB || pm[0].ToSID != 7 || pm[0].Text != "你好" || pm[0].From != "alice" {
			t.Fatalf("published %+v", pm)
		}
	})
	t.Run("a remote PM reaches its receiver, and /reply answers the same person", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.peerIn(nodeB, 7, "bob", "lobby")
		h.table.Remote([]RemoteEvent{{Kind: EvPM, Origin: nodeB, SID: 7, From: "bob", To: "alice", ToSID: a.s.id.Seq, Text: "hi"}})
		expectLines(t, "alice", a.got(), []string{"[PM from bob] hi"})
		expectLines(t, "alice", a.says("/reply hello"), []string{"[PM to bob] hello"})
		if pm := fc.published(EvPM); len(pm) != 1 || pm[0].ToSID != 7 {
			t.Fatalf("published %+v", pm)
		}
	})
	t.Run("/reply after they left says so, even when a new bob arrived", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.peerIn(nodeB, 7, "bob", "lobby")
		h.table.Remote([]RemoteEvent{
			{Kind: EvPM, Origin: nodeB, SID: 7, From: "bob", To: "alice", ToSID: a.s.id.Seq, Text: "hi"},
			{Kind: EvNickGone, Key: "bob", Nick: Presence{Nick: "bob", Node: nodeB, SID: 7}},
		})
		h.peerIn(nodeB, 9, "bob", "lobby")
		a.got()
		expectLines(t, "alice", a.says("/reply anyone?"), []string{"-> no such user: bob"})
		if pm := fc.published(EvPM); len(pm) != 0 {
			t.Fatalf("published %+v", pm)
		}
	})
	t.Run("a PM to someone who left before it arrived comes back as a failure", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.table.Remote([]RemoteEvent{{Kind: EvPM, Origin: nodeB, SID: 7, From: "bob", To: "zoe", ToSID: 999, Text: "hi"}})
		f := fc.published(EvPMFailed)
		if len(f) != 1 || f[0].Node != nodeB || f[0].ToSID != 7 || f[0].From != "zoe" {
			t.Fatalf("published %+v", f)
		}
		h.table.Remote([]RemoteEvent{{Kind: EvPMFailed, Origin: nodeB, From: "bob", ToSID: a.s.id.Seq, Text: leftBeforeArrival}})
		expectLines(t, "alice", a.got(), []string{"-> no such user: bob (left before your message arrived)"})
	})
	t.Run("/whois on a remote user asks their server and shows its answer", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.peerIn(nodeB, 7, "bob", "lobby")
		expectLines(t, "alice", a.says("/whois bob"), nil)
		q := fc.published(EvWhoisQ)
		if len(q) != 1 || q[0].Node != nodeB || q[0].ToSID != 7 {
			t.Fatalf("published %+v", q)
		}
		h.table.Remote([]RemoteEvent{{Kind: EvWhoisA, Origin: nodeB, ToSID: a.s.id.Seq, Text: "bob: in #lobby, connected for 1m0s"}})
		expectLines(t, "alice", a.got(), []string{"-> bob: in #lobby, connected for 1m0s"})
		h.table.Remote([]RemoteEvent{{Kind: EvWhoisA, Origin: nodeB, ToSID: a.s.id.Seq, Text: "a late duplicate"}})
		expectLines(t, "alice", a.got(), nil)
		h.table.Remote([]RemoteEvent{{Kind: EvWhoisQ, Origin: nodeB, SID: 7, To: "alice", ToSID: a.s.id.Seq}})
		if ans := fc.published(EvWhoisA); len(ans) != 1 || !strings.HasPrefix(ans[0].Text, "alice: in #lobby") || ans[0].ToSID != 7 {
			t.Fatalf("answered %+v", ans)
		}
	})
}

func TestRemoteWhoisTimeout(t *testing.T) {
	h, fc := newClusterHarness(t)
	a := h.clusterLogin("alice")
	h.peerIn(nodeB, 7, "bob", "lobby")
	a.says("/whois bob")
	h.clock.advance(whoisTimeout)
	h.table.Tick()
	expectLines(t, "alice", a.got(), []string{"-> bob's server did not answer"})
	h.table.Remote([]RemoteEvent{{Kind: EvWhoisA, Origin: nodeB, ToSID: a.s.id.Seq, Text: "bob: too late"}})
	expectLines(t, "alice after the timeout", a.got(), nil)
	if len(fc.published(EvWhoisQ)) != 1 {
		t.Fatal("the question was not published once")
	}
}

func TestLobbyHistoryAtStart(t *testing.T) {
	fc := newFakeCluster()
	h := newHarness(t, func(c *Config) { c.Cluster = fc })
	if hist, ok := fc.subs[LobbyName]; !ok || !hist {
		t.Fatalf("the lobby subscription %v", fc.subs)
	}
	h.table.Remote([]RemoteEvent{{Kind: EvHistA, RoomKey: LobbyName, Room: LobbyName,
		Lines: []RemoteEvent{remoteChat(nodeB, 7, "bob", LobbyName, "before you came")}}})
	u := h.connect()
	u.says("alice")
	h.table.Remote([]RemoteEvent{{Kind: EvClaimed, Key: "alice", SID: u.s.id.Seq, Claim: ClaimOK}})
	got := u.got()
	if !slices.Contains(got, "bob: before you came") {
		t.Fatalf("alice got %q", got)
	}
	t.Run("a history that never comes ends the wait", func(t *testing.T) {
		h.peerIn(nodeB, 8, "carol", "tea")
		u.says("/join tea")
		h.clock.advance(histTimeout)
		h.table.Tick()
		expectLines(t, "alice", u.got(), []string{"*** alice joined #tea"})
	})
}

func TestRemoteLists(t *testing.T) {
	h, _ := newClusterHarness(t)
	a := h.clusterLogin("alice")
	h.peerIn(nodeB, 7, "bob", "lobby")
	h.peerIn(nodeB, 8, "carol", "tea")
	for _, c := range []struct{ cmd, want string }{
		{"/who", "-> 3 online: alice (#lobby), bob (#lobby), carol (#tea)"},
		{"/look", "-> 2 in #lobby: alice, bob"},
		{"/rooms", "-> 2 rooms: #lobby (2), #tea (1)"},
	} {
		t.Run(c.cmd+" lists the users of every server", func(t *testing.T) {
			expectLines(t, "alice", a.says(c.cmd), []string{c.want})
		})
	}
}

func TestNodeLost(t *testing.T) {
	t.Run("a server reported lost across this server's own outage is not announced when it comes back", func(t *testing.T) {
		h, _ := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.peerIn(nodeB, 1, "bob", "lobby")
		h.table.Remote([]RemoteEvent{
			{Kind: EvLinkDown},
			{Kind: EvNickGone, Key: "bob", Nick: Presence{Nick: "bob", Node: nodeB, SID: 1}},
			{Kind: EvNodeLost, Node: nodeB, Text: "node lost"},
			{Kind: EvLinkUp},
		})
		h.clock.advance(5 * time.Second)
		h.table.Remote([]RemoteEvent{{Kind: EvNickSet, Key: "bob", Nick: Presence{Nick: "bob", Node: nodeB, SID: 1, Room: "lobby", RoomName: "lobby"}}})
		h.clock.advance(nodeGrace)
		h.table.Tick()
		for _, l := range a.got() {
			if strings.Contains(l, "bob left") {
				t.Errorf("alice got %q", l)
			}
		}
		expectLines(t, "alice", a.says("/who"), []string{"-> 2 online: alice (#lobby), bob (#lobby)"})
	})
	t.Run("a server reported lost across an outage that does not come back is announced after the grace", func(t *testing.T) {
		h, _ := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.peerIn(nodeB, 1, "bob", "lobby")
		h.table.Remote([]RemoteEvent{{Kind: EvLinkDown}, {Kind: EvNodeLost, Node: nodeB, Text: "node lost"}, {Kind: EvLinkUp}})
		drain(a)
		h.clock.advance(nodeGrace)
		h.table.Tick()
		expectLines(t, "alice", a.got(), []string{"*** bob left #lobby (node lost)"})
	})
	t.Run("a lost server's users leave, 20 lines per room and then a count", func(t *testing.T) {
		h, _ := newClusterHarness(t)
		a := h.clusterLogin("alice")
		for i := range 25 {
			h.peerIn(nodeB, uint64(i+1), fmt.Sprintf("p%02d", i), "lobby")
		}
		h.peerIn(nodeB, 100, "far", "tea") // no one here is in #tea
		h.peerIn("c-CCCCCC", 1, "stays", "lobby")
		h.table.Remote([]RemoteEvent{{Kind: EvNodeLost, Node: nodeB, Text: "node lost"}})
		var want []string
		for i := range 20 {
			want = append(want, fmt.Sprintf("*** p%02d left #lobby (node lost)", i))
		}
		want = append(want, "*** and 5 more left #lobby (node lost)")
		expectLines(t, "alice", a.got(), want)
		expectLines(t, "alice", a.says("/who"), []string{"-> 2 online: alice (#lobby), stays (#lobby)"})
	})
	t.Run("a server stopped gracefully says why", func(t *testing.T) {
		h, _ := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.peerIn(nodeB, 1, "bob", "lobby")
		h.table.Remote([]RemoteEvent{{Kind: EvNodeLost, Node: nodeB, Text: "server shutting down"}})
		expectLines(t, "alice", a.got(), []string{"*** bob left #lobby (server shutting down)"})
	})
	t.Run("a stopped server's names may go before its loss is known, and its users are still announced", func(t *testing.T) {
		h, _ := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.peerIn(nodeB, 1, "bob", "lobby")
		h.table.Remote([]RemoteEvent{
			{Kind: EvNickGone, Key: "bob", Nick: Presence{Nick: "bob", Node: nodeB, SID: 1}},
			{Kind: EvNodeLost, Node: nodeB, Text: "server shutting down"},
		})
		expectLines(t, "alice", a.got(), []string{"*** bob left #lobby (server shutting down)"})
	})
	t.Run("a user who quit is announced once, whichever comes first, the name's release or the leave line", func(t *testing.T) {
		h, _ := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.peerIn(nodeB, 1, "bob", "lobby")
		h.peerIn(nodeB, 2, "carol", "lobby")
		gone := func(nick string, sid uint64) RemoteEvent {
			return RemoteEvent{Kind: EvNickGone, Key: nick, Nick: Presence{Nick: nick, Node: nodeB, SID: sid}}
		}
		left := func(nick string, sid uint64) RemoteEvent {
			return RemoteEvent{Kind: EvLeave, Origin: nodeB, SID: sid, From: nick, Room: "lobby", RoomKey: "lobby", Text: "quit"}
		}
		h.table.Remote([]RemoteEvent{gone("bob", 1), left("bob", 1), left("carol", 2), gone("carol", 2),
			{Kind: EvNodeLost, Node: nodeB, Text: "node lost"}})
		expectLines(t, "alice", a.got(), []string{"*** bob left #lobby (quit)", "*** carol left #lobby (quit)"})
	})
}

func TestLinkNotices(t *testing.T) {
	h, _ := newClusterHarness(t)
	a := h.clusterLogin("alice")
	t.Run("losing the link is told once", func(t *testing.T) {
		h.table.Remote([]RemoteEvent{{Kind: EvLinkDown}, {Kind: EvFenced}, {Kind: EvLinkDown}})
		expectLines(t, "alice", a.got(), []string{"*** " + textLinkDown})
	})
	t.Run("getting it back is told once", func(t *testing.T) {
		h.table.Remote([]RemoteEvent{{Kind: EvLinkUp}, {Kind: EvLinkUp}})
		expectLines(t, "alice", a.got(), []string{"*** " + textLinkUp})
	})
	t.Run("lines lost on the way in are told once a second to rooms with remote members", func(t *testing.T) {
		lone := h.clusterLogin("lone")
		lone.says("/join quiet")
		h.peerIn(nodeB, 7, "bob", "lobby")
		drain(a, lone)
		h.table.Remote([]RemoteEvent{{Kind: EvDropped, Count: 37}, {Kind: EvDropped, Count: 3}})
		expectLines(t, "alice", a.got(), []string{"-> 37 lines from other servers were not delivered (server overloaded)"})
		expectLines(t, "lone", lone.got(), nil)
		h.clock.advance(time.Second)
		h.table.Tick()
		expectLines(t, "alice", a.got(), []string{"-> 3 lines from other servers were not delivered (server overloaded)"})
	})
}

func TestRemoteHistory(t *testing.T) {
	t.Run("a room that lives only elsewhere replays its history, then the join line", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.peerIn(nodeB, 7, "carol", "tea")
		expectLines(t, "alice", a.says("/join tea"), nil)
		if hist, ok := fc.subs["tea"]; !ok || !hist {
			t.Fatalf("subscriptions %v", fc.subs)
		}
		old := remoteChat(nodeB, 7, "carol", "tea", "老话")
		both := remoteChat(nodeB, 7, "carol", "tea", "in both")
		both.Time = both.Time.Add(time.Second)
		live := remoteChat(nodeB, 7, "carol", "tea", "live")
		live.Time = live.Time.Add(2 * time.Second)
		h.table.Remote([]RemoteEvent{both, live})
		expectLines(t, "alice while waiting", a.got(), nil)
		h.table.Remote([]RemoteEvent{{Kind: EvHistA, RoomKey: "tea", Room: "tea", Lines: []RemoteEvent{old, both}}})
		expectLines(t, "alice", a.got(), []string{"carol: 老话", "carol: in both", "carol: live", "*** alice joined #tea"})
		if j := fc.published(EvJoin); len(j) == 0 || j[len(j)-1].RoomKey != "tea" {
			t.Fatalf("join published %+v", j)
		}
	})
	t.Run("no answer from the others: an empty room, and the join line", func(t *testing.T) {
		h, _ := newClusterHarness(t)
		a := h.clusterLogin("alice")
		h.peerIn(nodeB, 7, "carol", "tea")
		a.says("/join tea")
		h.table.Remote([]RemoteEvent{{Kind: EvHistA, RoomKey: "tea", Err: fmt.Errorf("no history")}})
		expectLines(t, "alice", a.got(), []string{"*** alice joined #tea"})
	})
	t.Run("a room nobody else has asks for no history", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		a := h.clusterLogin("alice")
		expectLines(t, "alice", a.says("/join tea"), []string{"*** alice joined #tea"})
		if hist, ok := fc.subs["tea"]; !ok || hist {
			t.Fatalf("subscriptions %v", fc.subs)
		}
		a.says("/part")
		if !slices.Contains(fc.unsubs, "tea") {
			t.Fatalf("unsubscribed %q", fc.unsubs)
		}
	})
	t.Run("another server's request is answered with the ring", func(t *testing.T) {
		h, fc := newClusterHarness(t)
		a := h.clusterLogin("alice")
		a.says("first")
		a.says("/me waves")
		h.table.Remote([]RemoteEvent{{Kind: EvHistQ, Origin: nodeB, RoomKey: "lobby", Room: "lobby"}})
		if len(fc.answers) != 1 || len(fc.answers[0]) != 2 {
			t.Fatalf("answers %+v", fc.answers)
		}
		l := fc.answers[0]
		if l[0].Kind != EvChat || l[0].Text != "first" || l[0].Origin != "a-AAAAAA" || l[1].Kind != EvEmote {
			t.Fatalf("answer %+v", l)
		}
	})
}

// TestRemoteCrowds checks that joins and leaves from other servers follow
// the crowded-room rule like local ones: summed up past Config.Crowd.
func TestRemoteCrowds(t *testing.T) {
	h, _ := newClusterHarness(t, func(c *Config) { c.Crowd = 2 })
	us := []*user{h.clusterLogin("a1"), h.clusterLogin("a2"), h.clusterLogin("a3")}
	h.table.Tick()
	drain(us...)
	for i, nick := range []string{"r1", "r2"} {
		h.table.Remote([]RemoteEvent{{Kind: EvJoin, Origin: nodeB, SID: uint64(i + 1), From: nick, Room: "lobby", RoomKey: "lobby"}})
	}
	h.table.Remote([]RemoteEvent{{Kind: EvLeave, Origin: nodeB, SID: 1, From: "r1", Room: "lobby", RoomKey: "lobby", Text: "quit"}})
	expectLines(t, "a1 before the tick", us[0].got(), nil)
	h.table.Tick()
	expectLines(t, "a1 at the tick", us[0].got(), []string{"*** 2 joined, 1 left #lobby: r1 and r2 joined; r1 left"})
}
