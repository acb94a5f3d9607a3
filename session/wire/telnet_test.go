package wire

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// names reads telnet negotiation bytes as words, "WILL BINARY DO BINARY",
// so the tables below read like RFC 1143.
func names(p []byte) string {
	verb := map[byte]string{WILL: "WILL", WONT: "WONT", DO: "DO", DONT: "DONT"}
	opt := map[byte]string{OptBinary: "BINARY", OptEcho: "ECHO", OptSGA: "SGA", OptTimingMark: "TM"}
	var w []string
	for i := 0; i+2 < len(p); i += 3 {
		if p[i] != IAC {
			return fmt.Sprintf("not negotiation: % x", p)
		}
		o, ok := opt[p[i+2]]
		if !ok {
			o = fmt.Sprint(p[i+2])
		}
		w = append(w, verb[p[i+1]]+" "+o)
	}
	if len(p)%3 != 0 {
		return fmt.Sprintf("not negotiation: % x", p)
	}
	return strings.Join(w, " ")
}

// qstep is one event in a negotiation: the peer's verb ("DO ECHO") or our
// own request ("enable ECHO", "disable ECHO", "request BINARY"), with what
// we must send in answer.
type qstep struct{ event, send string }

// run plays event on t and returns what it sent.
func (s qstep) run(t *Telnet) []byte {
	verb, o, _ := strings.Cut(s.event, " ")
	opt := map[string]byte{"BINARY": OptBinary, "ECHO": OptEcho, "SGA": OptSGA, "TM": OptTimingMark, "NAWS": 31}[o]
	switch verb {
	case "enable":
		return t.Enable(nil, opt)
	case "disable":
		return t.Disable(nil, opt)
	case "request":
		return t.Request(nil, opt)
	}
	v := map[string]byte{"WILL": WILL, "WONT": WONT, "DO": DO, "DONT": DONT}[verb]
	return t.receive(nil, v, opt)
}

