package wire

import (
	"bytes"
	"slices"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/rivo/uniseg"
	"golang.org/x/text/unicode/norm"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/; `go test` runs them as
// regression tests and `go test -fuzz` starts from them.

// maxFuzzInput bounds fuzz inputs: big ones find nothing a small one would
// not, and minimizing them eats a short CI fuzz run's whole budget.
const maxFuzzInput = 4096

// FuzzFramer checks the framer on hostile input: the same lines whether the
// input comes whole or split in two (as nats-server's FuzzParser does), no
// terminator or IAC left in a line, nothing longer than the maximum, and a
// partial line that never holds more than the maximum.
func FuzzFramer(f *testing.F) {
	for _, s := range splitCorpus {
		f.Add([]byte(s), uint16(len(s)/2))
	}
	f.Fuzz(func(t *testing.T, data []byte, cut uint16) {
		const max = 32
		whole := NewFramer(max, true)
		var want frames
		whole.Feed(data, &want)
		if whole.Buffered() > max {
			t.Fatalf("%d bytes buffered, max %d", whole.Buffered(), max)
		}

		half := int(cut) % (len(data) + 1)
		split := NewFramer(max, true)
		var got frames
		split.Feed(data[:half], &got)
		split.Feed(data[half:], &got)
		if !slices.Equal(got.events, want.events) {
			t.Fatalf("split at %d: got %q, want %q", half, got.events, want.events)
		}
		for _, e := range want.events {
			if l, ok := bytes.CutPrefix([]byte(e), []byte("line:")); ok {
				if len(l) > max || bytes.ContainsAny(l, "\r\n") {
					t.Fatalf("bad line %q", l)
				}
			}
		}
	})
}

// FuzzDecodeSanitize checks that whatever bytes arrive, in either charset,
// what reaches other users is valid UTF-8 in NFC with no control
// characters, escape introducers, bidi overrides or line separators, has
// something visible at each end (or is empty), and is stable under a
// second pass.
func FuzzDecodeSanitize(f *testing.F) {
	for _, s := range []string{"hello", "\x1b[31mred\x1b[0m", gbkMixed, "a\u202eb", "\x1b]0;t\x07x", "\xff\xfe\x00", "  \t你好\u3000",
		"a\u2028b\u2029", "\u2800", "\u3164\u200b", "\ufeffhi", "e\u0301", "\u2764\ufe0f", "\U0001F468\u200d\U0001F469", " \u0301"} {
		f.Add([]byte(s), false)
		f.Add([]byte(s), true)
	}
	k := NewCodec()
	f.Fuzz(func(t *testing.T, data []byte, gbk bool) {
		if len(data) > maxFuzzInput {
			return // a line is at most a few KiB; longer inputs only slow minimizing
		}
		c := UTF8
		if gbk {
			c = GBK
		}
		dec := k.Decode(nil, c, data)
		if !utf8.Valid(dec) {
			t.Fatalf("Decode gave invalid UTF-8 %q", dec)
		}
		out := Sanitize(nil, dec)
		if !utf8.Valid(out) {
			t.Fatalf("Sanitize gave invalid UTF-8 %q", out)
		}
		for _, r := range string(out) {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || isBidiControl(r) || r == lineSep || r == paraSep {
				t.Fatalf("Sanitize left %U in %q", r, out)
			}
		}
		if !norm.NFC.IsNormal(out) {
			t.Fatalf("Sanitize gave %+q, not NFC", out)
		}
		if len(out) > 0 {
			first, _, _, _ := uniseg.FirstGraphemeCluster(out, -1)
			if isBlankCluster(first) {
				t.Fatalf("Sanitize left a blank cluster %+q at the start of %+q", first, out)
			}
			if isBlankCluster(finalCluster(out)) {
				t.Fatalf("Sanitize left a blank cluster %+q at the end of %+q", finalCluster(out), out)
			}
		}
		if r, _ := utf8.DecodeRune(out); len(out) > 0 && unicode.IsSpace(r) {
			t.Fatalf("leading space in %q", out)
		}
		if r, _ := utf8.DecodeLastRune(out); len(out) > 0 && unicode.IsSpace(r) {
			t.Fatalf("trailing space in %q", out)
		}
		if again := Sanitize(nil, out); !bytes.Equal(again, out) {
			t.Fatalf("not stable: %q then %q", out, again)
		}
		// Whatever a user typed can be sent to a GBK user.
		if enc := k.Encode(nil, GBK, out); !isGBK(k, enc) && !bytes.Contains(out, []byte("\uFFFD")) {
			t.Fatalf("GBK encoding of %q is not GBK: %q", out, enc)
		}
	})
}

// finalCluster returns the last grapheme cluster of b, the slow sure way.
func finalCluster(b []byte) []byte {
	var c []byte
	for state := -1; len(b) > 0; {
		c, b, _, state = uniseg.FirstGraphemeCluster(b, state)
	}
	return c
}
