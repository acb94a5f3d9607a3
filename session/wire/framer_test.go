package wire

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// frames records what a Framer found, in order, as one event list.
type frames struct{ events []string }

func (f *frames) FoundTerminator(line []byte) { f.events = append(f.events, "line:"+string(line)) }
func (f *frames) LineTooLong()                { f.events = append(f.events, "toolong") }
func (f *frames) TelnetReply(p []byte)        { f.events = append(f.events, fmt.Sprintf("reply:%v", p)) }

// frame feeds each packet in turn to a fresh telnet framer of the given max.
func frame(max int, packets ...[]byte) []string {
	f := NewFramer(max, true)
	var got frames
	for _, p := range packets {
		f.Feed(p, &got)
	}
	return got.events
}

func line(s string) string { return "line:" + s }

// offerBytes is IAC WILL BINARY IAC DO BINARY, which follows the first sign
// that a peer speaks telnet; offer is that offer sent on its own.
const (
	offerBytes = "255 253 0"
	offer      = "reply:[" + offerBytes + "]"
)

// Telnet option bytes used in the tests.
const (
	optEcho = 1
	optNAWS = 31
)

var framerCases = []struct {
	name string
	in   string
	want []string
}{
	{"a CRLF ends a line, and shows a telnet client (NVT)", "hello\r\n", []string{line("hello"), offer}},
	{"a bare LF ends a line", "hello\n", []string{line("hello")}},
	{"a lone CR ends a line", "hello\rworld\r", []string{line("hello"), line("world")}},
	{"CR NUL ends a line as telnet NVT sends it, and shows a telnet client", "hello\r\x00world\n", []string{line("hello"), offer, line("world")}},
	{"an LF after CRLF is an empty line", "a\r\n\nb\n", []string{line("a"), offer, line(""), line("b")}},
	{"only one LF or NUL is skipped after CR", "a\r\n\x00b\n", []string{line("a"), offer, line("\x00b")}},
	{"several lines in one packet come in order", "one\ntwo\r\nthree\r", []string{line("one"), line("two"), offer, line("three")}},
	{"a line without a terminator is held back", "partial", nil},
	{"IAC IAC is a literal 0xFF byte", "a\xff\xffb\n", []string{line("a\xffb")}},
	{"a two-byte command is removed", "a\xff\xf1b\n", []string{offer, line("ab")}},
	{"Ctrl-C's IAC IP IAC DO TIMING-MARK is removed and refused", "\xff\xf4\xff\xfd\x06", []string{offer, "reply:[255 252 6]"}},
	{"DO is refused with WONT", "\xff\xfd\x01x\n", []string{"reply:[255 252 1 " + offerBytes + "]", line("x")}},
	{"WILL is refused with DONT", "\xff\xfb\x1fx\n", []string{"reply:[255 254 31 " + offerBytes + "]", line("x")}},
	{"WONT and DONT need no answer", "\xff\xfc\x01\xff\xfe\x01x\n", []string{offer, line("x")}},
	{"each option is refused once", "\xff\xfd\x01\xff\xfd\x01\xff\xfb\x01\xff\xfb\x01", []string{"reply:[255 252 1 " + offerBytes + "]", "reply:[255 254 1]"}},
	{"TIMING-MARK is refused every time", "\xff\xfd\x06\xff\xfd\x06", []string{"reply:[255 252 6 " + offerBytes + "]", "reply:[255 252 6]"}},
	{"subnegotiation is removed", "a\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0b\n", []string{offer, line("ab")}},
	{"IAC IAC inside subnegotiation does not end it", "a\xff\xfa\x18\xff\xff\xf0\xff\xf0b\n", []string{offer, line("ab")}},
	{"a CR IAC NOP LF is still one terminator", "a\r\xff\xf1\nb\n", []string{line("a"), offer, line("b")}},
	{"a telnet command mid-line keeps the line whole", "hel\xff\xfd\x18lo\n", []string{"reply:[255 252 24 " + offerBytes + "]", line("hello")}},
	{"UTF-8 passes through untouched", "你好 ☕\n", []string{line("你好 ☕")}},
}

