package wire

import (
	"testing"

	"teahouse/session/sessiontest"
)

// nopSink counts lines and ignores the rest.
type nopSink struct{ lines int }

func (s *nopSink) FoundTerminator([]byte) { s.lines++ }
func (s *nopSink) LineTooLong()           {}
func (s *nopSink) TelnetReply([]byte)     {}

// BenchmarkFramer frames 1 MiB of mixed chat in 4 KiB packets, as a busy
// connection's reads would arrive. Target: >= 200 MB/s.
func BenchmarkFramer(b *testing.B) {
	in := sessiontest.MixedChat()
	f := NewFramer(DefaultMaxLine, true)
	var sink nopSink
	b.SetBytes(int64(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		for p := in; len(p) > 0; {
			n := min(len(p), 4096)
			f.Feed(p[:n], &sink)
			p = p[n:]
		}
	}
}
