package session

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"
)

// opHarness has an operator "op" (registered, from -opers, at 127.0.0.1)
// and the users named, each from 192.0.2.N (N from 2 in order), all in the
// lobby with their output drained.
func opHarness(t *testing.T, nicks ...string) (*harness, *fakeStore, *user, []*user, *[]AuditEvent) {
	t.Helper()
	h, fs, audit := storeHarness(t, Saved{}, "op")
	op := h.registered(fs, "127.0.0.1:1000", "op", "op-password")
	us := make([]*user, len(nicks))
	for i, n := range nicks {
		us[i] = h.loginFrom("192.0.2."+string(rune('2'+i))+":2000", n)
	}
	drain(append(us, op)...)
	*audit = nil
	return h, fs, op, us, audit
}

// TestOperatorCommandsNeedAnOperator checks the requirement and /help.
func TestOperatorCommandsNeedAnOperator(t *testing.T) {
	h, _, op, us, _ := opHarness(t, "bob")
	bob := us[0]
	for _, line := range []string{"/kick op", "/ban op", "/unban op", "/bans", "/mute op", "/unmute op", "/op bob", "/deop op", "/wall hi"} {
		name := strings.Fields(line)[0]
		t.Run(name+" is refused to a user who is not an operator", func(t *testing.T) {
			expectLines(t, "bob", bob.says(line), []string{"-> only operators can do that: " + name})
		})
	}
	t.Run("help lists the operator commands only to operators", func(t *testing.T) {
		has := func(lines []string) bool {
			return slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, "->   /kick ") })
		}
		if has(bob.says("/help")) {
			t.Error("bob's /help lists /kick")
		}
		if !has(op.says("/help")) {
			t.Error("the operator's /help does not list /kick")
		}
	})
	_ = h
}

// TestKick checks /kick: the user is told, disconnected, and the room
// reads who did it and why, as the operator's words.
func TestKick(t *testing.T) {
	tests := []struct {
		name, line  string
		zed, room   []string
		disconnects bool
	}{
		{"kick with a reason", "/kick zed flooding the room",
			[]string{`-> you were kicked by op: "flooding the room"`}, []string{`*** zed left #lobby (kicked by op: "flooding the room")`}, true},
		{"kick without a reason", "/kick ZED",
			[]string{"-> you were kicked by op"}, []string{"*** zed left #lobby (kicked by op)"}, true},
		{"a reason that reads like the server's is quoted", "/kick zed idle timeout",
			[]string{`-> you were kicked by op: "idle timeout"`}, []string{`*** zed left #lobby (kicked by op: "idle timeout")`}, true},
		{"kicking nobody says so", "/kick nobody", nil, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, op, us, audit := opHarness(t, "zed", "bob")
			zed, bob := us[0], us[1]
			op.send(tt.line)
			expectLines(t, "zed", zed.got(), tt.zed)
			expectLines(t, "bob", bob.got(), tt.room)
			if got := zed.conn.closed == ReasonKicked; got != tt.disconnects {
				t.Errorf("zed closed for %v", zed.conn.closed)
			}
			if tt.disconnects && (len(*audit) != 1 || (*audit)[0].Action != "kick" || (*audit)[0].Target != "zed") {
				t.Errorf("audit %+v", *audit)
			}
		})
	}
}

