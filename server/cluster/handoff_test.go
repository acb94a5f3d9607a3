package cluster

import (
	"slices"
	"testing"
	"time"
)

func TestHandOffIsBounded(t *testing.T) {
	ns := startNATS(t)
	small := func(o *Options) { o.Inbound, o.Inbox, o.Outbox, o.Batch = 64, 64, 16, 8 }
	sender, slow := join(t, ns, "sender", nil), join(t, ns, "slow", small)
	slow.Subscribe("tea", "Tea", false)
	waitFor(t, 5*time.Second, "the subscription", func() bool {
		sender.Publish(Event{Kind: Join, RoomKey: "tea", From: "probe"})
		time.Sleep(20 * time.Millisecond)
		return len(slow.loop.matching(ofKind(Join))) > 0
	})

	slow.loop.block() // the loop is stuck inside Deliver
	const flood = 2000
	for i := range flood {
		for !sender.Publish(Event{Kind: Chat, RoomKey: "tea", From: "alice", Text: "flood", Seq: uint64(i + 100)}) {
			time.Sleep(time.Millisecond) // the sender's outbox is 8192 deep: rarely
		}
	}
	t.Run("what the stuck node cannot hold is dropped and counted", func(t *testing.T) {
		waitFor(t, 10*time.Second, "drops to be counted", func() bool { return slow.Stats().InDrops.Load() > 0 })
	})
	t.Run("publishing from the stuck node never blocks, and refusals are counted", func(t *testing.T) {
		var lat []time.Duration
		refused := 0
		for range 5000 {
			start := time.Now()
			if !slow.Publish(Event{Kind: Chat, RoomKey: "tea", From: "bob", Text: "out"}) {
				refused++
			}
			lat = append(lat, time.Since(start))
		}
		slices.Sort(lat)
		p99, worst := lat[len(lat)*99/100], lat[len(lat)-1]
		t.Logf("5000 publishes: %d refused; p99 %v, worst %v", refused, p99, worst)
		if p99 > time.Millisecond {
			t.Fatalf("p99 %v: Publish waited", p99)
		}
		if worst > 50*time.Millisecond {
			t.Fatalf("worst %v: Publish blocked", worst)
		}
		if refused > 0 && slow.Stats().OutDrops.Load() < uint64(refused) {
			t.Fatalf("%d refused but %d counted", refused, slow.Stats().OutDrops.Load())
		}
	})
	t.Run("at most one delivery task is queued toward the loop", func(t *testing.T) {
		slow.loop.mu.Lock()
		q := slow.loop.maxQueue
		slow.loop.mu.Unlock()
		if q > 1 {
			t.Fatalf("%d tasks were queued at once", q)
		}
	})
	slow.loop.unblock()
	t.Run("after the stall the loop gets the kept lines and a Dropped notice, in batches", func(t *testing.T) {
		var got, dropped int
		count := func() bool {
			got, dropped = len(slow.loop.matching(ofKind(Chat))), 0
			for _, ev := range slow.loop.matching(ofKind(Dropped)) {
				dropped += ev.Count
			}
			return got+dropped == flood && uint64(dropped) == slow.Stats().InDrops.Load()
		}
		waitFor(t, 10*time.Second, "every line delivered or reported dropped", count)
		t.Logf("%d of %d lines delivered, %d reported dropped, %d batches", got, flood, dropped, slow.Stats().Batches.Load())
		if dropped == 0 {
			t.Fatal("nothing was dropped: the test did not overload the node")
		}
		var seqs []uint64
		for _, ev := range slow.loop.matching(ofKind(Chat)) {
			seqs = append(seqs, ev.Seq)
		}
		if !slices.IsSorted(seqs) {
			t.Fatal("lines arrived out of order")
		}
	})
}

func TestLosingNATS(t *testing.T) {
	ns := startNATS(t)
	a := join(t, ns, "a", nil)
	a.Claim("erin", Nick{Nick: "erin", SID: 1})
	if err := claimed(t, a, "erin", 1); err != nil {
		t.Fatal(err)
	}
	ns.stop()
	t.Run("the link is reported down, once", func(t *testing.T) {
		waitFor(t, 5*time.Second, "LinkDown", func() bool { return len(a.loop.matching(ofKind(LinkDown))) == 1 })
		if a.Stats().Connected() {
			t.Fatal("Stats says connected")
		}
	})
	t.Run("publishing goes on without blocking", func(t *testing.T) {
		start := time.Now()
		for range 100 {
			a.Publish(Event{Kind: Chat, RoomKey: "lobby", From: "erin", Text: "anyone?"})
		}
		if d := time.Since(start); d > 50*time.Millisecond {
			t.Fatalf("100 publishes took %v", d)
		}
	})
	t.Run("a new claim is refused at once", func(t *testing.T) {
		a.Claim("frank", Nick{Nick: "frank", SID: 2})
		if err := claimed(t, a, "frank", 2); err != ErrUnavailable {
			t.Fatalf("got %v", err)
		}
	})
	ns.start() // a new server on the same port: the memory buckets are gone
	t.Run("on reconnect the link is up again and the node's names are claimed again", func(t *testing.T) {
		waitFor(t, 10*time.Second, "LinkUp", func() bool { return len(a.loop.matching(ofKind(LinkUp))) == 1 })
		if !a.Stats().Connected() {
			t.Fatal("Stats says disconnected")
		}
		b := join(t, ns, "b", nil)
		waitFor(t, 5*time.Second, "b to see erin", func() bool {
			return slices.ContainsFunc(b.loop.matching(ofKind(NickSet)), func(ev Event) bool { return ev.Key == "erin" && ev.Nick.Node == a.ID() })
		})
		b.Claim("erin", Nick{Nick: "erin", SID: 9})
		if err := claimed(t, b, "erin", 9); err != ErrTaken {
			t.Fatalf("b's claim of erin: %v", err)
		}
	})
}
