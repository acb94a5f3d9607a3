package main

import (
	"sync"
	"time"

	"github.com/HdrHistogram/hdrhistogram-go"
)

const (
	// latencyShards spreads receivers over this many histograms so that
	// they seldom wait for each other's flushes.
	latencyShards = 8

	// latencyBatch is how many latencies a receiver keeps before it
	// flushes them into its shard, under the shard's lock.
	latencyBatch = 128

	// maxLatency is the highest latency the histograms hold; higher ones
	// are recorded as this.
	maxLatency = time.Minute

	// latencyDigits is the histograms' precision in significant digits.
	latencyDigits = 3
)

// latencyRecorder collects delivery latencies, in microseconds, from many
// receivers into HDR histograms.
type latencyRecorder struct {
	shards [latencyShards]struct {
		mu sync.Mutex
		h  *hdrhistogram.Histogram
	}
}

func newLatencyRecorder() *latencyRecorder {
	l := &latencyRecorder{}
	for i := range l.shards {
		l.shards[i].h = newLatencyHistogram()
	}
	return l
}

func newLatencyHistogram() *hdrhistogram.Histogram {
	return hdrhistogram.New(1, maxLatency.Microseconds(), latencyDigits)
}

// buffer returns a batch buffer for receiver i; only that receiver may use it.
func (l *latencyRecorder) buffer(i int) *latencyBuffer {
	return &latencyBuffer{rec: l, shard: i % latencyShards, vals: make([]int64, 0, latencyBatch)}
}

// merged returns one histogram holding everything recorded and flushed.
func (l *latencyRecorder) merged() *hdrhistogram.Histogram {
	all := newLatencyHistogram()
	for i := range l.shards {
		s := &l.shards[i]
		s.mu.Lock()
		all.Merge(s.h)
		s.mu.Unlock()
	}
	return all
}

// latencyBuffer batches one receiver's latencies.
type latencyBuffer struct {
	rec   *latencyRecorder
	shard int
	vals  []int64
}

// record adds one latency.
func (b *latencyBuffer) record(d time.Duration) {
	us := d.Microseconds()
	if us < 1 {
		us = 1
	}
	b.vals = append(b.vals, min(us, maxLatency.Microseconds()))
	if len(b.vals) == cap(b.vals) {
		b.flush()
	}
}

// flush moves the batch into the receiver's shard.
func (b *latencyBuffer) flush() {
	s := &b.rec.shards[b.shard]
	s.mu.Lock()
	for _, v := range b.vals {
		s.h.RecordValue(v)
	}
	s.mu.Unlock()
	b.vals = b.vals[:0]
}

// latencySummary is the part of a latency distribution the report shows, in
// milliseconds.
type latencySummary struct {
	P50  float64 `json:"p50_ms"`
	P90  float64 `json:"p90_ms"`
	P99  float64 `json:"p99_ms"`
	P999 float64 `json:"p999_ms"`
	Max  float64 `json:"max_ms"`
}

// summarize reads the report's percentiles from h.
func summarize(h *hdrhistogram.Histogram) latencySummary {
	ms := func(us int64) float64 { return float64(us) / 1000 }
	return latencySummary{
		P50:  ms(h.ValueAtQuantile(50)),
		P90:  ms(h.ValueAtQuantile(90)),
		P99:  ms(h.ValueAtQuantile(99)),
		P999: ms(h.ValueAtQuantile(99.9)),
		Max:  ms(h.Max()),
	}
}
