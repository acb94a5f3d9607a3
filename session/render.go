package session

import "teahouse/session/wire"

// TimestampLayout is the prefix /timestamp on adds to each line.
const TimestampLayout = "[15:04:05] "

// crlf ends every line the server sends (telnet NVT).
const crlf = "\r\n"

// renderer turns a Message into wire bytes for a recipient's render key
// (charset, timestamps).
type renderer struct {
	codec *wire.Codec
	text  []byte // scratch for the UTF-8 form
}

// appendLine appends m as one line rendered for k.
func (r *renderer) appendLine(dst []byte, m *Message, k renderKey) []byte {
	r.text = r.text[:0]
	if k.timestamps {
		r.text = m.Time.AppendFormat(r.text, TimestampLayout)
	}
	r.text = m.appendText(r.text)
	dst = r.codec.Encode(dst, k.charset, r.text)
	return append(dst, crlf...)
}

// numRenderings is how many distinct renderings one broadcast can need:
// one per render key.
const numRenderings = 2 * wire.NumCharsets

// index numbers a render key for the broadcast cache: a new field of
// renderKey (a dialect) multiplies it.
func (k renderKey) index() int {
	i := int(k.charset) * 2
	if k.timestamps {
		i++
	}
	return i
}

// broadcastCache renders one broadcast message at most once per render key,
// however many recipients it has: a broadcast to 1,000 sessions encodes at
// most four times.
type broadcastCache struct {
	msg   *Message
	lines [numRenderings][]byte
	store []byte // backing array for lines, reused between broadcasts
}

// reset starts a new broadcast of m.
func (b *broadcastCache) reset(m *Message) {
	b.msg = m
	b.lines = [numRenderings][]byte{}
	b.store = b.store[:0]
}

// line returns the message rendered for k.
func (b *broadcastCache) line(r *renderer, k renderKey) []byte {
	i := k.index()
	if l := b.lines[i]; l != nil {
		return l
	}
	start := len(b.store)
	b.store = r.appendLine(b.store, b.msg, k)
	// Earlier lines may point into the old backing array if appendLine
	// grew it; they stay valid because nothing writes there again.
	l := b.store[start:len(b.store):len(b.store)]
	b.lines[i] = l
	return l
}

// ReplyLine renders a one-off "-> text" line in UTF-8, for a reactor that
// must answer a connection before any session exists (a refusal).
func ReplyLine(text string) []byte {
	return []byte("-> " + text + crlf)
}
