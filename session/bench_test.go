package session

import (
	"fmt"
	"testing"

	"teahouse/session/sessiontest"
)

// BenchmarkSessionInput runs 1 MiB of mixed chat through a whole session
// (framing, decoding, sanitizing, flood check, dispatch) in a room with one
// listener, so it measures the per-line cost of the core.
func BenchmarkSessionInput(b *testing.B) {
	in := sessiontest.MixedChat()
	h := newHarness(nil, func(c *Config) { c.Rate = 0 })
	a := h.mustLogin("alice")
	listener := h.mustLogin("bob")
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		for p := in; len(p) > 0; {
			n := min(len(p), 4096)
			a.s.CollectIncomingData(p[:n])
			p = p[n:]
			listener.conn.out = listener.conn.out[:0]
			a.conn.out = a.conn.out[:0]
		}
	}
}

// broadcastRoom logs in n listeners of mixed charsets and timestamp
// settings plus one speaker, all in the lobby.
func broadcastRoom(n int) (*harness, *user, []*user) {
	h := newHarness(nil, func(c *Config) { c.Rate = 0; c.History = 0 })
	speaker := h.mustLogin("speaker")
	listeners := make([]*user, n)
	for i := range listeners {
		u := h.mustLogin(fmt.Sprintf("u%d", i))
		if i%2 == 1 {
			u.send("/charset gbk")
		}
		if i%3 == 2 {
			u.send("/timestamp on")
		}
		listeners[i] = u
	}
	for _, u := range listeners {
		u.conn.out = u.conn.out[:0]
	}
	return h, speaker, listeners
}

// sayToRoom has the speaker say one line and clears what listeners got.
func sayToRoom(speaker *user, listeners []*user, line []byte) {
	speaker.s.CollectIncomingData(line)
	for _, u := range listeners {
		u.conn.out = u.conn.out[:0]
	}
}

// BenchmarkBroadcast1000 says one chat line to 1,000 sessions of mixed
// charsets: the cost per delivery is ns/op divided by 1,000.
func BenchmarkBroadcast1000(b *testing.B) {
	_, speaker, listeners := broadcastRoom(1000)
	line := []byte("你好 everyone, the tea is ready ☕\r\n")
	b.ReportAllocs()
	for b.Loop() {
		sayToRoom(speaker, listeners, line)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/1000, "ns/delivery")
}

func TestBroadcastAllocationsDoNotGrowWithRecipients(t *testing.T) {
	line := []byte("你好 everyone, the tea is ready ☕\r\n")
	allocs := func(n int) float64 {
		_, speaker, listeners := broadcastRoom(n)
		sayToRoom(speaker, listeners, line) // warm the buffer pool
		return testing.AllocsPerRun(50, func() { sayToRoom(speaker, listeners, line) })
	}
	few, many := allocs(10), allocs(1000)
	if many > few {
		t.Errorf("a broadcast to 1,000 makes %.0f allocations, to 10 only %.0f", many, few)
	}
	t.Logf("allocations per broadcast: %.0f (10 recipients), %.0f (1,000 recipients)", few, many)
}
