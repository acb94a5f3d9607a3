package cluster

import (
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// sameEvent compares the wire fields of two events (times by instant).
func sameEvent(t *testing.T, got, want *Event) {
	t.Helper()
	if !got.Time.Equal(want.Time) {
		t.Fatalf("time: got %v, want %v", got.Time, want.Time)
	}
	g, w := wireOnly(got), wireOnly(want)
	if !reflect.DeepEqual(g, w) {
		t.Fatalf("got  %+v\nwant %+v", g, w)
	}
}

// wireOnly is ev without the fields the frame does not carry, with times
// dropped (compared apart) and empty line lists as nil.
func wireOnly(ev *Event) Event {
	out := Event{Kind: ev.Kind, Origin: ev.Origin, Seq: ev.Seq, SID: ev.SID, ToSID: ev.ToSID,
		From: ev.From, To: ev.To, Room: ev.Room, Text: ev.Text}
	if ev.Kind == HistA {
		for i := range ev.Lines {
			out.Lines = append(out.Lines, wireOnly(&ev.Lines[i]))
			out.Lines[i].Lines = nil
		}
	}
	return out
}

func TestFrameRoundTrip(t *testing.T) {
	at := time.Date(2025, 3, 1, 12, 0, 1, 123456789, time.UTC)
	tests := []struct {
		name string
		ev   Event
	}{
		{"a chat line keeps every field", Event{Kind: Chat, Time: at, Origin: "n1-ABCDEF", Seq: 7, SID: 42, From: "alice", Room: "Tea", Text: "hello"}},
		{"an emote in Chinese keeps its UTF-8", Event{Kind: Emote, Time: at, Origin: "n", Seq: 1, SID: 1, From: "小明", Room: "茶馆", Text: "挥手"}},
		{"a join carries no text", Event{Kind: Join, Time: at, Origin: "n", Seq: 2, SID: 3, From: "bob", Room: "lobby"}},
		{"a leave carries its reason", Event{Kind: Leave, Time: at, Origin: "n", Seq: 3, SID: 3, From: "bob", Room: "lobby", Text: "node lost"}},
		{"a rename carries old and new", Event{Kind: Rename, Time: at, Origin: "n", Seq: 4, SID: 3, From: "bob", To: "robert", Room: "lobby"}},
		{"a private message carries both identities", Event{Kind: PM, Time: at, Origin: "n", Seq: 5, SID: 3, ToSID: 9, From: "bob", To: "carol", Text: "hi"}},
		{"a failed PM carries its reason", Event{Kind: PMFailed, Time: at, Origin: "n", Seq: 6, ToSID: 3, From: "carol", To: "bob", Text: "left before your message arrived"}},
		{"a whois question and answer", Event{Kind: WhoisA, Origin: "n", ToSID: 3, From: "carol", Text: "carol is in #tea, idle 3s"}},
		{"a history request with no time", Event{Kind: HistQ, Origin: "n", Room: "Tea"}},
		{"an empty history answer", Event{Kind: HistA, Origin: "n", Room: "Tea"}},
		{"a history answer keeps its lines in order", Event{Kind: HistA, Time: at, Origin: "n", Room: "Tea", Lines: []Event{
			{Kind: Chat, Time: at, Origin: "a", Seq: 1, SID: 1, From: "alice", Room: "Tea", Text: "one"},
			{Kind: Emote, Time: at.Add(time.Second), Origin: "b", Seq: 9, SID: 2, From: "bob", Room: "Tea", Text: "two"},
		}}},
		{"a time before 1970 survives", Event{Kind: Chat, Time: time.Unix(-5, 0), Origin: "n", Text: "old"}},
		{"huge counters survive", Event{Kind: Chat, Origin: "n", Seq: 1<<64 - 1, SID: 1<<63 + 1, ToSID: 1 << 62}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := AppendFrame(nil, &tt.ev)
			var got Event
			if err := DecodeFrame(b, &got); err != nil {
				t.Fatalf("decode: %v", err)
			}
			sameEvent(t, &got, &tt.ev)
		})
	}
}

func TestFrameChatLineIsSmall(t *testing.T) {
	ev := Event{Kind: Chat, Time: time.Now(), Origin: "node1-ABCDEF", Seq: 1000, SID: 1000, From: "alice", Room: "lobby", Text: "hello"}
	if n := len(AppendFrame(nil, &ev)) - len(ev.Text); n > 48 {
		t.Fatalf("a chat line costs %d bytes besides its text; want ≤ 48", n)
	}
}