// TestBan checks /ban of a nickname (and its address) and of addresses
// and ranges, /bans and /unban, and expiry.
func TestBan(t *testing.T) {
	t.Run("a nickname ban bars the name and the address it used", func(t *testing.T) {
		h, fs, op, us, _ := opHarness(t, "troll", "bob")
		troll, bob := us[0], us[1]
		op.send("/ban troll 2h spam")
		expectLines(t, "the operator before the store answers", op.got(), nil)
		fs.settle()
		expectLines(t, "op", op.got(), []string{"-> banned troll until 2026-11-21 17:04 (in 2h0m0s)", `*** troll left #lobby (banned by op: "spam")`})
		expectLines(t, "troll", troll.got(), []string{`-> you were banned by op: "spam"`})
		expectLines(t, "bob", bob.got(), []string{`*** troll left #lobby (banned by op: "spam")`})
		if len(fs.bans) != 2 {
			t.Fatalf("stored bans %+v, want the nickname and the address", fs.bans)
		}
		u := h.connectFrom("198.51.100.1:1")
		expectLines(t, "a newcomer called troll", u.says("TROLL"), []string{`-> TROLL is banned until 2026-11-21 17:04 (in 2h0m0s)`})
		if _, banned := h.table.AddrBan(netip.MustParseAddr("192.0.2.2")); !banned {
			t.Error("troll's address is not banned")
		}
		h.clock.advance(2 * time.Hour)
		expectLines(t, "the newcomer after the ban ended", u.says("troll"), []string{"-> hello troll! /help lists the commands", "*** troll joined #lobby"})
		if _, banned := h.table.AddrBan(netip.MustParseAddr("192.0.2.2")); banned {
			t.Error("the address is still banned after the ban ended")
		}
	})
	t.Run("a range ban disconnects everyone in it", func(t *testing.T) {
		h, fs, op, us, _ := opHarness(t, "a", "b")
		op.send("/ban 192.0.2.0/24 for good")
		fs.settle()
		expectLines(t, "op", op.got()[:1], []string{"-> banned 192.0.2.0/24 for good"})
		for _, u := range us {
			if u.conn.closed != ReasonBanned {
				t.Errorf("%s closed for %v", u.s.nick, u.conn.closed)
			}
		}
		for addr, want := range map[string]bool{"192.0.2.200": true, "::ffff:192.0.2.9": true, "192.0.3.1": false} {
			if _, got := h.table.AddrBan(netip.MustParseAddr(addr)); got != want {
				t.Errorf("AddrBan(%s) = %v, want %v", addr, got, want)
			}
		}
		if !strings.HasPrefix(BanNotice(h.table.bans[0], h.clock.now()), "you are banned from this server for good") {
			t.Errorf("notice %q", BanNotice(h.table.bans[0], h.clock.now()))
		}
	})
	t.Run("an IPv6 address is banned alone", func(t *testing.T) {
		h, fs, op, _, _ := opHarness(t)
		op.send("/ban 2001:db8::7 30m")
		fs.settle()
		expectLines(t, "op", op.got(), []string{"-> banned 2001:db8::7 until 2026-11-21 15:34 (in 30m0s)"})
		if _, got := h.table.AddrBan(netip.MustParseAddr("2001:db8::8")); got {
			t.Error("the neighbour address is banned too")
		}
	})
	t.Run("an operator cannot ban their own address", func(t *testing.T) {
		_, _, op, _, _ := opHarness(t)
		expectLines(t, "op", op.says("/ban 127.0.0.0/8"), []string{"-> that is you: that would ban your own address 127.0.0.0/8"})
	})
	t.Run("bans lists, unban lifts", func(t *testing.T) {
		h, fs, op, _, _ := opHarness(t, "troll")
		op.send("/ban troll 1d rude")
		fs.settle()
		drain(op)
		expectLines(t, "op", op.says("/bans"), []string{
			"-> 2 bans:",
			`->   troll (nickname), set by op until 2026-11-22 15:04 (in 24h0m0s): "rude"`,
			`->   192.0.2.2 (address), set by op until 2026-11-22 15:04 (in 24h0m0s): "rude"`,
		})
		op.send("/unban troll")
		fs.settle()
		expectLines(t, "op", op.got(), []string{"-> unbanned troll"})
		expectLines(t, "op", op.says("/unban troll"), []string{"-> troll is not banned"})
		u := h.connectFrom("198.51.100.1:1")
		expectLines(t, "troll again", u.says("troll"), []string{"-> hello troll! /help lists the commands", "*** troll joined #lobby"})
	})
	t.Run("a target that is no name, address or range is refused", func(t *testing.T) {
		_, _, op, _, _ := opHarness(t)
		expectLines(t, "op", op.says("/ban 300.1.1.1/99"), []string{"-> 300.1.1.1/99 is neither a nickname, an address nor a CIDR range"})
	})
}

