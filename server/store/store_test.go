package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"
)

// clock is a settable time source for WithClock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)} }

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// impl opens a fresh store of one kind.
type impl struct {
	name string
	open func(t *testing.T, opts ...Option) Store
}

var impls = []impl{
	{"memory", func(t *testing.T, opts ...Option) Store {
		t.Helper()
		s := NewMemory(opts...)
		t.Cleanup(func() { s.Close() })
		return s
	}},
	{"bolt", func(t *testing.T, opts ...Option) Store {
		t.Helper()
		s, err := OpenBolt(filepath.Join(t.TempDir(), "teahouse.db"), opts...)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}},
}

// storeCase is one behaviour, checked against every implementation.
type storeCase struct {
	name string
	opts []Option
	run  func(t *testing.T, s Store, clk *clock)
}

func runCases(t *testing.T, cases []storeCase) {
	t.Helper()
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			for _, c := range cases {
				t.Run(c.name, func(t *testing.T) {
					clk := newClock()
					s := im.open(t, append([]Option{WithClock(clk.now)}, c.opts...)...)
					c.run(t, s, clk)
				})
			}
		})
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("error %v, want %v", err, want)
	}
}

func TestAccounts(t *testing.T) {
	runCases(t, []storeCase{
		{name: "a new account reads back with its display name, hash and creation time", run: func(t *testing.T, s Store, clk *clock) {
			must(t, s.Register("alice", "Alice", "H1"))
			a, err := s.Account("alice")
			must(t, err)
			want := Account{Key: "alice", Display: "Alice", Hash: "H1", Created: clk.now()}
			if !sameAccount(a, want) {
				t.Fatalf("got %+v, want %+v", a, want)
			}
		}},
		{name: "registering a taken key fails with ErrExists and keeps the first account", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.Register("alice", "Alice", "H1"))
			wantErr(t, s.Register("alice", "ALICE", "H2"), ErrExists)
			a, err := s.Account("alice")
			must(t, err)
			if a.Display != "Alice" || a.Hash != "H1" {
				t.Fatalf("got %+v", a)
			}
		}},
		{name: "an unknown or empty key is ErrNotFound for every account method", run: func(t *testing.T, s Store, _ *clock) {
			for _, key := range []string{"nobody", ""} {
				_, err := s.Account(key)
				wantErr(t, err, ErrNotFound)
				wantErr(t, s.SetPassword(key, "H"), ErrNotFound)
				wantErr(t, s.SetOperator(key, true), ErrNotFound)
				wantErr(t, s.Unregister(key), ErrNotFound)
			}
		}},
		{name: "registering an empty or huge key is ErrInvalid", run: func(t *testing.T, s Store, _ *clock) {
			wantErr(t, s.Register("", "", "H"), ErrInvalid)
			big := string(make([]byte, maxKeyBytes+1))
			wantErr(t, s.Register(big, "x", "H"), ErrInvalid)
		}},
		{name: "SetPassword replaces the hash and nothing else", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.Register("bob", "Bob", "old"))
			must(t, s.SetOperator("bob", true))
			must(t, s.SetPassword("bob", "new"))
			a, err := s.Account("bob")
			must(t, err)
			if a.Hash != "new" || !a.Operator || a.Display != "Bob" {
				t.Fatalf("got %+v", a)
			}
		}},
		{name: "SetOperator grants and revokes", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.Register("bob", "Bob", "H"))
			for _, op := range []bool{true, false, true} {
				must(t, s.SetOperator("bob", op))
				a, err := s.Account("bob")
				must(t, err)
				if a.Operator != op {
					t.Fatalf("Operator %v after SetOperator(%v)", a.Operator, op)
				}
			}
		}},
		{name: "Unregister frees the key for a new registration", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.Register("carol", "Carol", "H1"))
			must(t, s.Unregister("carol"))
			_, err := s.Account("carol")
			wantErr(t, err, ErrNotFound)
			wantErr(t, s.Unregister("carol"), ErrNotFound)
			must(t, s.Register("carol", "CAROL", "H2"))
		}},
		{name: "Accounts lists every account in key order", run: func(t *testing.T, s Store, _ *clock) {
			for _, k := range []string{"zed", "amy", "中文"} {
				must(t, s.Register(k, k, "H"))
			}
			as, err := s.Accounts()
			must(t, err)
			var keys []string
			for _, a := range as {
				keys = append(keys, a.Key)
			}
			if want := []string{"amy", "zed", "中文"}; !slices.Equal(keys, want) {
				t.Fatalf("keys %q, want %q", keys, want)
			}
		}},
	})
}