func TestTelnetQMethod(t *testing.T) {
	tests := []struct {
		name  string
		steps []qstep
		us    bool // Enabled(ECHO) or Enabled(BINARY) at the end, see opt
		him   bool
		opt   byte
	}{
		{"the peer's DO BINARY is refused with WONT: our output stays NVT", []qstep{{"DO BINARY", "WONT BINARY"}}, false, false, OptBinary},
		{"the peer's WILL BINARY is accepted with DO", []qstep{{"WILL BINARY", "DO BINARY"}}, false, true, OptBinary},
		{"a DO for an option already on is not answered", []qstep{{"enable ECHO", "WILL ECHO"}, {"DO ECHO", ""}, {"DO ECHO", ""}}, true, false, OptEcho},
		{"DONT for an option that is on turns it off with WONT", []qstep{{"enable ECHO", "WILL ECHO"}, {"DO ECHO", ""}, {"DONT ECHO", "WONT ECHO"}}, false, false, OptEcho},
		{"WONT for an option that is on turns it off with DONT", []qstep{{"WILL BINARY", "DO BINARY"}, {"WONT BINARY", "DONT BINARY"}}, false, false, OptBinary},
		{"DONT and WONT for an option that is off are not answered", []qstep{{"DONT BINARY", ""}, {"WONT BINARY", ""}}, false, false, OptBinary},
		{"our WILL answered by DO is on, and the DO is not answered again", []qstep{{"enable ECHO", "WILL ECHO"}, {"DO ECHO", ""}}, true, false, OptEcho},
		{"our WILL answered by DONT is off, quietly", []qstep{{"enable ECHO", "WILL ECHO"}, {"DONT ECHO", ""}}, false, false, OptEcho},
		{"our DO answered by WILL is on, and the WILL is not answered again", []qstep{{"request BINARY", "DO BINARY"}, {"WILL BINARY", ""}}, false, true, OptBinary},
		{"our DO answered by WONT is off, quietly", []qstep{{"request BINARY", "DO BINARY"}, {"WONT BINARY", ""}}, false, false, OptBinary},
		{"enabling twice sends one WILL", []qstep{{"enable ECHO", "WILL ECHO"}, {"enable ECHO", ""}, {"DO ECHO", ""}, {"enable ECHO", ""}}, true, false, OptEcho},
		{"disabling an option that is off sends nothing", []qstep{{"disable ECHO", ""}}, false, false, OptEcho},
		{"disabling an option that is on sends WONT, and the DONT is not answered",
			[]qstep{{"enable ECHO", "WILL ECHO"}, {"DO ECHO", ""}, {"disable ECHO", "WONT ECHO"}, {"DONT ECHO", ""}}, false, false, OptEcho},
		{"a DO answering our WONT is taken at its word (RFC 1143 WANTNO error)",
			[]qstep{{"enable ECHO", "WILL ECHO"}, {"DO ECHO", ""}, {"disable ECHO", "WONT ECHO"}, {"DO ECHO", ""}}, false, false, OptEcho},
		{"disabling while the WILL is unanswered is queued and sent after the DO",
			[]qstep{{"enable ECHO", "WILL ECHO"}, {"disable ECHO", ""}, {"DO ECHO", "WONT ECHO"}, {"DONT ECHO", ""}}, false, false, OptEcho},
		{"disabling while the WILL is unanswered needs nothing if the peer says DONT",
			[]qstep{{"enable ECHO", "WILL ECHO"}, {"disable ECHO", ""}, {"DONT ECHO", ""}}, false, false, OptEcho},
		{"changing our mind twice while the WILL is unanswered cancels the queue",
			[]qstep{{"enable ECHO", "WILL ECHO"}, {"disable ECHO", ""}, {"enable ECHO", ""}, {"DO ECHO", ""}}, true, false, OptEcho},
		{"enabling while the WONT is unanswered is queued and sent after the DONT",
			[]qstep{{"enable ECHO", "WILL ECHO"}, {"DO ECHO", ""}, {"disable ECHO", "WONT ECHO"}, {"enable ECHO", ""}, {"DONT ECHO", "WILL ECHO"}, {"DO ECHO", ""}}, true, false, OptEcho},
		{"a DO answering our WONT with a queued enable leaves it on",
			[]qstep{{"enable ECHO", "WILL ECHO"}, {"DO ECHO", ""}, {"disable ECHO", "WONT ECHO"}, {"enable ECHO", ""}, {"DO ECHO", ""}}, true, false, OptEcho},
		{"the peer's DO ECHO is refused once", []qstep{{"DO ECHO", "WONT ECHO"}, {"DO ECHO", ""}, {"DO ECHO", ""}}, false, false, OptEcho},
		{"the peer's WILL ECHO is refused once", []qstep{{"WILL ECHO", "DONT ECHO"}, {"WILL ECHO", ""}}, false, false, OptEcho},
		{"the peer's DO SGA is refused once, so a BSD client stays in line mode", []qstep{{"DO SGA", "WONT SGA"}, {"DO SGA", ""}}, false, false, OptSGA},
		{"an ECHO refused earlier can still be offered later", []qstep{{"DO ECHO", "WONT ECHO"}, {"enable ECHO", "WILL ECHO"}, {"DO ECHO", ""}}, true, false, OptEcho},
		{"an unknown option is refused once each way", []qstep{{"DO NAWS", "WONT 31"}, {"DO NAWS", ""}, {"WILL NAWS", "DONT 31"}, {"WILL NAWS", ""}}, false, false, 31},
		{"an unknown option cannot be offered", []qstep{{"enable NAWS", ""}, {"request NAWS", ""}}, false, false, 31},
		{"TIMING-MARK is refused every time", []qstep{{"DO TM", "WONT TM"}, {"DO TM", "WONT TM"}, {"DO TM", "WONT TM"}}, false, false, OptTimingMark},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var tn Telnet
			for i, s := range tt.steps {
				if got := names(s.run(&tn)); got != s.send {
					t.Fatalf("step %d, %s: sent %q, want %q", i, s.event, got, s.send)
				}
			}
			if got := tn.Enabled(tt.opt); got != tt.us {
				t.Errorf("Enabled = %v, want %v", got, tt.us)
			}
			if got := tn.PeerEnabled(tt.opt); got != tt.him {
				t.Errorf("PeerEnabled = %v, want %v", got, tt.him)
			}
		})
	}
}