// TestMute checks /mute: chat, emotes and private messages of the muted
// user reach nobody, they are told once, and the mute ends.
func TestMute(t *testing.T) {
	h, fs, op, us, _ := opHarness(t, "bob", "carol")
	bob, carol := us[0], us[1]
	op.send("/mute bob 10m")
	fs.settle()
	expectLines(t, "op", op.got(), []string{"-> muted bob until 2026-11-21 15:14 (in 10m0s)"})
	expectLines(t, "bob", bob.got(), []string{"-> you are muted until 2026-11-21 15:14 (in 10m0s): nobody sees your chat, emotes or private messages"})
	for _, line := range []string{"hello?", "/me waves", "/msg carol hi", "@carol hi"} {
		expectLines(t, "bob after "+line, bob.says(line), nil)
	}
	expectLines(t, "carol", carol.got(), nil)
	h.clock.advance(10 * time.Minute)
	bob.send("back")
	expectLines(t, "carol after the mute", carol.got(), []string{"bob: back"})

	op.send("/mute carol")
	fs.settle()
	drain(op, carol)
	op.send("/unmute carol")
	fs.settle()
	expectLines(t, "op", op.got(), []string{"-> unmuted carol"})
	expectLines(t, "carol", carol.got(), []string{"-> you are no longer muted"})
	expectLines(t, "op", op.says("/unmute carol"), []string{"-> carol is not muted"})
}

// TestOpAndDeop checks operator rights given and taken back.
func TestOpAndDeop(t *testing.T) {
	h, fs, op, us, _ := opHarness(t, "bob")
	bob := us[0]
	expectLines(t, "op", op.says("/op bob"), []string{"-> bob is not registered: only registered nicknames can be operators"})
	bob.send("/register bob-password")
	fs.settle()
	drain(bob)
	op.send("/op bob")
	fs.settle()
	expectLines(t, "op", op.got(), []string{"-> op bob: done"})
	expectLines(t, "bob", bob.got(), []string{"-> you are now an operator (/help lists the operator commands)"})
	expectLines(t, "bob, now an operator", bob.says("/wall tea is served"), []string{"*** announcement from bob: tea is served"})
	expectLines(t, "op", op.got(), []string{"*** announcement from bob: tea is served"})
	expectLines(t, "bob", bob.says("/deop op"), []string{"-> op is an operator by the server's -opers flag, which only the server's owner can change"})
	op.send("/deop bob")
	fs.settle()
	expectLines(t, "bob", bob.got(), []string{"-> you are no longer an operator"})
	expectLines(t, "bob", bob.says("/wall again"), []string{"-> only operators can do that: /wall"})
	if fs.accounts["bob"].Operator {
		t.Error("the store still has bob as an operator")
	}
	_ = h
}

// TestWallReachesEveryone checks /wall: every logged-in user in any room,
// nobody still logging in.
func TestWallReachesEveryone(t *testing.T) {
	h, _, op, us, _ := opHarness(t, "bob", "carol")
	us[1].send("/join tea")
	newcomer := h.connectFrom("198.51.100.1:1")
	drain(append(us, op)...)
	op.send("/wall restart at six")
	want := []string{"*** announcement from op: restart at six"}
	expectLines(t, "op", op.got(), want)
	expectLines(t, "bob in the lobby", us[0].got(), want)
	expectLines(t, "carol in #tea", us[1].got(), want)
	expectLines(t, "the newcomer logging in", newcomer.got(), nil)
}

