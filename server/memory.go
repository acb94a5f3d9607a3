package main

import (
	"runtime/debug"
	"runtime/metrics"
	"sync/atomic"
)

// Returning memory after bursts. A join storm or a burst of broadcasts
// allocates output that is garbage a moment later, but a server that then
// goes quiet allocates nothing, so no collection runs (Go forces one only
// every two minutes) and the freed pages go back to the OS slowly after
// that: an idle server would hold kilobytes per connection it no longer
// uses. So once a tick the reactor looks at how much was allocated: after
// a burst of at least releaseAfter bytes, the first calm tick (less than
// calmBelow allocated since the last) collects and returns the memory.
const (
	releaseAfter = 8 << 20 // bytes allocated since the last release that make one worthwhile
	calmBelow    = 1 << 20 // bytes allocated in one tick below which the server is calm
)

// memoryReleaser decides when to give freed heap back to the OS. check
// runs on the loop; the release runs on its own goroutine, because it
// forces a garbage collection.
type memoryReleaser struct {
	sample       []metrics.Sample
	prev, sinceR uint64 // allocations at the last check and since the last release
	inFlight     atomic.Bool
}

func newMemoryReleaser() *memoryReleaser {
	return &memoryReleaser{sample: []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}}
}

// check starts a release if a burst has ended; it reports whether it did.
func (m *memoryReleaser) check() bool {
	metrics.Read(m.sample)
	if !m.burstEnded(m.sample[0].Value.Uint64()) || !m.inFlight.CompareAndSwap(false, true) {
		return false
	}
	m.sinceR = 0
	go func() {
		defer m.inFlight.Store(false)
		debug.FreeOSMemory()
	}()
	return true
}

// burstEnded takes the process's total allocated bytes at this tick and
// reports whether at least releaseAfter bytes were allocated since the
// last release and this tick was calm.
func (m *memoryReleaser) burstEnded(total uint64) bool {
	delta := total - m.prev
	m.prev = total
	m.sinceR += delta
	return m.sinceR >= releaseAfter && delta < calmBelow
}