// TestTelnetNoLoops plays two endpoints that both follow the Q method
// against each other, whoever starts, and checks that the exchange stops
// and that both agree on every option afterwards.
func TestTelnetNoLoops(t *testing.T) {
	opts := []byte{OptBinary, OptEcho, OptSGA}
	actions := []string{"enable", "disable", "request"}
	for _, first := range actions {
		for _, second := range actions {
			for _, opt := range opts {
				name := fmt.Sprintf("%s then %s of option %d on both sides at once", first, second, opt)
				t.Run(name, func(t *testing.T) {
					var a, b Telnet
					var toB, toA []byte
					for _, act := range []string{first, second} {
						toB = append(toB, qstep{event: act + " " + optName(opt)}.run(&a)...)
						toA = append(toA, qstep{event: act + " " + optName(opt)}.run(&b)...)
					}
					for round := 0; len(toA)+len(toB) > 0; round++ {
						if round > 8 {
							t.Fatalf("still negotiating after %d rounds: %s / %s", round, names(toA), names(toB))
						}
						inA, inB := toA, toB
						toA, toB = nil, nil
						for i := 0; i+2 < len(inB); i += 3 {
							toA = append(toA, b.receive(nil, inB[i+1], inB[i+2])...)
						}
						for i := 0; i+2 < len(inA); i += 3 {
							toB = append(toB, a.receive(nil, inA[i+1], inA[i+2])...)
						}
					}
					for _, o := range opts {
						if a.Enabled(o) != b.PeerEnabled(o) || b.Enabled(o) != a.PeerEnabled(o) {
							t.Errorf("option %d: the two sides disagree", o)
						}
					}
				})
			}
		}
	}
}

func optName(opt byte) string {
	return map[byte]string{OptBinary: "BINARY", OptEcho: "ECHO", OptSGA: "SGA"}[opt]
}

// bsdSubstitutions are what a BSD telnet client sends, before
// TRANSMIT-BINARY, for a typed byte 0x80|c, with c its special character.
var bsdSubstitutions = []struct {
	name string
	b    byte   // the byte the user typed
	cmd  string // what the client sent instead
}{
	{"IP for 0x83 (intr, ^C)", 0x83, "\xff\xf4\xff\xfd\x06"},
	{"AO for 0x8F (flush, ^O)", 0x8F, "\xff\xf5\xff\xfd\x06"},
	{"BRK for 0x9C (quit, ^\\) in kludge line mode", 0x9C, "\xff\xf3\xff\xfd\x06"},
	{"ABORT for 0x9C (quit, ^\\) otherwise", 0x9C, "\xff\xee\xff\xfd\x06"},
	{"SUSP for 0x9A (susp, ^Z)", 0x9A, "\xff\xed\xff\xfd\x06"},
	{"EOF for 0x84 (eof, ^D) in LINEMODE", 0x84, "\xff\xec"},
}

// multiByte are characters with a byte position the substitution may hit;
// %c marks it.
var multiByte = []struct {
	name string
	enc  string
}{
	{"the second byte of a two-byte UTF-8 character", "\xc5%c"},
	{"the second byte of a three-byte UTF-8 character (CJK)", "\xe4%c\xb8"},
	{"the third byte of a three-byte UTF-8 character (CJK)", "\xe5\xb0%c"},
	{"the fourth byte of a four-byte UTF-8 character (emoji)", "\xf0\x9f\x98%c"},
	{"the third byte of a four-byte UTF-8 character", "\xf0\x9f%c\x80"},
	{"the trail byte of a GBK character", "\xb0%c"},
	{"the trail byte of a GBK character after other GBK characters", "\xc4\xe3\xba\xc3\xb0%c"},
	{"the trail byte of a GBK/3 character whose lead is itself in the family", "\x83%c"},
}