func sameAccount(a, b Account) bool {
	return a.Key == b.Key && a.Display == b.Display && a.Hash == b.Hash && a.Operator == b.Operator && a.Created.Equal(b.Created)
}

func sameBan(a, b Ban) bool {
	return a.Kind == b.Kind && a.Target == b.Target && a.Reason == b.Reason && a.SetBy == b.SetBy &&
		a.Created.Equal(b.Created) && a.Expires.Equal(b.Expires)
}

func banTargets(t *testing.T, s Store) []string {
	t.Helper()
	bs, err := s.Bans()
	must(t, err)
	var out []string
	for _, b := range bs {
		out = append(out, b.Kind.String()+":"+b.Target)
	}
	return out
}

func TestBans(t *testing.T) {
	runCases(t, []storeCase{
		{name: "a nickname ban lists with its reason, setter and times", run: func(t *testing.T, s Store, clk *clock) {
			exp := clk.now().Add(time.Hour)
			must(t, s.AddBan(Ban{Kind: BanNick, Target: "mallory", Reason: "spam", SetBy: "Op", Expires: exp}))
			bs, err := s.Bans()
			must(t, err)
			want := Ban{Kind: BanNick, Target: "mallory", Reason: "spam", SetBy: "Op", Created: clk.now(), Expires: exp}
			if len(bs) != 1 || !sameBan(bs[0], want) {
				t.Fatalf("got %+v, want %+v", bs, want)
			}
		}},
		{name: "addresses and CIDRs are stored canonical, IPv4 and IPv6", run: func(t *testing.T, s Store, _ *clock) {
			for _, c := range []struct {
				kind        BanKind
				in, want    string
				description string
			}{
				{BanAddr, "192.0.2.7", "192.0.2.7/32", "an IPv4 address is its /32"},
				{BanAddr, "2001:db8::1", "2001:db8::1/128", "an IPv6 address is its /128"},
				{BanAddr, "::ffff:198.51.100.1", "198.51.100.1/32", "an IPv4-mapped address is unmapped"},
				{BanAddr, "203.0.113.5/32", "203.0.113.5/32", "a single-address prefix is an address"},
				{BanCIDR, "10.9.8.7/8", "10.0.0.0/8", "an IPv4 prefix is masked"},
				{BanCIDR, "2001:db8:1:2::5/48", "2001:db8:1::/48", "an IPv6 prefix is masked"},
				{BanCIDR, "::ffff:172.16.0.0/108", "172.16.0.0/12", "an IPv4-mapped prefix is unmapped"},
			} {
				must(t, s.AddBan(Ban{Kind: c.kind, Target: c.in}))
				got := banTargets(t, s)
				if !slices.Contains(got, c.kind.String()+":"+c.want) {
					t.Errorf("%s: %q stored as one of %q, want %q", c.description, c.in, got, c.want)
				}
			}
		}},
		{name: "targets that are not of their kind are ErrInvalid and store nothing", run: func(t *testing.T, s Store, _ *clock) {
			for _, b := range []Ban{
				{Kind: BanAddr, Target: "192.0.2.0/24"},
				{Kind: BanAddr, Target: "alice"},
				{Kind: BanAddr, Target: "fe80::1%eth0"},
				{Kind: BanAddr, Target: "300.1.1.1"},
				{Kind: BanCIDR, Target: "192.0.2.1"},
				{Kind: BanCIDR, Target: "192.0.2.0/33"},
				{Kind: BanCIDR, Target: ""},
				{Kind: BanNick, Target: ""},
				{Kind: 0, Target: "alice"},
				{Kind: 9, Target: "alice"},
			} {
				wantErr(t, s.AddBan(b), ErrInvalid)
				wantErr(t, s.RemoveBan(b.Kind, b.Target), ErrInvalid)
			}
			if got := banTargets(t, s); len(got) != 0 {
				t.Fatalf("stored %q", got)
			}
		}},
		{name: "banning the same target again replaces the ban", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.AddBan(Ban{Kind: BanCIDR, Target: "192.0.2.0/24", Reason: "first"}))
			must(t, s.AddBan(Ban{Kind: BanCIDR, Target: "192.0.2.99/24", Reason: "second"}))
			bs, err := s.Bans()
			must(t, err)
			if len(bs) != 1 || bs[0].Reason != "second" {
				t.Fatalf("got %+v", bs)
			}
		}},
		{name: "an address ban is the same ban as its single-address CIDR", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.AddBan(Ban{Kind: BanAddr, Target: "192.0.2.7"}))
			must(t, s.RemoveBan(BanCIDR, "192.0.2.7/32"))
			if got := banTargets(t, s); len(got) != 0 {
				t.Fatalf("left %q", got)
			}
		}},
		{name: "a nickname ban and a network ban with the same text are different bans", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.AddBan(Ban{Kind: BanNick, Target: "192.0.2.7/32"}))
			must(t, s.AddBan(Ban{Kind: BanAddr, Target: "192.0.2.7"}))
			must(t, s.RemoveBan(BanNick, "192.0.2.7/32"))
			if got := banTargets(t, s); !slices.Equal(got, []string{"addr:192.0.2.7/32"}) {
				t.Fatalf("left %q", got)
			}
		}},
		{name: "RemoveBan lifts a ban once and then is ErrNotFound", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.AddBan(Ban{Kind: BanNick, Target: "mallory"}))
			must(t, s.RemoveBan(BanNick, "mallory"))
			wantErr(t, s.RemoveBan(BanNick, "mallory"), ErrNotFound)
			wantErr(t, s.RemoveBan(BanAddr, "192.0.2.1"), ErrNotFound)
		}},
		{name: "bans are listed nicknames first, then networks, each in order", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.AddBan(Ban{Kind: BanCIDR, Target: "10.0.0.0/8"}))
			must(t, s.AddBan(Ban{Kind: BanNick, Target: "zed"}))
			must(t, s.AddBan(Ban{Kind: BanNick, Target: "amy"}))
			want := []string{"nick:amy", "nick:zed", "cidr:10.0.0.0/8"}
			if got := banTargets(t, s); !slices.Equal(got, want) {
				t.Fatalf("got %q, want %q", got, want)
			}
		}},
		{name: "a ban ends exactly at Expires, is not listed or removable after, and is purged", run: func(t *testing.T, s Store, clk *clock) {
			start := clk.now()
			must(t, s.AddBan(Ban{Kind: BanNick, Target: "short", Expires: start.Add(time.Minute)}))
			must(t, s.AddBan(Ban{Kind: BanNick, Target: "long", Expires: start.Add(time.Hour)}))
			must(t, s.AddBan(Ban{Kind: BanCIDR, Target: "10.0.0.0/8"}))
			clk.advance(time.Minute - time.Nanosecond)
			if got := banTargets(t, s); len(got) != 3 {
				t.Fatalf("a nanosecond before expiry: %q", got)
			}
			clk.advance(time.Nanosecond)
			if got, want := banTargets(t, s), []string{"nick:long", "cidr:10.0.0.0/8"}; !slices.Equal(got, want) {
				t.Fatalf("at expiry: %q, want %q", got, want)
			}
			clk.advance(2 * time.Hour)
			wantErr(t, s.RemoveBan(BanNick, "long"), ErrNotFound)
			clk.advance(-3 * time.Hour) // purged records do not come back
			if got, want := banTargets(t, s), []string{"cidr:10.0.0.0/8"}; !slices.Equal(got, want) {
				t.Fatalf("after purge, back in time: %q, want %q", got, want)
			}
		}},
		{name: "a given Created is kept and a zero one is the clock's", run: func(t *testing.T, s Store, clk *clock) {
			then := clk.now().Add(-time.Hour)
			must(t, s.AddBan(Ban{Kind: BanNick, Target: "a", Created: then}))
			must(t, s.AddBan(Ban{Kind: BanNick, Target: "b"}))
			bs, err := s.Bans()
			must(t, err)
			if !bs[0].Created.Equal(then) || !bs[1].Created.Equal(clk.now()) {
				t.Fatalf("got %+v", bs)
			}
		}},
	})
}