func TestFramer(t *testing.T) {
	for _, tc := range framerCases {
		t.Run(tc.name, func(t *testing.T) {
			got := frame(64, []byte(tc.in))
			if !slices.Equal(got, tc.want) {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// splitCorpus is input that exercises every state at every cut point.
var splitCorpus = []string{
	"hello\r\nworld\n",
	"a\r\x00b\rc\r\n\r\nd",
	"\xff\xfd\x06\xff\xfb\x1f\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0x\xff\xffy\r\n",
	"你好，世界\r\n☕ tea\n",
	"\xc4\xe3\xba\xc3\r\n", // 你好 in GBK
	"a\r\xff\xf1\nb\r",
	strings.Repeat("x", 70) + "\r\nshort\n",
}

func TestFramerGivesTheSameLinesHoweverPacketsAreSplit(t *testing.T) {
	for _, in := range splitCorpus {
		want := frame(64, []byte(in))
		t.Run(fmt.Sprintf("%q", in), func(t *testing.T) {
			t.Run("split at every single cut point", func(t *testing.T) {
				for i := 0; i <= len(in); i++ {
					got := frame(64, []byte(in[:i]), []byte(in[i:]))
					if !slices.Equal(got, want) {
						t.Fatalf("cut at %d: got %q, want %q", i, got, want)
					}
				}
			})
			t.Run("split at every pair of cut points", func(t *testing.T) {
				for i := 0; i <= len(in); i++ {
					for j := i; j <= len(in); j++ {
						got := frame(64, []byte(in[:i]), []byte(in[i:j]), []byte(in[j:]))
						if !slices.Equal(got, want) {
							t.Fatalf("cuts at %d,%d: got %q, want %q", i, j, got, want)
						}
					}
				}
			})
			t.Run("fed one byte at a time", func(t *testing.T) {
				var packets [][]byte
				for i := range len(in) {
					packets = append(packets, []byte{in[i]})
				}
				if got := frame(64, packets...); !slices.Equal(got, want) {
					t.Fatalf("got %q, want %q", got, want)
				}
			})
		})
	}
}

func TestFramerMaxLine(t *testing.T) {
	t.Run("a line of exactly the maximum is delivered", func(t *testing.T) {
		got := frame(8, []byte("12345678\n"))
		if !slices.Equal(got, []string{line("12345678")}) {
			t.Errorf("got %q", got)
		}
	})
	t.Run("a longer line is dropped to its terminator and reported once", func(t *testing.T) {
		got := frame(8, []byte("123456789"), []byte("abcdefghijkl"), []byte("mnop\r\nok\r\n"))
		want := []string{"toolong", offer, line("ok")}
		if !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("every long line is reported", func(t *testing.T) {
		got := frame(4, []byte("123456\n1234567\nabc\n"))
		want := []string{"toolong", "toolong", line("abc")}
		if !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("the partial line buffer never holds more than the maximum", func(t *testing.T) {
		f := NewFramer(100, true)
		var sink frames
		for i := 0; i < 1000; i++ {
			f.Feed(bytes.Repeat([]byte("x"), 7), &sink)
			if f.Buffered() > 100 || cap(f.buf) > 100 {
				t.Fatalf("after %d packets: %d bytes buffered, capacity %d", i, f.Buffered(), cap(f.buf))
			}
		}
		if len(sink.events) != 1 {
			t.Fatalf("want one too-long report, got %q", sink.events)
		}
	})
	t.Run("telnet commands do not count towards the length", func(t *testing.T) {
		got := frame(4, []byte("ab\xff\xf1\xff\xf1\xff\xf1cd\n"))
		if !slices.Equal(got, []string{offer, line("abcd")}) {
			t.Errorf("got %q", got)
		}
	})
}

func TestFramerWithoutTelnet(t *testing.T) {
	t.Run("0xFF is ordinary data for a plain stream", func(t *testing.T) {
		f := NewFramer(0, false)
		var got frames
		f.Feed([]byte("a\xff\xfdb\r\n"), &got)
		if !slices.Equal(got.events, []string{line("a\xff\xfdb")}) {
			t.Errorf("got %q", got.events)
		}
	})
}
