package cluster

import (
	"fmt"
	"sync"
	"testing"
	"time"
)

func TestRoomLinesCrossNodesOncePerNode(t *testing.T) {
	ns := startNATS(t)
	a, b, c := join(t, ns, "a", nil), join(t, ns, "b", nil), join(t, ns, "c", nil)
	for _, m := range []*member{a, b} {
		if !m.Subscribe("tea", "Tea", false) {
			t.Fatal("subscribe refused")
		}
	}
	// A subscription is on the wire once a round trip through the
	// publisher has happened: publish until b hears.
	waitFor(t, 5*time.Second, "b to hear a's room", func() bool {
		a.Publish(Event{Kind: Join, RoomKey: "tea", Room: "Tea", From: "probe", SID: 1})
		time.Sleep(20 * time.Millisecond)
		return len(b.loop.matching(ofKind(Join))) > 0
	})
	before := a.Stats().OutMsgs.Load()
	if !a.Publish(Event{Kind: Chat, RoomKey: "tea", Room: "Tea", From: "alice", SID: 7, Text: "hello", Time: time.Now()}) {
		t.Fatal("publish refused")
	}
	waitFor(t, 5*time.Second, "b to hear the line", func() bool { return len(b.loop.matching(ofKind(Chat))) > 0 })
	time.Sleep(100 * time.Millisecond) // room for a duplicate or a stray copy to show up

	t.Run("the line is published once", func(t *testing.T) {
		if got := a.Stats().OutMsgs.Load() - before; got != 1 {
			t.Fatalf("%d publishes for one line", got)
		}
	})
	t.Run("a subscribed node receives it once, with its fields", func(t *testing.T) {
		got := b.loop.matching(ofKind(Chat))
		if len(got) != 1 {
			t.Fatalf("b got %d copies", len(got))
		}
		ev := got[0]
		if ev.Origin != a.ID() || ev.RoomKey != "tea" || ev.Room != "Tea" || ev.From != "alice" || ev.SID != 7 || ev.Text != "hello" || ev.Seq == 0 {
			t.Fatalf("b got %+v", ev)
		}
	})
	t.Run("a node without the room hears nothing", func(t *testing.T) {
		if got := c.loop.matching(ofKind(Chat)); len(got) != 0 {
			t.Fatalf("c got %v", got)
		}
	})
	t.Run("the sender hears no echo", func(t *testing.T) {
		if got := a.loop.matching(ofKind(Chat)); len(got) != 0 {
			t.Fatalf("a got its own line back: %v", got)
		}
	})
	t.Run("a private message reaches only its node", func(t *testing.T) {
		a.Publish(Event{Kind: PM, Node: c.ID(), From: "alice", SID: 7, To: "carol", ToSID: 3, Text: "psst"})
		waitFor(t, 5*time.Second, "c to get the PM", func() bool { return len(c.loop.matching(ofKind(PM))) == 1 })
		ev := c.loop.matching(ofKind(PM))[0]
		if ev.Node != a.ID() || ev.ToSID != 3 || ev.Text != "psst" {
			t.Fatalf("c got %+v", ev)
		}
		if len(b.loop.matching(ofKind(PM))) != 0 {
			t.Fatal("b got c's PM")
		}
	})
	t.Run("after unsubscribing a node hears the room no more", func(t *testing.T) {
		b.Unsubscribe("tea")
		n := len(c.loop.matching(ofKind(PM)))
		a.Publish(Event{Kind: Chat, RoomKey: "tea", Room: "Tea", From: "alice", Text: "gone?"})
		// Ordering: a's next PM to b's... use c as a marker: after c hears it, b had its chance.
		a.Publish(Event{Kind: PM, Node: c.ID(), Text: "marker"})
		waitFor(t, 5*time.Second, "the marker", func() bool { return len(c.loop.matching(ofKind(PM))) > n })
		time.Sleep(50 * time.Millisecond)
		if got := b.loop.matching(ofKind(Chat)); len(got) != 1 {
			t.Fatalf("b has %d chat lines, want still 1", len(got))
		}
	})
}