func TestMutes(t *testing.T) {
	runCases(t, []storeCase{
		{name: "a mute lists with its reason, setter and times", run: func(t *testing.T, s Store, clk *clock) {
			exp := clk.now().Add(10 * time.Minute)
			must(t, s.AddMute(Mute{Target: "loud", Reason: "caps", SetBy: "Op", Expires: exp}))
			ms, err := s.Mutes()
			must(t, err)
			if len(ms) != 1 || ms[0].Target != "loud" || ms[0].Reason != "caps" || ms[0].SetBy != "Op" ||
				!ms[0].Created.Equal(clk.now()) || !ms[0].Expires.Equal(exp) {
				t.Fatalf("got %+v", ms)
			}
		}},
		{name: "muting again replaces the mute", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.AddMute(Mute{Target: "loud", Reason: "one"}))
			must(t, s.AddMute(Mute{Target: "loud", Reason: "two"}))
			ms, err := s.Mutes()
			must(t, err)
			if len(ms) != 1 || ms[0].Reason != "two" {
				t.Fatalf("got %+v", ms)
			}
		}},
		{name: "RemoveMute lifts a mute once and then is ErrNotFound", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.AddMute(Mute{Target: "loud"}))
			must(t, s.RemoveMute("loud"))
			wantErr(t, s.RemoveMute("loud"), ErrNotFound)
			wantErr(t, s.RemoveMute(""), ErrNotFound)
		}},
		{name: "an empty target is ErrInvalid", run: func(t *testing.T, s Store, _ *clock) {
			wantErr(t, s.AddMute(Mute{}), ErrInvalid)
		}},
		{name: "an expired mute is not listed or removable and is purged", run: func(t *testing.T, s Store, clk *clock) {
			must(t, s.AddMute(Mute{Target: "a", Expires: clk.now().Add(time.Second)}))
			must(t, s.AddMute(Mute{Target: "b"}))
			must(t, s.AddMute(Mute{Target: "c", Expires: clk.now().Add(time.Second)}))
			clk.advance(time.Second)
			ms, err := s.Mutes()
			must(t, err)
			if len(ms) != 1 || ms[0].Target != "b" {
				t.Fatalf("got %+v", ms)
			}
			wantErr(t, s.RemoveMute("c"), ErrNotFound)
			clk.advance(-time.Hour)
			if ms, _ := s.Mutes(); len(ms) != 1 {
				t.Fatalf("purged mutes came back: %+v", ms)
			}
		}},
	})
}

