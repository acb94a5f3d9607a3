package main

import "testing"

func TestMemoryReleaserWaitsForTheEndOfABurst(t *testing.T) {
	const mib = 1 << 20
	m := newMemoryReleaser()
	steps := []struct {
		name  string
		alloc uint64 // allocated during the tick
		want  bool
	}{
		{"a quiet start releases nothing", 100, false},
		{"a small burst is not worth a release", 4 * mib, false},
		{"a big burst is not released while it lasts", 6 * mib, false},
		{"the first calm tick after it releases", 100, true},
	}
	var total uint64
	for _, st := range steps {
		total += st.alloc
		if got := m.burstEnded(total); got != st.want {
			t.Fatalf("%s: got %v", st.name, got)
		}
	}
	m.sinceR = 0 // what check does when it starts the release
	t.Run("calm ticks after a release release nothing more", func(t *testing.T) {
		for range 5 {
			total += 100
			if m.burstEnded(total) {
				t.Fatal("released again without a new burst")
			}
		}
	})
}
