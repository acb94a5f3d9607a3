package cluster

import (
	"encoding/binary"
	"errors"
	"time"
	"unicode/utf8"
)

// The frame: the bytes of one Event between nodes (CLUSTER.md §3).
//
//	ver=1 | kind u8 | time varint (unix ns, origin clock; 0 = none) |
//	origin | seq uvarint | sid uvarint | tosid uvarint |
//	from | to | room | text | [HistA: count uvarint, count × (len uvarint, line)]
//
// Strings are uvarint-length-prefixed UTF-8; a line of a HistA is the same
// layout without the version byte and without lines of its own. A chat
// line costs about 30 bytes plus its text.
//
// Versioning: fields are only ever appended, and a decoder ignores bytes
// after the fields it knows, so a node one release ahead can add a field
// without breaking the others during a rolling upgrade. frameVersion
// changes only for a change old nodes must refuse.
const (
	frameVersion = 1
	// MaxFrame bounds a frame: a HistA of 20 full lines fits with room to
	// spare, and NATS's default max_payload (1 MiB) is far above it.
	MaxFrame = 256 << 10
	// maxLines bounds the lines of a HistA.
	maxLines = 1024
)

// Decoding errors. A frame that fails is counted (Stats.BadFrames) and
// dropped: it never reaches the core.
var (
	ErrFrameVersion = errors.New("cluster: frame version not supported")
	ErrFrameShort   = errors.New("cluster: frame truncated")
	ErrFrameKind    = errors.New("cluster: unknown frame kind")
	ErrFrameUTF8    = errors.New("cluster: frame string is not UTF-8")
	ErrFrameSize    = errors.New("cluster: frame too large")
)

// AppendFrame appends ev's frame to dst. Local kinds and fields not on the
// wire are not encoded; a HistA's lines lose their own Lines.
func AppendFrame(dst []byte, ev *Event) []byte {
	dst = append(dst, frameVersion)
	return appendBody(dst, ev, true)
}

func appendBody(dst []byte, ev *Event, top bool) []byte {
	dst = append(dst, byte(ev.Kind))
	var ns int64
	if !ev.Time.IsZero() {
		ns = ev.Time.UnixNano()
	}
	dst = binary.AppendVarint(dst, ns)
	dst = appendString(dst, ev.Origin)
	dst = binary.AppendUvarint(dst, ev.Seq)
	dst = binary.AppendUvarint(dst, ev.SID)
	dst = binary.AppendUvarint(dst, ev.ToSID)
	dst = appendString(dst, ev.From)
	dst = appendString(dst, ev.To)
	dst = appendString(dst, ev.Room)
	dst = appendString(dst, ev.Text)
	if top && ev.Kind == HistA {
		dst = binary.AppendUvarint(dst, uint64(len(ev.Lines)))
		var line []byte
		for i := range ev.Lines {
			line = appendBody(line[:0], &ev.Lines[i], false)
			dst = binary.AppendUvarint(dst, uint64(len(line)))
			dst = append(dst, line...)
		}
	}
	return dst
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

// DecodeFrame parses one frame into ev (zeroed first). It never panics and
// never allocates more than the frame's own size in strings.
func DecodeFrame(b []byte, ev *Event) error {
	*ev = Event{}
	if len(b) > MaxFrame {
		return ErrFrameSize
	}
	if len(b) == 0 {
		return ErrFrameShort
	}
	if b[0] != frameVersion {
		return ErrFrameVersion
	}
	d := decoder{b: b[1:]}
	d.body(ev, true)
	return d.err
}

// decoder reads fields off b; the first error sticks and later reads
// return zero values.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) body(ev *Event, top bool) {
	k := Kind(d.byte())
	if d.err == nil && (k < Chat || k > lastWireKind || (!top && k == HistA)) {
		d.err = ErrFrameKind
	}
	ev.Kind = k
	if ns := d.varint(); ns != 0 {
		ev.Time = time.Unix(0, ns)
	}
	ev.Origin = d.string()
	ev.Seq = d.uvarint()
	ev.SID = d.uvarint()
	ev.ToSID = d.uvarint()
	ev.From = d.string()
	ev.To = d.string()
	ev.Room = d.string()
	ev.Text = d.string()
	if !top || k != HistA || d.err != nil {
		return
	}
	n := d.uvarint()
	if d.err == nil && (n > maxLines || n > uint64(len(d.b))) {
		d.err = ErrFrameShort
	}
	if d.err != nil || n == 0 {
		return
	}
	ev.Lines = make([]Event, n)
	for i := range ev.Lines {
		size := d.uvarint()
		if d.err == nil && size > uint64(len(d.b)) {
			d.err = ErrFrameShort
		}
		if d.err != nil {
			ev.Lines = nil
			return
		}
		sub := decoder{b: d.b[:size]}
		d.b = d.b[size:]
		sub.body(&ev.Lines[i], false)
		if sub.err != nil {
			d.err = sub.err
			ev.Lines = nil
			return
		}
	}
}

func (d *decoder) byte() byte {
	if d.err != nil {
		return 0
	}
	if len(d.b) == 0 {
		d.err = ErrFrameShort
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.err = ErrFrameShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.err = ErrFrameShort
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(len(d.b)) {
		d.err = ErrFrameShort
		return ""
	}
	s := d.b[:n]
	d.b = d.b[n:]
	if !utf8.Valid(s) {
		d.err = ErrFrameUTF8
		return ""
	}
	return string(s)
}
