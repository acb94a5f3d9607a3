package session

import (
	"fmt"

	"github.com/rivo/uniseg"
)

// bucket is a token bucket for one session's lines. It is the equivalent of
// x/time/rate's Limiter.AllowN(now, 1) with the clock passed in, but 16 bytes
// and lock-free: a Limiter carries a mutex, and one event loop owns every
// session, so 20,000 of them would pay for locks nobody needs.
type bucket struct {
	tokens float64
	last   int64 // unix nanoseconds of the last refill; 0 = full and unused
}

// refill adds the tokens earned since the last call.
func (b *bucket) refill(now int64, rate float64, burst int) {
	if b.last == 0 {
		b.tokens, b.last = float64(burst), now
		return
	}
	if now > b.last {
		b.tokens += float64(now-b.last) * rate / 1e9
		if b.tokens > float64(burst) {
			b.tokens = float64(burst)
		}
		b.last = now
	}
}

// allow takes a token if there is one.
func (b *bucket) allow(now int64, rate float64, burst int) bool {
	b.refill(now, rate, burst)
	if b.tokens >= 1 {
		b.tokens--
		return true
	}
	return false
}

// ready reports whether a line sent now would pass, without taking a token.
func (b *bucket) ready(now int64, rate float64, burst int) bool {
	b.refill(now, rate, burst)
	return b.tokens >= 1
}

// floodEpisode remembers the lines dropped since the bucket ran dry, so the
// sender gets one notice per burst that says exactly which lines were lost.
type floodEpisode struct {
	dropped     int
	first, last string
}

// add records a dropped line.
func (e *floodEpisode) add(line string) {
	if e.dropped == 0 {
		e.first = line
	}
	e.last = line
	e.dropped++
}

// notice describes the episode for the sender.
func (e *floodEpisode) notice(rate float64) string {
	if e.dropped == 1 {
		return fmt.Sprintf("flood limit (%g lines/s): 1 line was not delivered: %s", rate, quote(e.first))
	}
	return fmt.Sprintf("flood limit (%g lines/s): %d lines were not delivered, from %s to %s",
		rate, e.dropped, quote(e.first), quote(e.last))
}

// quoteMax is how much of a dropped line a flood notice repeats, in
// user-perceived characters (grapheme clusters).
const quoteMax = 40

// quote shortens and quotes a line for a notice. It cuts between grapheme
// clusters, not code points, so that an emoji sequence, a flag or a letter
// with its marks is repeated whole or not at all, never as a broken half
// (a man without his family, one regional indicator, a lone accent).
func quote(s string) string {
	if len(s) > quoteMax { // each cluster is at least a byte: shorter needs no cut
		rest, state := s, -1
		for n := 0; n < quoteMax && rest != ""; n++ {
			_, rest, _, state = uniseg.FirstGraphemeClusterInString(rest, state)
		}
		if rest != "" {
			s = s[:len(s)-len(rest)] + "…"
		}
	}
	return `"` + s + `"`
}