func line(i int) HistoryLine {
	return HistoryLine{Kind: uint8(i % 2), FromNick: fmt.Sprint("n", i), FromID: fmt.Sprint(i), Text: fmt.Sprint("line ", i),
		Time: time.Date(2025, 1, 1, 0, 0, i, 0, time.UTC)}
}

func lines(from, to int) []HistoryLine {
	var out []HistoryLine
	for i := from; i < to; i++ {
		out = append(out, line(i))
	}
	return out
}

func wantLines(t *testing.T, got, want []HistoryLine) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d lines, want %d: %+v", len(got), len(want), got)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Kind != w.Kind || g.FromNick != w.FromNick || g.FromID != w.FromID || g.Text != w.Text || !g.Time.Equal(w.Time) {
			t.Fatalf("line %d is %+v, want %+v", i, g, w)
		}
	}
}

func TestHistory(t *testing.T) {
	runCases(t, []storeCase{
		{name: "lines come back oldest first, as written", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.AppendHistory(map[string][]HistoryLine{"#tea": lines(0, 3)}))
			must(t, s.AppendHistory(map[string][]HistoryLine{"#tea": lines(3, 5)}))
			h, err := s.History("#tea")
			must(t, err)
			wantLines(t, h, lines(0, 5))
		}},
		{name: "a room never written has no history", run: func(t *testing.T, s Store, _ *clock) {
			for _, room := range []string{"#none", ""} {
				h, err := s.History(room)
				must(t, err)
				wantLines(t, h, nil)
			}
			all, err := s.AllHistory()
			must(t, err)
			if all == nil || len(all) != 0 {
				t.Fatalf("AllHistory %v, want an empty map", all)
			}
		}},
		{name: "a dropped room has no history, and others keep theirs", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.AppendHistory(map[string][]HistoryLine{"#tea": lines(0, 3), "#cake": lines(0, 2)}))
			must(t, s.DropHistory("#tea", "#never"))
			h, err := s.History("#tea")
			must(t, err)
			wantLines(t, h, nil)
			h, err = s.History("#cake")
			must(t, err)
			wantLines(t, h, lines(0, 2))
			must(t, s.AppendHistory(map[string][]HistoryLine{"#tea": lines(5, 6)}))
			h, err = s.History("#tea")
			must(t, err)
			wantLines(t, h, lines(5, 6))
		}},
		{name: "a room keeps only its newest lines across batches", opts: []Option{WithHistoryMax(4)}, run: func(t *testing.T, s Store, _ *clock) {
			for i := 0; i < 10; i += 3 {
				must(t, s.AppendHistory(map[string][]HistoryLine{"#tea": lines(i, i+3)}))
			}
			h, err := s.History("#tea")
			must(t, err)
			wantLines(t, h, lines(8, 12))
		}},
		{name: "a batch longer than the maximum keeps its newest lines", opts: []Option{WithHistoryMax(3)}, run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.AppendHistory(map[string][]HistoryLine{"#tea": lines(0, 2)}))
			must(t, s.AppendHistory(map[string][]HistoryLine{"#tea": lines(2, 9)}))
			h, err := s.History("#tea")
			must(t, err)
			wantLines(t, h, lines(6, 9))
		}},
		{name: "a maximum of zero keeps nothing", opts: []Option{WithHistoryMax(0)}, run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.AppendHistory(map[string][]HistoryLine{"#tea": lines(0, 2)}))
			all, err := s.AllHistory()
			must(t, err)
			if len(all) != 0 {
				t.Fatalf("kept %v", all)
			}
		}},
		{name: "one batch writes several rooms, and AllHistory returns them all", run: func(t *testing.T, s Store, _ *clock) {
			must(t, s.AppendHistory(map[string][]HistoryLine{"#a": lines(0, 2), "#b": lines(2, 3), "#empty": nil}))
			all, err := s.AllHistory()
			must(t, err)
			if len(all) != 2 {
				t.Fatalf("rooms %v, want #a and #b", all)
			}
			wantLines(t, all["#a"], lines(0, 2))
			wantLines(t, all["#b"], lines(2, 3))
		}},
		{name: "an empty room name is ErrInvalid and writes nothing of the batch", run: func(t *testing.T, s Store, _ *clock) {
			wantErr(t, s.AppendHistory(map[string][]HistoryLine{"": lines(0, 1), "#ok": lines(0, 1)}), ErrInvalid)
			all, err := s.AllHistory()
			must(t, err)
			if len(all) != 0 {
				t.Fatalf("wrote %v", all)
			}
		}},
		{name: "empty fields, the zero time and any bytes round-trip", run: func(t *testing.T, s Store, _ *clock) {
			odd := []HistoryLine{
				{},
				{Kind: 255, FromNick: "中文", FromID: "node/42", Text: "\x00\xff\r\n", Time: time.Unix(0, 1)},
				{Text: string(make([]byte, 70000)), Time: time.Date(2200, 1, 1, 0, 0, 0, 5, time.UTC)},
			}
			must(t, s.AppendHistory(map[string][]HistoryLine{"#odd": odd}))
			h, err := s.History("#odd")
			must(t, err)
			wantLines(t, h, odd)
		}},
	})
}

