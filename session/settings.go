package session

import "teahouse/session/wire"

// Settings are one recipient's choices about what they receive. They are a
// value: a new per-recipient option is a field here, and the part that
// changes how a line is rendered is also the broadcast render cache's key.
type Settings struct {
	Charset    wire.Charset // the charset of the recipient's terminal
	Timestamps bool         // prefix lines with [15:04:05]
	Echo       bool         // get one's own chat lines back
	HideTalk   bool         // /ignore with no nick: room chat hidden
}

// renderKey is the part of Settings that changes a rendered line's bytes:
// two recipients with equal keys get the same bytes for a broadcast.
type renderKey struct {
	charset    wire.Charset
	timestamps bool
}

// render returns the settings' render cache key.
func (s Settings) render() renderKey {
	return renderKey{charset: s.Charset, timestamps: s.Timestamps}
}
