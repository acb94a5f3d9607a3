package wire

// Telnet command bytes (RFC 854) that the framer recognises in input.
const (
	SE   = 240 // end of subnegotiation
	SB   = 250 // start of subnegotiation
	WILL = 251
	WONT = 252
	DO   = 253
	DONT = 254
	IAC  = 255 // "interpret as command"
)

// OptTimingMark is RFC 860's TIMING-MARK option. Linux telnet sends
// IAC DO TIMING-MARK after every Ctrl-C and discards output until it hears
// WILL or WONT TIMING-MARK, so it is refused every time it is asked for,
// not once: a user who presses Ctrl-C twice must still see the room.
const OptTimingMark = 6

// refusals remembers which options a peer has already been refused, so that
// a refusal goes out once per option and negotiation can never loop
// (RFC 1143). It is a bitset rather than a map so that it costs a session
// 64 bytes and no allocation.
type refusals struct {
	wont [4]uint64 // options answered with WONT (peer sent DO)
	dont [4]uint64 // options answered with DONT (peer sent WILL)
}

// refuse writes the refusal for a peer's DO or WILL of opt into buf and
// returns it, or returns nil when the option was already refused (or verb
// needs no answer: WONT and DONT ask us to stay where we already are).
func (r *refusals) refuse(buf *[3]byte, verb, opt byte) []byte {
	var set *[4]uint64
	var answer byte
	switch verb {
	case DO:
		set, answer = &r.wont, WONT
	case WILL:
		set, answer = &r.dont, DONT
	default:
		return nil
	}
	word, bit := opt/64, uint64(1)<<(opt%64)
	if opt != OptTimingMark {
		if set[word]&bit != 0 {
			return nil
		}
		set[word] |= bit
	}
	*buf = [3]byte{IAC, answer, opt}
	return buf[:]
}
