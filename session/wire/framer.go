package wire

// DefaultMaxLine is the longest line, in bytes after telnet commands are
// removed, that a session accepts (PROTOCOL.md: "Maximum line length").
const DefaultMaxLine = 4096

// FrameSink receives what a Framer finds in its input. Calls happen
// synchronously inside Feed, in input order.
type FrameSink interface {
	// FoundTerminator is called with each complete line, without its
	// terminator. The slice is only valid until FoundTerminator returns.
	FoundTerminator(line []byte)
	// LineTooLong is called once for each line that passed the maximum;
	// that line is discarded up to its terminator and never delivered.
	LineTooLong()
	// TelnetReply is called with bytes that must be sent back to the peer
	// (option refusals). The slice is only valid until TelnetReply returns.
	TelnetReply(p []byte)
}

// framerState is the telnet half of the framer's state: where we are inside
// an IAC sequence. Line state (after CR, discarding) is kept apart because
// telnet commands are removed before framing, so a CR IAC NOP LF is still one
// CRLF terminator.
type framerState uint8

const (
	stData   framerState = iota // ordinary bytes
	stIAC                       // seen IAC
	stOption                    // seen IAC WILL|WONT|DO|DONT, waiting for the option byte
	stSB                        // inside IAC SB ... , discarding
	stSBIAC                     // inside subnegotiation, seen IAC
)

// Framer is asynchat's collect_incoming_data/found_terminator pair as a
// byte-at-a-time state machine: it removes telnet commands, splits the rest
// into lines at CRLF, LF, CR NUL or a lone CR, and holds at most max bytes of
// a partial line whatever the peer sends. Packets may be split anywhere; the
// lines found are the same as for the whole input.
//
// The zero value is not ready; use NewFramer.
type Framer struct {
	buf        []byte // partial line; cap never exceeds max
	max        int
	state      framerState
	verb       byte // WILL/WONT/DO/DONT being read in stOption
	afterCR    bool // a CR ended the last line: skip one LF or NUL
	discarding bool // the current line passed max: drop to the terminator
	telnet     bool // interpret IAC (false for plain streams such as a client reading our server)
	refused    refusals
	reply      [3]byte // the refusal being sent, so refusing allocates nothing
}

// NewFramer returns a framer for lines of at most max bytes (DefaultMaxLine
// when max <= 0) that interprets telnet commands when telnet is true.
func NewFramer(max int, telnet bool) *Framer {
	f := &Framer{}
	f.Init(max, telnet)
	return f
}

// Init readies a Framer in place, so a session can embed one without a
// second allocation.
func (f *Framer) Init(max int, telnet bool) {
	if max <= 0 {
		max = DefaultMaxLine
	}
	*f = Framer{max: max, telnet: telnet}
}

// Max returns the longest line, in bytes, the framer delivers.
func (f *Framer) Max() int { return f.max }

// Buffered reports how many bytes of a partial line are held.
func (f *Framer) Buffered() int { return len(f.buf) }

// Feed runs p through the state machine, calling sink for each line, each
// over-long line and each telnet refusal.
func (f *Framer) Feed(p []byte, sink FrameSink) {
	for i := 0; i < len(p); i++ {
		b := p[i]
		switch f.state {
		case stData:
			if b == IAC && f.telnet {
				f.state = stIAC
				continue
			}
			if f.afterCR {
				f.afterCR = false
				if b == '\n' || b == 0 {
					continue
				}
			}
			switch b {
			case '\r':
				f.afterCR = true
				f.terminate(sink)
			case '\n':
				f.terminate(sink)
			default:
				// Copy the whole run of ordinary bytes at once: this is the
				// hot path, and a chat line is usually one run.
				j := i + 1
				for j < len(p) && p[j] != '\r' && p[j] != '\n' && (p[j] != IAC || !f.telnet) {
					j++
				}
				f.collect(p[i:j], sink)
				i = j - 1
			}
		case stIAC:
			switch b {
			case IAC: // IAC IAC is a literal 0xFF data byte
				f.state = stData
				f.afterCR = false
				f.collect(p[i:i+1], sink)
			case WILL, WONT, DO, DONT:
				f.verb, f.state = b, stOption
			case SB:
				f.state = stSB
			default: // any other two-byte command (NOP, IP, AYT, GA, ...)
				f.state = stData
			}
		case stOption:
			f.state = stData
			if reply := f.refused.refuse(&f.reply, f.verb, b); reply != nil {
				sink.TelnetReply(reply)
			}
		case stSB:
			if b == IAC {
				f.state = stSBIAC
			}
		case stSBIAC:
			switch b {
			case SE:
				f.state = stData
			case IAC: // escaped 0xFF inside the subnegotiation
				f.state = stSB
			default:
				f.state = stSB
			}
		}
	}
}

// collect appends run to the partial line, or starts discarding when the
// line would pass max.
func (f *Framer) collect(run []byte, sink FrameSink) {
	if f.discarding {
		return
	}
	if len(f.buf)+len(run) > f.max {
		f.discarding = true
		f.release()
		sink.LineTooLong()
		return
	}
	if len(f.buf)+len(run) > cap(f.buf) {
		// Grow by hand so the capacity is capped at max: append's
		// growth policy could overshoot the promised bound.
		n := 2*cap(f.buf) + len(run)
		if n < 64 {
			n = 64
		}
		if n > f.max {
			n = f.max
		}
		nb := make([]byte, len(f.buf), n)
		copy(nb, f.buf)
		f.buf = nb
	}
	f.buf = append(f.buf, run...)
}

// terminate ends the current line.
func (f *Framer) terminate(sink FrameSink) {
	if f.discarding {
		f.discarding = false
		return
	}
	line := f.buf
	f.buf = f.buf[:0]
	sink.FoundTerminator(line)
	// An idle connection should not pin the buffer of its longest line.
	if cap(f.buf) > 512 {
		f.release()
	}
}

// release drops the partial-line buffer.
func (f *Framer) release() { f.buf = nil }