// TestHistoryIsStored checks what the Store is asked to keep: room talk,
// and the end of a room that empties; and that stored history is replayed
// by a new Table.
func TestHistoryIsStored(t *testing.T) {
	h, fs, _ := storeHarness(t, Saved{})
	us := h.logins("alice", "bob")
	us[0].send("/join tea")
	us[0].send("hello tea")
	us[1].send("hello lobby")
	if got := fs.history["tea"]; len(got) != 1 || got[0].Text != "hello tea" || got[0].FromID != us[0].s.id {
		t.Errorf("stored #tea %+v", got)
	}
	us[0].send("/part")
	if !slices.Contains(fs.dropped, "tea") {
		t.Errorf("the emptied #tea was not dropped: %q", fs.dropped)
	}

	h2, _, _ := storeHarness(t, Saved{History: map[string][]Message{"lobby": fs.history["lobby"]}})
	u := h2.connect()
	expectLines(t, "a user after a restart", u.says("carol"), []string{
		"-> hello carol! /help lists the commands", "bob: hello lobby", "*** carol joined #lobby"})
}

// TestModerationCannotBeDodged checks the ways round a mute or a ban that
// a fresh-user trial found, and that the server owner cannot be locked out.
func TestModerationCannotBeDodged(t *testing.T) {
	t.Run("a muted user cannot rename out of the mute", func(t *testing.T) {
		_, fs, op, us, _ := opHarness(t, "mm", "bob")
		mm, bob := us[0], us[1]
		op.send("/mute mm 10m")
		fs.settle()
		drain(mm, op)
		expectLines(t, "mm", mm.says("/nick mm2"), []string{"-> you are muted, so your nickname stays mm"})
		mm.send("renamed talk")
		expectLines(t, "bob", bob.got(), nil)
	})
	t.Run("a muted user who comes back under another name is still muted", func(t *testing.T) {
		h, fs, op, us, _ := opHarness(t, "mutey", "bob")
		mutey, bob := us[0], us[1]
		op.send("/mute mutey")
		fs.settle()
		mutey.send("/quit")
		drain(bob, op)
		free := h.loginFrom(mutey.s.remote, "freebird")
		drain(bob, op)
		free.send("escaped?")
		expectLines(t, "bob", bob.got(), nil)
		op.send("/unmute mutey")
		fs.settle()
		drain(op)
		free.send("back")
		expectLines(t, "bob after the unmute", bob.got(), []string{"freebird: back"})
		if len(fs.mutes) != 0 {
			t.Errorf("stored mutes left: %v", fs.mutes)
		}
	})
	t.Run("unmute of an address lifts that address alone", func(t *testing.T) {
		h, fs, op, us, _ := opHarness(t, "mutey", "bob")
		mutey, bob := us[0], us[1]
		op.send("/mute mutey")
		fs.settle()
		addr := addrOrZero(mutey.s.remote).String()
		op.send("/unmute " + addr)
		fs.settle()
		expectLines(t, "op", op.got(), []string{"-> muted mutey for good", "-> unmuted " + addr})
		drain(bob)
		mutey.send("still muted by name")
		expectLines(t, "bob", bob.got(), nil)
		other := h.loginFrom(mutey.s.remote, "other")
		drain(bob)
		other.send("the address is free")
		expectLines(t, "bob", bob.got(), []string{"other: the address is free"})
	})
	t.Run("a banned nickname cannot be taken with /nick", func(t *testing.T) {
		_, fs, op, us, _ := opHarness(t, "nb2")
		op.send("/ban x")
		fs.settle()
		expectLines(t, "nb2", us[0].says("/nick X"), []string{"-> X is banned for good"})
	})
	for _, line := range []string{"/kick op", "/ban op", "/mute op", "/ban 127.0.0.1"} {
		t.Run(line+" by another operator is refused: op is the server owner's", func(t *testing.T) {
			h, fs, op, us, _ := opHarness(t, "erin")
			erin := us[0]
			erin.send("/register erin-password")
			fs.settle()
			op.send("/op erin")
			fs.settle()
			drain(erin, op)
			got := erin.says(line)
			if len(got) != 1 || !strings.Contains(got[0], "-opers flag") {
				t.Errorf("erin got %q", got)
			}
			if op.conn.closed != ReasonNone {
				t.Errorf("op was closed: %v", op.conn.closed)
			}
			_ = h
		})
	}
	for _, dur := range []string{"5x", "0s", "-5m", "9999999999d", "99999999999h"} {
		t.Run("a bad duration "+dur+" is refused, not taken for a permanent ban", func(t *testing.T) {
			_, fs, op, _, _ := opHarness(t)
			got := op.says("/ban dave " + dur + " for spam")
			fs.settle()
			if len(got) != 1 || !strings.Contains(got[0], "is not a duration") || len(fs.bans) != 0 {
				t.Errorf("got %q, stored %v", got, fs.bans)
			}
		})
	}
	t.Run("another operator cannot ban the server's own machine while its owner is away", func(t *testing.T) {
		_, fs, op, us, _ := opHarness(t, "opal")
		opal := us[0]
		opal.send("/register opal-password")
		fs.settle()
		op.send("/op opal")
		fs.settle()
		op.send("/quit")
		drain(opal)
		for _, target := range []string{"127.0.0.1", "127.0.0.0/8", "127.0.0.0/16", "::1", "::/0"} {
			got := opal.says("/ban " + target + " 1h")
			fs.settle()
			if len(got) != 1 || !strings.Contains(got[0], "covers the server's own machine") {
				t.Errorf("/ban %s: %q", target, got)
			}
		}
		if len(fs.bans) != 0 {
			t.Errorf("stored %v", fs.bans)
		}
	})
	t.Run("an IPv4-mapped IPv6 range bans the IPv4 range it maps", func(t *testing.T) {
		h, fs, op, _, _ := opHarness(t)
		op.send("/ban ::ffff:198.51.100.0/120")
		fs.settle()
		if _, banned := h.table.AddrBan(netip.MustParseAddr("198.51.100.7")); !banned {
			t.Errorf("198.51.100.7 is not banned: %q", op.got())
		}
	})
	t.Run("an address that does not parse is not taken for a nickname", func(t *testing.T) {
		_, _, op, _, _ := opHarness(t)
		expectLines(t, "op", op.says("/ban 127.0.0.300"), []string{"-> 127.0.0.300 is neither a nickname, an address nor a CIDR range"})
	})
	t.Run("operator commands are not explained to others", func(t *testing.T) {
		_, _, op, us, _ := opHarness(t, "bob")
		expectLines(t, "bob", us[0].says("/help kick"), []string{"-> unknown command: /kick (try /help)"})
		if got := op.says("/help kick"); len(got) != 1 || !strings.HasPrefix(got[0], "-> /kick NICK [reason]") {
			t.Errorf("op got %q", got)
		}
	})
}