func TestFrameDecodeRefuses(t *testing.T) {
	good := AppendFrame(nil, &Event{Kind: Chat, Origin: "n", From: "alice", Text: "hi"})
	hist := AppendFrame(nil, &Event{Kind: HistA, Origin: "n", Lines: []Event{{Kind: Chat, Text: "x"}}})
	tests := []struct {
		name string
		b    []byte
		want error
	}{
		{"an empty frame", nil, ErrFrameShort},
		{"a frame of another version", append([]byte{2}, good[1:]...), ErrFrameVersion},
		{"a version byte alone", []byte{1}, ErrFrameShort},
		{"kind zero", append([]byte{1, 0}, good[2:]...), ErrFrameKind},
		{"a local kind", append([]byte{1, byte(NodeLost)}, good[2:]...), ErrFrameKind},
		{"a kind from the future", append([]byte{1, 200}, good[2:]...), ErrFrameKind},
		{"every truncation of a chat line", nil, ErrFrameShort},
		{"a string longer than the frame", []byte{1, byte(Chat), 0, 0xff, 0x7f}, ErrFrameShort},
		{"a string that is not UTF-8", []byte{1, byte(Chat), 0, 2, 0xff, 0xfe}, ErrFrameUTF8},
		{"a varint that never ends", append([]byte{1, byte(Chat)}, []byte(strings.Repeat("\xff", 11))...), ErrFrameShort},
		{"a history answer claiming more lines than bytes", append(append([]byte{}, hist[:len(hist)-len("x")-14]...), 0x7f), ErrFrameShort},
		{"a frame over MaxFrame", make([]byte, MaxFrame+1), ErrFrameSize},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.name == "every truncation of a chat line" {
				for i := range len(good) - 1 {
					var ev Event
					if err := DecodeFrame(good[:i], &ev); err == nil {
						t.Fatalf("decoding the first %d of %d bytes succeeded", i, len(good))
					}
				}
				return
			}
			var ev Event
			if err := DecodeFrame(tt.b, &ev); err != tt.want {
				t.Fatalf("got %v, want %v", err, tt.want)
			}
		})
	}
}

func TestFrameIgnoresAppendedFields(t *testing.T) {
	ev := Event{Kind: Chat, Origin: "n", Seq: 1, From: "alice", Text: "hi"}
	b := append(AppendFrame(nil, &ev), "a field a later release added"...)
	var got Event
	if err := DecodeFrame(b, &got); err != nil {
		t.Fatalf("decode: %v", err)
	}
	sameEvent(t, &got, &ev)
}

// FuzzDecodeFrame: decoding never panics, and whatever decodes encodes
// back to a frame that decodes to the same event.
func FuzzDecodeFrame(f *testing.F) {
	at := time.Unix(1700000000, 5)
	for _, ev := range []Event{
		{Kind: Chat, Time: at, Origin: "n1-ABCDEF", Seq: 1, SID: 2, From: "alice", Room: "lobby", Text: "hello"},
		{Kind: Rename, Origin: "n", From: "a", To: "b"},
		{Kind: PM, Origin: "n", SID: 1, ToSID: 2, From: "a", To: "b", Text: "茶"},
		{Kind: HistA, Origin: "n", Room: "r", Lines: []Event{{Kind: Chat, Text: "x"}, {Kind: Emote, Text: "y"}}},
	} {
		f.Add(AppendFrame(nil, &ev))
	}
	f.Add([]byte{1, byte(HistA), 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0x03})
	f.Fuzz(func(t *testing.T, b []byte) {
		var ev Event
		if DecodeFrame(b, &ev) != nil {
			return
		}
		again := AppendFrame(nil, &ev)
		var back Event
		if err := DecodeFrame(again, &back); err != nil {
			t.Fatalf("re-encoded frame does not decode: %v", err)
		}
		sameEvent(t, &back, &ev)
	})
}

// FuzzFrameRoundTrip: any event built from arbitrary UTF-8 fields survives
// encode → decode.
func FuzzFrameRoundTrip(f *testing.F) {
	f.Add(uint8(Chat), int64(1700000000000000000), "n1-ABCDEF", uint64(1), uint64(2), uint64(0), "alice", "", "lobby", "hello")
	f.Add(uint8(HistA), int64(0), "n", uint64(0), uint64(0), uint64(0), "", "", "tea", "")
	f.Fuzz(func(t *testing.T, kind uint8, ns int64, origin string, seq, sid, tosid uint64, from, to, room, text string) {
		k := Kind(kind)
		if k < Chat || k > lastWireKind {
			return
		}
		for _, s := range []string{origin, from, to, room, text} {
			if !utf8Valid(s) {
				return
			}
		}
		ev := Event{Kind: k, Origin: origin, Seq: seq, SID: sid, ToSID: tosid, From: from, To: to, Room: room, Text: text}
		if ns != 0 {
			ev.Time = time.Unix(0, ns)
		}
		if k == HistA {
			ev.Lines = []Event{{Kind: Chat, From: from, Text: text}}
		}
		b := AppendFrame(nil, &ev)
		var got Event
		if err := DecodeFrame(b, &got); err != nil {
			if len(b) > MaxFrame {
				return
			}
			t.Fatalf("decode: %v", err)
		}
		sameEvent(t, &got, &ev)
	})
}

func BenchmarkFrame(b *testing.B) {
	ev := Event{Kind: Chat, Time: time.Now(), Origin: "node1-ABCDEF", Seq: 1000, SID: 1000, From: "alice", Room: "lobby", Text: "hello, this is an eighty-byte chat line of the kind people type every day"}
	buf := AppendFrame(nil, &ev)
	b.ReportAllocs()
	b.SetBytes(int64(len(buf)))
	for b.Loop() {
		buf = AppendFrame(buf[:0], &ev)
		var got Event
		_ = DecodeFrame(buf, &got)
	}
}

func utf8Valid(s string) bool { return utf8.ValidString(s) }
