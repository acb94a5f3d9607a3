package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"
)

// Records are a small binary format shared by both stores (the memory
// store keeps the same bytes, so both round-trip values identically):
//
//	record  = version fields
//	version = 1 byte, recordVersion (a decoder refuses any other)
//	string  = uvarint length, then that many bytes
//	time    = varint Unix nanoseconds, 0 for the zero time.Time
//	bool, kind = 1 byte
//
// Account = version key display hash operator created
// Ban     = version kind target reason setBy created expires
// Mute    = version target reason setBy created expires
// Line    = version kind fromNick fromID text time
//
// A binary format rather than JSON because history is most of the file and
// is rewritten every second: a line costs its text plus about 12 bytes,
// instead of its text plus some 60 of field names and quoting, and decoding
// at startup does no reflection. A change of fields bumps recordVersion and
// teaches the decoder both.
const recordVersion = 1

var errRecord = errors.New("malformed record")

type encoder struct{ b []byte }

func (e *encoder) byte(c byte)     { e.b = append(e.b, c) }
func (e *encoder) bool(v bool)     { e.b = append(e.b, b2u(v)) }
func (e *encoder) string(s string) { e.b = append(binary.AppendUvarint(e.b, uint64(len(s))), s...) }
func (e *encoder) time(t time.Time) {
	var n int64
	if !t.IsZero() {
		n = t.UnixNano()
	}
	e.b = binary.AppendVarint(e.b, n)
}

func b2u(v bool) byte {
	if v {
		return 1
	}
	return 0
}

// decoder reads fields until the first error, which sticks.
type decoder struct {
	b   []byte
	err error
}

func newDecoder(b []byte) *decoder {
	d := &decoder{b: b}
	if v := d.byte(); d.err == nil && v != recordVersion {
		d.err = fmt.Errorf("%w: record version %d, not %d", errRecord, v, recordVersion)
	}
	return d
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = fmt.Errorf("%w: bad %s", errRecord, what)
	}
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.fail("byte")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) bool() bool {
	switch d.byte() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bool")
	return false
}

func (d *decoder) string() string {
	if d.err != nil {
		return ""
	}
	n, k := binary.Uvarint(d.b)
	if k <= 0 || n > uint64(len(d.b)-k) {
		d.fail("string")
		return ""
	}
	s := string(d.b[k : k+int(n)])
	d.b = d.b[k+int(n):]
	return s
}

func (d *decoder) time() time.Time {
	if d.err != nil {
		return time.Time{}
	}
	n, k := binary.Varint(d.b)
	if k <= 0 {
		d.fail("time")
		return time.Time{}
	}
	d.b = d.b[k:]
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// done is the decoder's error, or one for bytes left over.
func (d *decoder) done() error {
	if d.err == nil && len(d.b) != 0 {
		d.err = fmt.Errorf("%w: %d bytes left over", errRecord, len(d.b))
	}
	return d.err
}

func encodeAccount(a Account) []byte {
	e := encoder{b: make([]byte, 0, 32+len(a.Key)+len(a.Display)+len(a.Hash))}
	e.byte(recordVersion)
	e.string(a.Key)
	e.string(a.Display)
	e.string(a.Hash)
	e.bool(a.Operator)
	e.time(a.Created)
	return e.b
}

func decodeAccount(b []byte) (Account, error) {
	d := newDecoder(b)
	a := Account{Key: d.string(), Display: d.string(), Hash: d.string(), Operator: d.bool(), Created: d.time()}
	return a, d.done()
}

func encodeBan(b Ban) []byte {
	e := encoder{b: make([]byte, 0, 32+len(b.Target)+len(b.Reason)+len(b.SetBy))}
	e.byte(recordVersion)
	e.byte(byte(b.Kind))
	e.string(b.Target)
	e.string(b.Reason)
	e.string(b.SetBy)
	e.time(b.Created)
	e.time(b.Expires)
	return e.b
}

func decodeBan(b []byte) (Ban, error) {
	d := newDecoder(b)
	n := Ban{Kind: BanKind(d.byte()), Target: d.string(), Reason: d.string(), SetBy: d.string(), Created: d.time(), Expires: d.time()}
	if err := d.done(); err != nil {
		return Ban{}, err
	}
	if n.Kind < BanNick || n.Kind > BanCIDR {
		return Ban{}, fmt.Errorf("%w: ban kind %d", errRecord, uint8(n.Kind))
	}
	return n, nil
}

func encodeMute(m Mute) []byte {
	e := encoder{b: make([]byte, 0, 32+len(m.Target)+len(m.Reason)+len(m.SetBy))}
	e.byte(recordVersion)
	e.string(m.Target)
	e.string(m.Reason)
	e.string(m.SetBy)
	e.time(m.Created)
	e.time(m.Expires)
	return e.b
}

func decodeMute(b []byte) (Mute, error) {
	d := newDecoder(b)
	m := Mute{Target: d.string(), Reason: d.string(), SetBy: d.string(), Created: d.time(), Expires: d.time()}
	return m, d.done()
}

func encodeLine(l HistoryLine) []byte {
	e := encoder{b: make([]byte, 0, 24+len(l.FromNick)+len(l.FromID)+len(l.Text))}
	e.byte(recordVersion)
	e.byte(l.Kind)
	e.string(l.FromNick)
	e.string(l.FromID)
	e.string(l.Text)
	e.time(l.Time)
	return e.b
}

func decodeLine(b []byte) (HistoryLine, error) {
	d := newDecoder(b)
	l := HistoryLine{Kind: d.byte(), FromNick: d.string(), FromID: d.string(), Text: d.string(), Time: d.time()}
	return l, d.done()
}

func banExpiry(b []byte) (time.Time, error) {
	n, err := decodeBan(b)
	return n.Expires, err
}

func muteExpiry(b []byte) (time.Time, error) {
	m, err := decodeMute(b)
	return m.Expires, err
}
