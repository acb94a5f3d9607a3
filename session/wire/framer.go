package wire

import "unicode/utf8"

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
	// (option answers and offers). The slice is only valid until
	// TelnetReply returns.
	TelnetReply(p []byte)
}

// AYTSink is implemented by a FrameSink that answers telnet's Are You There
// (IAC AYT, RFC 854) with something the user can see. It is a separate
// interface so that sinks of plain streams need not implement it.
type AYTSink interface {
	AreYouThere()
}

// Editing characters the framer puts in a line for telnet's IAC EC and
// IAC EL (RFC 854), so that Edit treats them like the keys that send them
// in-band.
const (
	chBS  = 0x08 // Backspace, ^H: erase the previous character
	chNAK = 0x15 // ^U: erase the line
	chETB = 0x17 // ^W: erase the previous word
)

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
	tn         Telnet
	state      framerState
	verb       byte    // WILL/WONT/DO/DONT being read in stOption
	afterCR    bool    // a CR ended the last line: skip one LF or NUL
	discarding bool    // the current line passed max: drop to the terminator
	telnet     bool    // interpret IAC (false for plain streams such as a client reading our server)
	reply      [9]byte // the answer being sent, so answering allocates nothing
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

// Telnet returns the framer's telnet option state, so the session can ask
// whether the peer speaks telnet and offer options (such as ECHO around a
// password prompt) on its own initiative.
func (f *Framer) Telnet() *Telnet { return &f.tn }

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
					// CR LF and CR NUL are NVT line ends: a telnet client's.
					// A BSD client sends nothing else that shows it before it
					// needs a hidden password prompt (RFC 857 ECHO); clients
					// that must never see a telnet byte end lines in LF alone,
					// as nc, most scripts and the load generator do.
					if f.telnet && !f.tn.known {
						f.answer(f.reply[:0], sink)
					}
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
			f.state = stData
			switch b {
			case IAC: // IAC IAC is a literal 0xFF data byte
				f.dataByte(b, sink)
				continue // a peer may send 0xFF without speaking telnet
			case WILL, WONT, DO, DONT:
				f.verb, f.state = b, stOption
				continue // answered with the option byte
			}
			if !f.tn.known {
				f.answer(f.reply[:0], sink) // the offer goes before any answer
			}
			switch b {
			case SB:
				f.state = stSB
			case EC:
				f.dataByte(chBS, sink)
			case EL:
				f.dataByte(chNAK, sink)
			case AYT:
				if a, ok := sink.(AYTSink); ok {
					a.AreYouThere()
				}
			case IP, AO, BRK, ABORT, SUSP, XEOF:
				if c := f.substituted(b); c != 0 {
					f.dataByte(c, sink)
				}
			default: // NOP, DM, GA, ...: nothing to do
			}
		case stOption:
			f.state = stData
			f.answer(f.tn.receive(f.reply[:0], f.verb, b), sink)
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

// answer sends r, the answer to a telnet command, after the offer of
// TRANSMIT-BINARY if this is the first sign that the peer speaks telnet.
func (f *Framer) answer(r []byte, sink FrameSink) {
	if !f.tn.known {
		r = f.tn.negotiate(r)
	}
	if len(r) > 0 {
		sink.TelnetReply(r)
	}
}

// dataByte adds one byte that a telnet command stands for to the line.
func (f *Framer) dataByte(b byte, sink FrameSink) {
	f.afterCR = false
	one := [1]byte{b}
	f.collect(one[:], sink)
}

// substituted returns the byte a BSD telnet client (netkit, inetutils)
// replaced with the command cmd, or 0 when cmd keeps its meaning.
//
// Until TRANSMIT-BINARY is in force, those clients compare the low 7 bits
// of each typed byte with their special characters and send a command
// instead: 0x80|^C leaves as IAC IP, 0x80|^O as IAC AO, 0x80|^\ as IAC BRK
// (IAC ABORT outside kludge line mode), 0x80|^Z as IAC SUSP and, in
// LINEMODE, 0x80|^D as IAC EOF; IP, AO, BRK and SUSP are followed by
// IAC DO TIMING-MARK, answered as usual. Those bytes are UTF-8
// continuation bytes and GBK trail bytes, so a command that stands where a
// character still needs a byte is put back as that byte. Anywhere else the
// command keeps its meaning, which for a chat line is none.
func (f *Framer) substituted(cmd byte) byte {
	if f.discarding || f.tn.PeerEnabled(OptBinary) || !midChar(f.buf) {
		return 0
	}
	switch cmd {
	case IP:
		return 0x80 | 0x03 // intr, ^C
	case AO:
		return 0x80 | 0x0F // flush (discard), ^O
	case BRK, ABORT:
		return 0x80 | 0x1C // quit, ^\
	case SUSP:
		return 0x80 | 0x1A // susp, ^Z
	case XEOF:
		return 0x80 | 0x04 // eof, ^D
	}
	return 0
}

// midChar reports whether the partial line b ends inside a multi-byte
// character: after a UTF-8 lead byte and fewer continuation bytes than it
// needs, or after a GBK lead byte without its trail byte. The charset is
// not known here, so either counts, but a line that is valid UTF-8 so far
// is taken as UTF-8 (as charset auto-detection does).
func midChar(b []byte) bool {
	n := len(b)
	i := n - 1
	for i >= 0 && i > n-4 && b[i]&0xC0 == 0x80 {
		i-- // skip back over continuation bytes to the lead byte
	}
	if i >= 0 {
		need := 0
		switch c := b[i]; {
		case c >= 0xC2 && c <= 0xDF:
			need = 2
		case c >= 0xE0 && c <= 0xEF:
			need = 3
		case c >= 0xF0 && c <= 0xF4:
			need = 4
		}
		if n-i < need {
			return true
		}
	}
	if utf8.Valid(b) {
		return false // whole UTF-8 characters, though GBK might pair them otherwise
	}
	for i := 0; i < n; i++ {
		if b[i] >= 0x81 && b[i] <= 0xFE {
			if i == n-1 {
				return true
			}
			i++ // the trail byte
		}
	}
	return false
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
