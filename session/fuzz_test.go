package session

import (
	"bytes"
	"testing"

	"teahouse/session/wire"
)

// Seed corpora live in testdata/fuzz/<FuzzName>/; `go test` runs them as
// regression tests and `go test -fuzz` starts from them.

// maxFuzzInput bounds fuzz inputs: big ones find nothing a small one would
// not, and minimizing them eats a short CI fuzz run's whole budget.
const maxFuzzInput = 4096

// FuzzSession feeds arbitrary bytes to a logged-in user in a room with a
// GBK user: nothing may panic, and apart from telnet refusals (IAC x y,
// never inside a line) everything that goes out is whole CRLF lines.
func FuzzSession(f *testing.F) {
	for _, s := range []string{"hi\r\n", "/join x\r\n/who\r\n", "/msg bob \x1b[2Jhi\n", "@bob hi\n/quit\n", "/nick \xc4\xe3\n", "\xff\xfd\x06/me waves\r\x00"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > maxFuzzInput {
			return
		}
		h := newHarness(t, func(c *Config) { c.MaxLine = 64; c.Rate = 0 })
		a := h.login("alice")
		b := h.login("bob")
		b.send("/charset gbk")
		b.conn.lines()
		a.conn.lines()
		a.s.CollectIncomingData(data)
		h.table.Tick()
		for _, u := range []*user{a, b} {
			if out := withoutTelnet(u.conn.out); len(out) > 0 && !bytes.HasSuffix(out, []byte("\r\n")) {
				t.Fatalf("output does not end in CRLF: %q", out)
			}
		}
	})
}

// withoutTelnet removes the three-byte telnet refusals from server output;
// nothing else the server sends contains 0xFF in UTF-8 or GBK.
func withoutTelnet(out []byte) []byte {
	var b []byte
	for i := 0; i < len(out); i++ {
		if out[i] == wire.IAC && i+2 < len(out) {
			i += 2
			continue
		}
		b = append(b, out[i])
	}
	return b
}