func TestFramerRepairsBSDSubstitutions(t *testing.T) {
	for _, s := range bsdSubstitutions {
		for _, m := range multiByte {
			t.Run(s.name+" in "+m.name+" is put back", func(t *testing.T) {
				typed := "a" + strings.Replace(m.enc, "%c", string([]byte{s.b}), 1) + "z"
				sent := "a" + strings.Replace(m.enc, "%c", s.cmd, 1) + "z\r\n"
				got := lines(frame(64, []byte(sent)))
				if !slices.Equal(got, []string{typed}) {
					t.Errorf("got %q, want %q", got, typed)
				}
			})
		}
		t.Run(s.name+" outside a character keeps its meaning and is removed", func(t *testing.T) {
			for _, sent := range []string{s.cmd + "abc\r\n", "ab" + s.cmd + "c\r\n", "\xe4\xb8\xad" + s.cmd + "c\r\n"} {
				got := lines(frame(64, []byte(sent)))
				want := strings.ReplaceAll(sent, s.cmd, "")
				if !slices.Equal(got, []string{strings.TrimSuffix(want, "\r\n")}) {
					t.Errorf("%q: got %q", sent, got)
				}
			}
		})
		t.Run(s.name+" once the peer sends binary keeps its meaning", func(t *testing.T) {
			// The client agreed to send binary: 0x83 would come as it is.
			got := lines(frame(64, []byte("\xff\xfb\x00\xe5\xb0"+s.cmd+"\r\n")))
			if !slices.Equal(got, []string{"\xe5\xb0"}) {
				t.Errorf("got %q", got)
			}
		})
	}
	t.Run("the TIMING-MARK after a repaired byte is still refused", func(t *testing.T) {
		got := frame(64, []byte("\xe5\xb0\xff\xf5\xff\xfd\x06\xe6\x98\x8e\r\n"))
		want := []string{offer, "reply:[255 252 6]", line("小明")}
		if !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
}

func TestFramerTelnetCommands(t *testing.T) {
	t.Run("IAC EC becomes a Backspace in the line", func(t *testing.T) {
		if got := lines(frame(64, []byte("ab\xff\xf7c\n"))); !slices.Equal(got, []string{"ab\bc"}) {
			t.Errorf("got %q", got)
		}
	})
	t.Run("IAC EL becomes a ^U in the line", func(t *testing.T) {
		if got := lines(frame(64, []byte("ab\xff\xf8c\n"))); !slices.Equal(got, []string{"ab\x15c"}) {
			t.Errorf("got %q", got)
		}
	})
	t.Run("IAC AYT is reported to the sink", func(t *testing.T) {
		f := NewFramer(64, true)
		var got aytFrames
		f.Feed([]byte("a\xff\xf6b\n"), &got)
		want := []string{offer, "ayt", line("ab")}
		if !slices.Equal(got.events, want) {
			t.Errorf("got %q, want %q", got.events, want)
		}
	})
	t.Run("IAC AYT to a sink that cannot answer is ignored", func(t *testing.T) {
		if got := frame(64, []byte("\xff\xf6")); !slices.Equal(got, []string{offer}) {
			t.Errorf("got %q", got)
		}
	})
	t.Run("the binary offer goes out once", func(t *testing.T) {
		got := frame(64, []byte("\xff\xf1\xff\xf1a\r\x00b\r\x00\xff\xf6"))
		if n := strings.Count(strings.Join(got, " "), offerBytes); n != 1 {
			t.Errorf("offered %d times: %q", n, got)
		}
	})
	t.Run("a peer that accepts the offer is answered nothing more", func(t *testing.T) {
		// What inetutils telnet answers to IAC DO BINARY.
		got := frame(64, []byte("\xff\xf1"), []byte("\xff\xfb\x00"))
		if !slices.Equal(got, []string{offer}) {
			t.Errorf("got %q", got)
		}
	})
	t.Run("a peer that asks the server to send binary is refused once, and still asked to send binary", func(t *testing.T) {
		got := frame(64, []byte("\xff\xfd\x00\xff\xfb\x00\xff\xfd\x00"))
		if !slices.Equal(got, []string{"reply:[255 252 0 255 253 0]"}) {
			t.Errorf("got %q", got)
		}
	})
	t.Run("plain LF lines and lone CRs never bring a telnet byte", func(t *testing.T) {
		if got := frame(64, []byte("a\nb\rc\r")); !slices.Equal(got, []string{line("a"), line("b"), line("c")}) {
			t.Errorf("got %q", got)
		}
	})
	t.Run("CR LF brings the offer once, after the line it ends", func(t *testing.T) {
		want := []string{line("a"), line("b"), offer, line("c"), line("d")}
		if got := frame(64, []byte("a\nb\r\nc\r\nd\r\n")); !slices.Equal(got, want) {
			t.Errorf("got %q, want %q", got, want)
		}
	})
	t.Run("IAC IAC alone does not show a telnet client", func(t *testing.T) {
		f := NewFramer(64, true)
		var got frames
		f.Feed([]byte("\xff\xffa\n"), &got)
		if f.Telnet().IsTelnet() || !slices.Equal(got.events, []string{line("\xffa")}) {
			t.Errorf("IsTelnet %v, got %q", f.Telnet().IsTelnet(), got.events)
		}
	})
}

// aytFrames is frames that also records IAC AYT.
type aytFrames struct{ frames }

func (f *aytFrames) AreYouThere() { f.events = append(f.events, "ayt") }

// lines keeps the lines of a framer's events.
func lines(events []string) []string {
	var l []string
	for _, e := range events {
		if s, ok := strings.CutPrefix(e, "line:"); ok {
			l = append(l, s)
		}
	}
	return l
}
