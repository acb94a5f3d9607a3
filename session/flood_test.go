package session

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// packet joins lines into one packet, each ended by CRLF.
func packet(lines ...string) []byte {
	return []byte(strings.Join(lines, "\r\n") + "\r\n")
}

// numbered returns "prefix1" .. "prefixN".
func numbered(prefix string, from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprintf("%s%d", prefix, i))
	}
	return out
}

// said returns the lines as bob reads alice's chat.
func said(lines []string) []string {
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = "alice: " + l
	}
	return out
}

// floodHarness logs in alice and bob and lets alice's bucket fill up again
// after her login line, so she starts with a full burst.
func floodHarness(t *testing.T, mod ...func(*Config)) (h *harness, alice, bob *user) {
	t.Helper()
	h = newHarness(t, mod...)
	us := h.logins("alice", "bob")
	h.clock.advance(10 * time.Second)
	return h, us[0], us[1]
}

// TestFlood checks the token bucket: the burst passes, the rest is dropped,
// and the sender gets one notice per run of drops when the next line is
// admitted.
func TestFlood(t *testing.T) {
	t.Run("a burst of 20 passes and the rest is dropped", func(t *testing.T) {
		h, alice, bob := floodHarness(t)
		alice.sendBytes(packet(numbered("l", 1, 25)...))
		expectLines(t, "bob", bob.got(), said(numbered("l", 1, 20)))
		expectLines(t, "alice (no notice until a line gets through)", alice.got(), nil)
		if got := h.table.Stats().DropsFlood.Load(); got != 5 {
			t.Errorf("DropsFlood %d, want 5", got)
		}
	})
	t.Run("the next admitted line is preceded by one notice naming the drops", func(t *testing.T) {
		h, alice, bob := floodHarness(t)
		alice.sendBytes(packet(numbered("l", 1, 25)...))
		drain(bob)
		h.clock.advance(100 * time.Millisecond)
		alice.send("after")
		expectLines(t, "alice", alice.got(), []string{
			`-> flood limit (10 lines/s): 5 lines were not delivered, from "l21" to "l25"`,
		})
		expectLines(t, "bob", bob.got(), []string{"alice: after"})
		h.clock.advance(time.Second)
		alice.send("later")
		expectLines(t, "alice (the notice is not repeated)", alice.got(), nil)
	})
	t.Run("lines sent before the bucket refills are dropped into the same notice", func(t *testing.T) {
		h, alice, bob := floodHarness(t)
		alice.sendBytes(packet(numbered("l", 1, 21)...))
		h.clock.advance(50 * time.Millisecond)
		alice.send("still too soon")
		h.clock.advance(50 * time.Millisecond)
		alice.send("now")
		expectLines(t, "alice", alice.got(), []string{
			`-> flood limit (10 lines/s): 2 lines were not delivered, from "l21" to "still too soon"`,
		})
		expectLines(t, "bob", bob.got(), append(said(numbered("l", 1, 20)), "alice: now"))
	})
	t.Run("a single dropped line is quoted alone", func(t *testing.T) {
		h, alice, _ := floodHarness(t)
		alice.sendBytes(packet(numbered("l", 1, 21)...))
		h.clock.advance(time.Second)
		expectLines(t, "alice", alice.says("ok"), []string{
			`-> flood limit (10 lines/s): 1 line was not delivered: "l21"`,
		})
	})
	t.Run("a long dropped line is shortened in the notice", func(t *testing.T) {
		h, alice, _ := floodHarness(t)
		long := strings.Repeat("茶", 50)
		alice.sendBytes(packet(append(numbered("l", 1, 20), long)...))
		h.clock.advance(time.Second)
		expectLines(t, "alice", alice.says("ok"), []string{
			`-> flood limit (10 lines/s): 1 line was not delivered: "` + strings.Repeat("茶", 40) + `…"`,
		})
	})
	t.Run("each burst gets its own notice", func(t *testing.T) {
		h, alice, _ := floodHarness(t)
		alice.sendBytes(packet(numbered("a", 1, 22)...))
		h.clock.advance(time.Second) // 10 tokens back
		alice.sendBytes(packet(numbered("b", 1, 13)...))
		h.clock.advance(time.Second)
		alice.send("done")
		expectLines(t, "alice", alice.got(), []string{
			`-> flood limit (10 lines/s): 2 lines were not delivered, from "a21" to "a22"`,
			`-> flood limit (10 lines/s): 3 lines were not delivered, from "b11" to "b13"`,
		})
	})
	t.Run("commands over the limit are not run", func(t *testing.T) {
		h, alice, _ := floodHarness(t)
		alice.sendBytes(packet(append(numbered("l", 1, 20), "/nick flooder")...))
		if alice.s.Nick() != "alice" {
			t.Errorf("a dropped /nick renamed alice to %q", alice.s.Nick())
		}
		h.clock.advance(time.Second)
		expectLines(t, "alice", alice.says("/look"), []string{
			`-> flood limit (10 lines/s): 1 line was not delivered: "/nick flooder"`,
			"-> 2 in #lobby: alice, bob",
		})
	})
	t.Run("the rate and burst come from the config", func(t *testing.T) {
		h, alice, bob := floodHarness(t, func(c *Config) { c.Rate = 2; c.Burst = 3 })
		alice.sendBytes(packet(numbered("l", 1, 5)...))
		expectLines(t, "bob", bob.got(), said(numbered("l", 1, 3)))
		h.clock.advance(499 * time.Millisecond)
		alice.send("too soon")
		h.clock.advance(time.Millisecond)
		expectLines(t, "alice", alice.says("ok"), []string{
			`-> flood limit (2 lines/s): 3 lines were not delivered, from "l4" to "too soon"`,
		})
		expectLines(t, "bob", bob.got(), []string{"alice: ok"})
	})
}

