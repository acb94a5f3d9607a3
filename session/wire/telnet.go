package wire

// Telnet command bytes (RFC 854, RFC 1184's EOF/SUSP/ABORT) that the framer
// recognises in input.
const (
	XEOF  = 236 // end of file (xEOF in BSD sources; EOF in RFC 1184)
	SUSP  = 237 // suspend process
	ABORT = 238 // abort process
	SE    = 240 // end of subnegotiation
	NOP   = 241
	DM    = 242 // data mark (the end of a Synch)
	BRK   = 243 // break
	IP    = 244 // interrupt process
	AO    = 245 // abort output
	AYT   = 246 // are you there
	EC    = 247 // erase character
	EL    = 248 // erase line
	GA    = 249 // go ahead
	SB    = 250 // start of subnegotiation
	WILL  = 251
	WONT  = 252
	DO    = 253
	DONT  = 254
	IAC   = 255 // "interpret as command"
)

// Telnet options the server negotiates. Every other option is refused,
// once per option.
const (
	// OptBinary is RFC 856's TRANSMIT-BINARY. Without it the BSD-derived
	// telnet clients (netkit, inetutils) compare the low 7 bits of every
	// byte the user types with their special characters, so a UTF-8 or GBK
	// byte such as 0x83 (^C + 0x80) leaves as IAC IP; with it they send
	// the bytes untouched.
	OptBinary = 0
	// OptEcho is RFC 857's ECHO. A client asking for it is refused; the
	// server offers it itself (Enable) when it must hide a password.
	OptEcho = 1
	// OptSGA is RFC 858's SUPPRESS-GO-AHEAD. Refused when asked for: with
	// SGA and ECHO a BSD client leaves line mode for character mode.
	OptSGA = 3
	// OptTimingMark is RFC 860's TIMING-MARK. Linux telnet sends
	// IAC DO TIMING-MARK after every Ctrl-C and discards output until it
	// hears WILL or WONT TIMING-MARK, so it is refused every time it is
	// asked for, not once: a user who presses Ctrl-C twice must still see
	// the room.
	OptTimingMark = 6
)

// qstate is one side of one option in RFC 1143's Q method.
type qstate uint8

const (
	qNo      qstate = iota // disabled
	qYes                   // enabled
	qWantNo                // we sent the negative verb and wait for the answer
	qWantYes               // we sent the positive verb and wait for the answer
)

// qside is one side of one option: its state and the RFC 1143 queue bit
// (opposite: once the pending answer arrives, ask for the other state).
type qside struct {
	state    qstate
	opposite bool
}

// qverbs names the bytes a side uses: for our side (the peer sends DO/DONT,
// we send WILL/WONT), for the peer's side the other way round.
type qverbs struct{ yes, no byte }

var (
	usVerbs  = qverbs{WILL, WONT} // what we send about our side
	himVerbs = qverbs{DO, DONT}   // what we send about the peer's side
)

// receive handles the peer's positive (DO for us, WILL for him) or negative
// verb for this side, per RFC 1143 section 7, appending any answer to dst.
// accept says whether we agree to enable the option when the peer asks.
func (q *qside) receive(dst []byte, positive, accept bool, v qverbs, opt byte) []byte {
	if positive {
		switch q.state {
		case qNo:
			if accept {
				q.state = qYes
				return append(dst, IAC, v.yes, opt)
			}
			return append(dst, IAC, v.no, opt)
		case qYes: // already enabled: an answer would start a loop
		case qWantNo:
			// Our "no" was answered by "yes": RFC 1143 calls it an error
			// and takes the peer at its word.
			if q.opposite {
				q.state, q.opposite = qYes, false
			} else {
				q.state = qNo
			}
		case qWantYes:
			if q.opposite {
				q.state, q.opposite = qWantNo, false
				return append(dst, IAC, v.no, opt)
			}
			q.state = qYes
		}
		return dst
	}
	switch q.state {
	case qNo: // already disabled
	case qYes:
		q.state = qNo
		return append(dst, IAC, v.no, opt)
	case qWantNo:
		if q.opposite {
			q.state, q.opposite = qWantYes, false
			return append(dst, IAC, v.yes, opt)
		}
		q.state = qNo
	case qWantYes:
		q.state, q.opposite = qNo, false
	}
	return dst
}

// ask starts enabling (yes) or disabling this side on our own initiative,
// per RFC 1143 section 7, appending the request to dst when one is due.
// Asking for what is already so, or already being negotiated, sends nothing.
func (q *qside) ask(dst []byte, yes bool, v qverbs, opt byte) []byte {
	want, wantState, verb := qYes, qWantYes, v.yes
	if !yes {
		want, wantState, verb = qNo, qWantNo, v.no
	}
	switch q.state {
	case want:
	case qNo, qYes: // the other stable state
		q.state = wantState
		return append(dst, IAC, verb, opt)
	case wantState:
		q.opposite = false // cancel a queued change of mind
	default: // negotiating towards the other state: queue the change
		q.opposite = true
	}
	return dst
}

// enabled reports whether the option is in force on this side.
func (q *qside) enabled() bool { return q.state == qYes }

// qopt is both sides of one option.
type qopt struct {
	us  qside // we perform the option (we say WILL, the peer says DO)
	him qside // the peer performs it (the peer says WILL, we say DO)
}

// optIndex maps the options with Q method state to their slot, or -1.
func optIndex(opt byte) int {
	switch opt {
	case OptBinary:
		return 0
	case OptEcho:
		return 1
	case OptSGA:
		return 2
	}
	return -1
}

// numOpts is how many options have Q method state.
const numOpts = 3