func TestClosed(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			s := im.open(t)
			must(t, s.Register("a", "a", "H"))
			must(t, s.Close())
			t.Run("every method after Close fails with ErrClosed", func(t *testing.T) {
				_, err1 := s.Account("a")
				_, err2 := s.Accounts()
				_, err3 := s.Bans()
				_, err4 := s.Mutes()
				_, err5 := s.History("#a")
				_, err6 := s.AllHistory()
				for i, err := range []error{
					s.Register("b", "b", "H"), s.SetPassword("a", "H"), s.SetOperator("a", true), s.Unregister("a"),
					s.AddBan(Ban{Kind: BanNick, Target: "x"}), s.RemoveBan(BanNick, "x"),
					s.AddMute(Mute{Target: "x"}), s.RemoveMute("x"),
					s.AppendHistory(map[string][]HistoryLine{"#a": lines(0, 1)}),
					err1, err2, err3, err4, err5, err6,
				} {
					if !errors.Is(err, ErrClosed) {
						t.Errorf("call %d: error %v, want ErrClosed", i, err)
					}
				}
			})
			t.Run("closing twice is not an error", func(t *testing.T) {
				must(t, s.Close())
			})
		})
	}
}

func TestConcurrent(t *testing.T) {
	for _, im := range impls {
		t.Run(im.name, func(t *testing.T) {
			t.Run("of racing registrations of one key exactly one wins", func(t *testing.T) {
				s := im.open(t)
				const n = 8
				errs := make([]error, n)
				var wg sync.WaitGroup
				for i := range n {
					wg.Go(func() { errs[i] = s.Register("one", fmt.Sprint(i), "H") })
				}
				wg.Wait()
				won := 0
				for _, err := range errs {
					switch {
					case err == nil:
						won++
					case !errors.Is(err, ErrExists):
						t.Fatal(err)
					}
				}
				if won != 1 {
					t.Fatalf("%d registrations won", won)
				}
			})
			t.Run("writers and readers of every kind run side by side", func(t *testing.T) {
				s := im.open(t, WithHistoryMax(50))
				const workers, rounds = 4, 20
				var wg sync.WaitGroup
				for w := range workers {
					wg.Go(func() {
						for r := range rounds {
							key := fmt.Sprintf("u%d-%d", w, r)
							must(t, s.Register(key, key, "H"))
							must(t, s.SetOperator(key, true))
							must(t, s.AddBan(Ban{Kind: BanNick, Target: key}))
							must(t, s.AddMute(Mute{Target: key}))
							must(t, s.AppendHistory(map[string][]HistoryLine{"#shared": {line(r)}, key: {line(r)}}))
							if _, err := s.Bans(); err != nil {
								t.Error(err)
							}
							if _, err := s.AllHistory(); err != nil {
								t.Error(err)
							}
						}
					})
				}
				wg.Wait()
				as, err := s.Accounts()
				must(t, err)
				bs, err := s.Bans()
				must(t, err)
				h, err := s.History("#shared")
				must(t, err)
				if len(as) != workers*rounds || len(bs) != workers*rounds || len(h) != 50 {
					t.Fatalf("%d accounts, %d bans, %d shared lines", len(as), len(bs), len(h))
				}
			})
		})
	}
}

func TestOpen(t *testing.T) {
	t.Run("an empty path is a memory store that writes no file", func(t *testing.T) {
		dir := t.TempDir()
		t.Chdir(dir)
		s, err := Open("")
		must(t, err)
		if _, ok := s.(*Memory); !ok {
			t.Fatalf("Open(\"\") is a %T", s)
		}
		must(t, s.Register("a", "a", "H"))
		must(t, s.Close())
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Fatalf("wrote %v", ents)
		}
	})
	t.Run("a path is a bbolt file, created with owner-only permissions", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "teahouse.db")
		s, err := Open(path)
		must(t, err)
		if _, ok := s.(*Bolt); !ok {
			t.Fatalf("Open(path) is a %T", s)
		}
		must(t, s.Close())
		fi, err := os.Stat(path)
		must(t, err)
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("mode %v", fi.Mode())
		}
	})
}