// TestFloodNoticeOnTick checks that a flooder who goes quiet still hears
// about the drops, from Tick, once the bucket has a token again.
func TestFloodNoticeOnTick(t *testing.T) {
	h, alice, bob := floodHarness(t)
	alice.sendBytes(packet(numbered("l", 1, 24)...))
	drain(bob)
	h.clock.advance(50 * time.Millisecond)
	h.table.Tick()
	expectLines(t, "alice before a token is back", alice.got(), nil)
	h.clock.advance(50 * time.Millisecond)
	h.table.Tick()
	expectLines(t, "alice once a token is back", alice.got(), []string{
		`-> flood limit (10 lines/s): 4 lines were not delivered, from "l21" to "l24"`,
	})
	h.clock.advance(time.Second)
	h.table.Tick()
	alice.send("hello")
	expectLines(t, "alice afterwards", alice.got(), nil)
	expectLines(t, "bob", bob.got(), []string{"alice: hello"})
}

// TestQuitWorksWhileFlooding checks that leaving is never rate limited.
func TestQuitWorksWhileFlooding(t *testing.T) {
	for _, quit := range []string{"/quit", "/QUIT bye", "/exit", "/logout", "logout"} {
		t.Run(quit+" works with an empty bucket", func(t *testing.T) {
			_, alice, bob := floodHarness(t)
			alice.sendBytes(packet(append(numbered("l", 1, 30), quit)...))
			if alice.s.state != stateClosed || alice.conn.closed != ReasonQuit {
				t.Fatalf("after %q while flooding: phase %d, closed %v", quit, alice.s.state, alice.conn.closed)
			}
			got := bob.got()
			if len(got) != 21 || !strings.HasPrefix(got[20], "*** alice left #lobby (") {
				t.Errorf("bob got %d lines ending %q, want 20 lines and the leave", len(got), got[len(got)-1])
			}
		})
	}
	t.Run("a chat line that starts with logout is still limited", func(t *testing.T) {
		_, alice, bob := floodHarness(t)
		alice.sendBytes(packet(append(numbered("l", 1, 20), "/say logout")...))
		expectLines(t, "bob", bob.got(), said(numbered("l", 1, 20)))
		if alice.s.state != stateChat {
			t.Errorf("alice left: phase %d", alice.s.state)
		}
	})
}

// TestFloodOff checks that Rate 0 turns the limit off.
func TestFloodOff(t *testing.T) {
	h, alice, bob := floodHarness(t, func(c *Config) { c.Rate = 0 })
	lines := numbered("l", 1, 200)
	alice.sendBytes(packet(lines...))
	expectLines(t, "bob", bob.got(), said(lines))
	h.table.Tick()
	expectLines(t, "alice", alice.got(), nil)
	if got := h.table.Stats().DropsFlood.Load(); got != 0 {
		t.Errorf("DropsFlood %d, want 0", got)
	}
}

// TestQuote checks where a flood notice cuts a long line: after 40
// user-perceived characters, never inside one.
func TestQuote(t *testing.T) {
	a39 := strings.Repeat("a", 39)
	tests := []struct{ name, in, want string }{
		{"a short line is quoted whole", "hello", `"hello"`},
		{"an empty line is quoted empty", "", `""`},
		{"forty ASCII characters are quoted whole", strings.Repeat("a", 40), `"` + strings.Repeat("a", 40) + `"`},
		{"forty-one ASCII characters are cut to forty", strings.Repeat("a", 41), `"` + strings.Repeat("a", 40) + `…"`},
		{"CJK is cut after forty characters", strings.Repeat("茶", 50), `"` + strings.Repeat("茶", 40) + `…"`},
		{"a ZWJ family as the fortieth character is kept whole",
			a39 + "\U0001F468\u200D\U0001F469\u200D\U0001F467" + "xyz",
			`"` + a39 + "\U0001F468\u200D\U0001F469\u200D\U0001F467" + `…"`},
		{"a ZWJ family after the fortieth character is left out whole",
			a39 + "b" + "\U0001F468\u200D\U0001F469\u200D\U0001F467",
			`"` + a39 + `b…"`},
		{"a flag as the fortieth character keeps both regional indicators",
			a39 + "\U0001F1EB\U0001F1F7" + "x",
			`"` + a39 + "\U0001F1EB\U0001F1F7" + `…"`},
		{"a line of flags is cut between flags",
			strings.Repeat("\U0001F1EB\U0001F1F7", 41),
			`"` + strings.Repeat("\U0001F1EB\U0001F1F7", 40) + `…"`},
		{"a skin tone stays with its emoji",
			a39 + "\U0001F44D\U0001F3FD" + "x",
			`"` + a39 + "\U0001F44D\U0001F3FD" + `…"`},
		{"a letter keeps its combining marks",
			a39 + "q\u0301\u0323" + "x",
			`"` + a39 + "q\u0301\u0323" + `…"`},
		{"a keycap sequence is kept whole",
			a39 + "1\uFE0F\u20E3" + "x",
			`"` + a39 + "1\uFE0F\u20E3" + `…"`},
		{"a flag tag sequence is kept whole",
			a39 + "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F" + "x",
			`"` + a39 + "\U0001F3F4\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F" + `…"`},
		{"a Hangul syllable from jamo is one character",
			a39 + "\u1100\u1161\u11A8" + "x",
			`"` + a39 + "\u1100\u1161\u11A8" + `…"`},
		{"forty clusters with marks are not cut at all",
			strings.Repeat("q\u0301", 40),
			`"` + strings.Repeat("q\u0301", 40) + `"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := quote(tt.in); got != tt.want {
				t.Errorf("quote(%+q)\n got %+q\nwant %+q", tt.in, got, tt.want)
			}
		})
	}
}
