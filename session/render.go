package session

import "teahouse/session/wire"

// TimestampLayout is the prefix /timestamp on adds to each line.
const TimestampLayout = "[15:04:05] "

// crlf ends every line the server sends (telnet NVT).
const crlf = "\r\n"

// renderer turns a Message into wire bytes for a recipient's charset and
// timestamp setting.
type renderer struct {
	codec *wire.Codec
	text  []byte // scratch for the UTF-8 form
}

// appendLine appends m as one line for a recipient with charset c and
// timestamps ts.
func (r *renderer) appendLine(dst []byte, m *Message, c wire.Charset, ts bool) []byte {
	r.text = r.text[:0]
	if ts {
		r.text = m.Time.AppendFormat(r.text, TimestampLayout)
	}
	r.text = m.appendText(r.text)
	dst = r.codec.Encode(dst, c, r.text)
	return append(dst, crlf...)
}

// broadcastCache renders one broadcast message at most once per charset and
// timestamp setting, however many recipients it has: a broadcast to 1,000
// sessions encodes at most four times.
type broadcastCache struct {
	msg   *Message
	lines [wire.NumCharsets][2][]byte
	store []byte // backing array for lines, reused between broadcasts
}

// reset starts a new broadcast of m.
func (b *broadcastCache) reset(m *Message) {
	b.msg = m
	b.lines = [wire.NumCharsets][2][]byte{}
	b.store = b.store[:0]
}

// line returns m rendered for charset c and timestamps ts.
func (b *broadcastCache) line(r *renderer, c wire.Charset, ts bool) []byte {
	t := 0
	if ts {
		t = 1
	}
	if l := b.lines[c][t]; l != nil {
		return l
	}
	start := len(b.store)
	b.store = r.appendLine(b.store, b.msg, c, ts)
	// Earlier lines may point into the old backing array if appendLine
	// grew it; they stay valid because nothing writes there again.
	l := b.store[start:len(b.store):len(b.store)]
	b.lines[c][t] = l
	return l
}

// ReplyLine renders a one-off "-> text" line in UTF-8, for a reactor that
// must answer a connection before any session exists (a refusal).
func ReplyLine(text string) []byte {
	return []byte("-> " + text + crlf)
}