// TestOwnerTakesTheirNameBack checks that a registered nickname held by
// another connection (a stale one) is its owner's with the password: the
// other connection ends.
func TestOwnerTakesTheirNameBack(t *testing.T) {
	h, fs, _ := storeHarness(t, Saved{Accounts: []Account{{Key: "alice", Display: "alice"}}})
	fs.passwords["alice"] = "secret12"
	stale := h.connect()
	stale.send("/login alice secret12")
	fs.settle()
	bob := h.logins("bob")[0]
	drain(stale)
	fresh := h.connect()
	fresh.send("alice")
	expectLines(t, "the owner", fresh.got(), []string{askLogin})
	fresh.send("secret12")
	fs.settle()
	expectLines(t, "the owner", fresh.got(), []string{helloAlice, aliceJoined})
	expectLines(t, "the stale connection", stale.got(), []string{"-> you logged in as alice from somewhere else: this connection ends"})
	if stale.conn.closed != ReasonReplaced {
		t.Errorf("stale closed for %v", stale.conn.closed)
	}
	expectLines(t, "bob", bob.got(), []string{"*** alice left #lobby (logged in again elsewhere)", aliceJoined})
	t.Run("a wrong password does not take it", func(t *testing.T) {
		u := h.connect()
		u.send("alice")
		u.send("wrong123")
		fs.settle()
		if fresh.conn.closed != ReasonNone {
			t.Error("the owner's connection was closed by a wrong password")
		}
	})
}