func TestHistoryFromAnotherNode(t *testing.T) {
	ns := startNATS(t)
	a, b := join(t, ns, "a", nil), join(t, ns, "b", nil)
	t.Run("a room no node has has no history", func(t *testing.T) {
		a.Subscribe("tea", "Tea", true)
		waitFor(t, 5*time.Second, "the empty answer", func() bool { return len(a.loop.matching(ofKind(HistA))) == 1 })
		if ev := a.loop.matching(ofKind(HistA))[0]; ev.Err != ErrNoHistory {
			t.Fatalf("got %+v", ev)
		}
	})
	t.Run("a node with the room answers with its ring", func(t *testing.T) {
		ring := []Event{{Kind: Chat, Origin: a.ID(), Seq: 1, From: "alice", Text: "one"}, {Kind: Emote, Origin: a.ID(), Seq: 2, From: "alice", Text: "waves"}}
		go func() { // a's loop answers each request with its ring
			for range 200 {
				for _, q := range a.loop.matching(ofKind(HistQ)) {
					a.Answer(q, ring)
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
		}()
		b.Subscribe("tea", "Tea", true)
		waitFor(t, 5*time.Second, "b's answer", func() bool { return len(b.loop.matching(ofKind(HistA))) == 1 })
		ev := b.loop.matching(ofKind(HistA))[0]
		if ev.Err != nil || ev.RoomKey != "tea" || len(ev.Lines) != 2 || ev.Lines[1].Text != "waves" {
			t.Fatalf("got %+v", ev)
		}
	})
}

func TestClaimRaceHasOneWinner(t *testing.T) {
	ns := startNATS(t)
	nodes := []*member{join(t, ns, "a", nil), join(t, ns, "b", nil), join(t, ns, "c", nil)}
	const perNode = 3
	for round := range 5 {
		key := fmt.Sprintf("alice%d", round)
		t.Run(fmt.Sprintf("round %d: %d claims on 3 nodes, one winner", round, 3*perNode), func(t *testing.T) {
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i, m := range nodes {
				for j := range perNode {
					sid := uint64(100*round + 10*i + j + 1)
					wg.Go(func() {
						<-start
						m.Claim(key, Nick{Nick: key, SID: sid})
					})
				}
			}
			close(start)
			wg.Wait()
			wins, taken := 0, 0
			for i, m := range nodes {
				for j := range perNode {
					switch err := claimed(t, m, key, uint64(100*round+10*i+j+1)); err {
					case nil:
						wins++
					case ErrTaken:
						taken++
					default:
						t.Fatalf("claim failed: %v", err)
					}
				}
			}
			if wins != 1 || taken != 3*perNode-1 {
				t.Fatalf("%d winners and %d refused", wins, taken)
			}
		})
	}
}

func TestPresenceMirror(t *testing.T) {
	ns := startNATS(t)
	a, b := join(t, ns, "a", nil), join(t, ns, "b", nil)
	if err := func() error { a.Claim("bob", Nick{Nick: "Bob", SID: 1, Room: "lobby"}); return claimed(t, a, "bob", 1) }(); err != nil {
		t.Fatal(err)
	}
	t.Run("another node sees the name", func(t *testing.T) {
		waitFor(t, 5*time.Second, "b's NickSet", func() bool { return len(b.loop.matching(ofKind(NickSet))) == 1 })
		ev := b.loop.matching(ofKind(NickSet))[0]
		if ev.Key != "bob" || ev.Nick.Nick != "Bob" || ev.Nick.Node != a.ID() || ev.Nick.SID != 1 {
			t.Fatalf("got %+v", ev)
		}
	})
	t.Run("the owner does not see its own name", func(t *testing.T) {
		if got := a.loop.matching(ofKind(NickSet)); len(got) != 0 {
			t.Fatalf("a got %+v", got)
		}
	})
	t.Run("a room change is mirrored", func(t *testing.T) {
		a.Update("bob", Nick{Nick: "Bob", SID: 1, Room: "tea"})
		waitFor(t, 5*time.Second, "the update", func() bool { return len(b.loop.matching(ofKind(NickSet))) == 2 })
	})
	t.Run("a release is mirrored", func(t *testing.T) {
		a.Release("bob")
		waitFor(t, 5*time.Second, "b's NickGone", func() bool { return len(b.loop.matching(ofKind(NickGone))) == 1 })
	})
	t.Run("a released name can be claimed elsewhere", func(t *testing.T) {
		b.Claim("bob", Nick{Nick: "bob", SID: 5})
		if err := claimed(t, b, "bob", 5); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("a node that joins later reads the names held", func(t *testing.T) {
		c := join(t, ns, "c", nil)
		waitFor(t, 5*time.Second, "c's NickSet", func() bool { return len(c.loop.matching(ofKind(NickSet))) == 1 })
		if ev := c.loop.matching(ofKind(NickSet))[0]; ev.Nick.Node != b.ID() {
			t.Fatalf("got %+v", ev)
		}
	})
}

func TestLeaseExpiryFreesACrashedNodesNames(t *testing.T) {
	ns := startNATS(t)
	const ttl = time.Second
	short := func(o *Options) { o.LeaseTTL = ttl }
	a, b := join(t, ns, "a", short), join(t, ns, "b", short)
	a.Claim("carol", Nick{Nick: "carol", SID: 1})
	if err := claimed(t, a, "carol", 1); err != nil {
		t.Fatal(err)
	}
	t.Run("while the owner lives the name is taken", func(t *testing.T) {
		b.Claim("carol", Nick{Nick: "carol", SID: 2})
		if err := claimed(t, b, "carol", 2); err != ErrTaken {
			t.Fatalf("got %v", err)
		}
	})
	crashed := time.Now()
	a.kill()
	t.Run("the others see the node lost within the lease", func(t *testing.T) {
		waitFor(t, 3*ttl+2*time.Second, "NodeLost", func() bool { return len(b.loop.matching(ofKind(NodeLost))) == 1 })
		ev := b.loop.matching(ofKind(NodeLost))[0]
		if ev.Node != a.ID() || ev.Text != ReasonNodeLost {
			t.Fatalf("got %+v", ev)
		}
		t.Logf("node lost %v after the crash (TTL %v)", time.Since(crashed).Round(time.Millisecond), ttl)
	})
	t.Run("its name becomes claimable", func(t *testing.T) {
		b.Claim("carol", Nick{Nick: "carol", SID: 3})
		if err := claimed(t, b, "carol", 3); err != nil {
			t.Fatalf("got %v", err)
		}
	})
}

func TestGracefulStopFreesNamesAtOnce(t *testing.T) {
	ns := startNATS(t)
	a, b := join(t, ns, "a", nil), join(t, ns, "b", nil) // TTL 3s: anything under it is not an expiry
	a.Claim("dave", Nick{Nick: "dave", SID: 1})
	if err := claimed(t, a, "dave", 1); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 5*time.Second, "b's mirror", func() bool { return len(b.loop.matching(ofKind(NickSet))) == 1 })
	stopped := time.Now()
	if err := a.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Second, "NodeLost", func() bool { return len(b.loop.matching(ofKind(NodeLost))) == 1 })
	t.Logf("node lost %v after Stop", time.Since(stopped).Round(time.Millisecond))
	t.Run("the reason is a shutdown", func(t *testing.T) {
		if ev := b.loop.matching(ofKind(NodeLost))[0]; ev.Text != ReasonShutdown || ev.Node != a.ID() {
			t.Fatalf("got %+v", ev)
		}
	})
	t.Run("its name is free at once", func(t *testing.T) {
		b.Claim("dave", Nick{Nick: "dave", SID: 2})
		if err := claimed(t, b, "dave", 2); err != nil {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("a stopped node refuses work without blocking", func(t *testing.T) {
		if a.Publish(Event{Kind: Chat, RoomKey: "lobby"}) || a.Claim("x", Nick{}) {
			t.Fatal("a stopped node accepted work")
		}
	})
}
