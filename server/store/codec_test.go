package store

import (
	"errors"
	"testing"
	"time"
)

func TestRecords(t *testing.T) {
	when := time.Date(2025, 3, 1, 12, 0, 0, 123, time.UTC)
	t.Run("every record type round-trips, empty and full", func(t *testing.T) {
		for _, a := range []Account{{}, {Key: "k", Display: "K", Hash: "$argon2id$x", Operator: true, Created: when}} {
			got, err := decodeAccount(encodeAccount(a))
			if err != nil || !sameAccount(got, a) {
				t.Errorf("account %+v came back %+v, %v", a, got, err)
			}
		}
		for _, b := range []Ban{{Kind: BanNick}, {Kind: BanCIDR, Target: "10.0.0.0/8", Reason: "r", SetBy: "s", Created: when, Expires: when.Add(time.Hour)}} {
			got, err := decodeBan(encodeBan(b))
			if err != nil || !sameBan(got, b) {
				t.Errorf("ban %+v came back %+v, %v", b, got, err)
			}
		}
		for _, m := range []Mute{{}, {Target: "t", Reason: "r", SetBy: "s", Created: when, Expires: when}} {
			got, err := decodeMute(encodeMute(m))
			if err != nil || got.Target != m.Target || got.Reason != m.Reason || got.SetBy != m.SetBy ||
				!got.Created.Equal(m.Created) || !got.Expires.Equal(m.Expires) {
				t.Errorf("mute %+v came back %+v, %v", m, got, err)
			}
		}
		for _, l := range []HistoryLine{{}, {Kind: 1, FromNick: "n", FromID: "7", Text: "hi", Time: when}, {Time: time.Unix(0, -5)}} {
			got, err := decodeLine(encodeLine(l))
			if err != nil {
				t.Fatal(err)
			}
			wantLines(t, []HistoryLine{got}, []HistoryLine{l})
		}
	})
	records := map[string][]byte{
		"account": encodeAccount(Account{Key: "k", Display: "K", Hash: "h", Operator: true, Created: when}),
		"ban":     encodeBan(Ban{Kind: BanAddr, Target: "192.0.2.1/32", Reason: "r", SetBy: "s", Created: when, Expires: when}),
		"mute":    encodeMute(Mute{Target: "t", Reason: "r", SetBy: "s", Created: when}),
		"line":    encodeLine(HistoryLine{Kind: 1, FromNick: "n", FromID: "7", Text: "hi", Time: when}),
	}
	decode := map[string]func([]byte) error{
		"account": func(b []byte) error { _, err := decodeAccount(b); return err },
		"ban":     func(b []byte) error { _, err := decodeBan(b); return err },
		"mute":    func(b []byte) error { _, err := decodeMute(b); return err },
		"line":    func(b []byte) error { _, err := decodeLine(b); return err },
	}
	for name, rec := range records {
		dec := decode[name]
		t.Run("every proper prefix of a "+name+" record is malformed", func(t *testing.T) {
			for n := range len(rec) {
				if err := dec(rec[:n]); !errors.Is(err, errRecord) {
					t.Errorf("%d of %d bytes: %v", n, len(rec), err)
				}
			}
		})
		t.Run("a "+name+" record with a byte too many, another version or an overlong string is malformed", func(t *testing.T) {
			bad := [][]byte{
				append(append([]byte(nil), rec...), 0),
				append([]byte{recordVersion + 1}, rec[1:]...),
				append([]byte{0}, rec[1:]...),
			}
			long := append([]byte(nil), rec...)
			if name == "ban" || name == "line" {
				long[2] = 0x7f // the first string's length, past the end
			} else {
				long[1] = 0x7f
			}
			bad = append(bad, long)
			for i, b := range bad {
				if err := dec(b); !errors.Is(err, errRecord) {
					t.Errorf("case %d: %v", i, err)
				}
			}
		})
	}
	t.Run("an account whose operator flag is neither 0 nor 1 is malformed", func(t *testing.T) {
		rec := encodeAccount(Account{Key: "k"})
		rec[len(rec)-2] = 2 // the flag, before a one-byte zero time
		if _, err := decodeAccount(rec); !errors.Is(err, errRecord) {
			t.Fatal(err)
		}
	})
}

// FuzzDecode: no input panics any decoder, and whatever decodes encodes to
// something that decodes the same.
func FuzzDecode(f *testing.F) {
	f.Add(encodeAccount(Account{Key: "k", Display: "K", Hash: "h", Operator: true, Created: time.Unix(1, 2)}))
	f.Add(encodeBan(Ban{Kind: BanCIDR, Target: "10.0.0.0/8", Reason: "r", SetBy: "s", Expires: time.Unix(3, 0)}))
	f.Add(encodeMute(Mute{Target: "t", Reason: "r"}))
	f.Add(encodeLine(HistoryLine{Kind: 1, FromNick: "n", FromID: "7", Text: "hi", Time: time.Unix(5, 0)}))
	f.Add([]byte{1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		if a, err := decodeAccount(b); err == nil {
			if a2, err := decodeAccount(encodeAccount(a)); err != nil || !sameAccount(a, a2) {
				t.Fatalf("account %+v re-decodes as %+v, %v", a, a2, err)
			}
		}
		if n, err := decodeBan(b); err == nil {
			if n2, err := decodeBan(encodeBan(n)); err != nil || !sameBan(n, n2) {
				t.Fatalf("ban %+v re-decodes as %+v, %v", n, n2, err)
			}
		}
		if m, err := decodeMute(b); err == nil {
			if m2, err := decodeMute(encodeMute(m)); err != nil || m2.Target != m.Target || !m2.Expires.Equal(m.Expires) {
				t.Fatalf("mute %+v re-decodes as %+v, %v", m, m2, err)
			}
		}
		if l, err := decodeLine(b); err == nil {
			if l2, err := decodeLine(encodeLine(l)); err != nil || l2.Text != l.Text || !l2.Time.Equal(l.Time) {
				t.Fatalf("line %+v re-decodes as %+v, %v", l, l2, err)
			}
		}
	})
}