// Telnet is a session's telnet option state: RFC 1143's Q method for the
// options the server negotiates, a refuse-once bitset for every other one,
// and whether the peer has shown it speaks telnet at all. It costs a
// session 80 bytes and never allocates.
//
// Methods append the bytes to send to dst and return it; nothing is sent
// to a peer that has not shown it speaks telnet unless the caller sends it.
type Telnet struct {
	refused refusals // first: its words need 8-byte alignment
	opts    [numOpts]qopt
	known   bool // the peer sent a telnet command or a CR NUL
}

// IsTelnet reports whether the peer has shown it is a telnet client: it
// sent a telnet command, or ended a line with CR NUL. Clients that never do
// (nc, scripts, the load generator, the bundled client) are never sent a
// telnet byte they did not ask for.
func (t *Telnet) IsTelnet() bool { return t.known }

// Enabled reports whether we perform opt (we said WILL, the peer agreed).
func (t *Telnet) Enabled(opt byte) bool {
	i := optIndex(opt)
	return i >= 0 && t.opts[i].us.enabled()
}

// PeerEnabled reports whether the peer performs opt (it said WILL, we
// agreed, or the other way round). PeerEnabled(OptBinary) means the peer
// sends its bytes untouched.
func (t *Telnet) PeerEnabled(opt byte) bool {
	i := optIndex(opt)
	return i >= 0 && t.opts[i].him.enabled()
}

// Enable offers to perform opt (IAC WILL opt), per the Q method: nothing is
// sent when the option is already on or being turned on, and a change of
// mind during a negotiation is queued. Only BINARY, ECHO and SGA can be
// offered; other options are ignored. The caller sends what is appended to
// dst; it should only do so for a peer that IsTelnet.
func (t *Telnet) Enable(dst []byte, opt byte) []byte {
	if i := optIndex(opt); i >= 0 {
		return t.opts[i].us.ask(dst, true, usVerbs, opt)
	}
	return dst
}

// Disable stops performing opt (IAC WONT opt), per the Q method.
func (t *Telnet) Disable(dst []byte, opt byte) []byte {
	if i := optIndex(opt); i >= 0 {
		return t.opts[i].us.ask(dst, false, usVerbs, opt)
	}
	return dst
}

// Request asks the peer to perform opt (IAC DO opt), per the Q method.
func (t *Telnet) Request(dst []byte, opt byte) []byte {
	if i := optIndex(opt); i >= 0 {
		return t.opts[i].him.ask(dst, true, himVerbs, opt)
	}
	return dst
}

// receive answers the peer's IAC verb opt, appending the answer to dst.
func (t *Telnet) receive(dst []byte, verb, opt byte) []byte {
	i := optIndex(opt)
	if i < 0 {
		return t.refused.refuse(dst, verb, opt)
	}
	o := &t.opts[i]
	// Only the peer's own BINARY is accepted when it asks first: ours is
	// refused (see negotiate: a BSD client told WILL BINARY draws every
	// typed line where the last one ended). ECHO and SGA are ours to
	// offer (ECHO with SGA would put a BSD client in character mode), and
	// a refusal goes out once, as for unknown options.
	accept := opt == OptBinary
	switch verb {
	case DO:
		if o.us.state == qNo && t.refused.seen(WONT, opt) {
			return dst
		}
		return o.us.receive(dst, true, false, usVerbs, opt)
	case DONT:
		return o.us.receive(dst, false, accept, usVerbs, opt)
	case WILL:
		if !accept && o.him.state == qNo && t.refused.seen(DONT, opt) {
			return dst
		}
		return o.him.receive(dst, true, accept, himVerbs, opt)
	case WONT:
		return o.him.receive(dst, false, accept, himVerbs, opt)
	}
	return dst
}

// negotiate is called once, when the peer first shows it speaks telnet:
// it asks the client to send in TRANSMIT-BINARY, so that it sends 8-bit
// text untouched. Nothing else is offered, so a BSD client stays in line
// mode with local editing.
//
// Only DO BINARY is sent: the client's input is what a BSD client mangles,
// and asking it to send binary is enough. Offering WILL BINARY as well
// makes Debian's telnet turn off output processing on its terminal, so the
// local echo of Enter lands without a CR and every line the user types
// starts where the last one ended (a staircase); 8-bit output reaches a
// client in NVT mode untouched anyway.
func (t *Telnet) negotiate(dst []byte) []byte {
	t.known = true
	return t.Request(dst, OptBinary)
}

// refusals remembers which options a peer has already been refused, so that
// a refusal goes out once per option and negotiation can never loop, even
// with a peer that asks again after a refusal. It is a bitset rather than a
// map so that it costs a session 64 bytes and no allocation.
type refusals struct {
	wont [4]uint64 // options answered with WONT (peer sent DO)
	dont [4]uint64 // options answered with DONT (peer sent WILL)
}

// seen reports whether answer (WONT or DONT) already went out for opt, and
// records that it does now.
func (r *refusals) seen(answer, opt byte) bool {
	set := &r.dont
	if answer == WONT {
		set = &r.wont
	}
	word, bit := opt/64, uint64(1)<<(opt%64)
	if set[word]&bit != 0 {
		return true
	}
	set[word] |= bit
	return false
}

// refuse appends the refusal for a peer's DO or WILL of opt to dst, unless
// the option was already refused (or verb needs no answer: WONT and DONT
// ask us to stay where we already are). TIMING-MARK is refused every time.
func (r *refusals) refuse(dst []byte, verb, opt byte) []byte {
	var answer byte
	switch verb {
	case DO:
		answer = WONT
	case WILL:
		answer = DONT
	default:
		return dst
	}
	if opt != OptTimingMark && r.seen(answer, opt) {
		return dst
	}
	return append(dst, IAC, answer, opt)
}
