package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestCoalesceTimer checks the reactor's half of -coalesce: the one timer
// that writes held output when its window ends. The rule itself is pinned
// with an injected clock in package session.
func TestCoalesceTimer(t *testing.T) {
	const window = 300 * time.Millisecond
	s := startServer(t, func(o *Options) { o.Coalesce = window; o.Rate = 0 })
	ann := login(t, s.addr, "ann")
	bob := login(t, s.addr, "bob")
	ann.expect("*** bob joined #lobby")
	time.Sleep(window) // both quiet again

	sent := time.Now() // bob's window begins after this, when "one" is written to him
	ann.send("one")
	bob.expect("ann: one")
	ann.send("two") // bob was written just now: this waits for his window
	bob.expect("ann: two")
	if took := time.Since(sent); took < window {
		t.Errorf("the second line came %v after the first was sent, want it held to the end of the %v window", took, window)
	}

	t.Run("shutdown writes held output before closing", func(t *testing.T) {
		ann.send("three")
		bob.expect("ann: three")
		ann.send("four") // held for bob
		ann.barrier()    // the server has read "four" before it shuts down
		s.stop(t)
		lines := bob.expectEOF()
		if joined := strings.Join(lines, "\n"); !strings.Contains(joined, "ann: four") || !strings.Contains(joined, "server shutting down") {
			t.Errorf("bob got %q at shutdown, want the held line and the notice", lines)
		}
	})
}

func TestCoalesceFlag(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		ok          bool
	}{
		{"zero turns coalescing off", "0", true},
		{"a few milliseconds is accepted", "2ms", true},
		{"a negative window is refused", "-1ms", false},
		{"a window over a second is refused", "2s", false},
		{"a number without a unit is refused", "5", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags([]string{"-coalesce", tc.value}, nil)
			if (err == nil) != tc.ok {
				t.Errorf("-coalesce %s: err %v", tc.value, err)
			}
		})
	}
}

func TestCrowdFlag(t *testing.T) {
	for _, tc := range []struct {
		name, value string
		ok          bool
	}{
		{"zero announces every join and leave", "0", true},
		{"a room size is accepted", "200", true},
		{"a negative size is refused", "-1", false},
		{"a word is refused", "many", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags([]string{"-crowd", tc.value}, nil)
			if (err == nil) != tc.ok {
				t.Errorf("-crowd %s: err %v", tc.value, err)
			}
		})
	}
}

// TestCrowdSummary checks the reactor's half of -crowd: the summary of a
// crowded room's joins and leaves comes with the next tick.
func TestCrowdSummary(t *testing.T) {
	s := startServer(t, func(o *Options) { o.Crowd = 2 })
	ann := login(t, s.addr, "ann")
	login(t, s.addr, "bob")
	ann.expect("*** bob joined #lobby")
	cy := login(t, s.addr, "cy") // past the limit: cy hears its own join, the room the tick's summary
	login(t, s.addr, "dee")
	cy.send("/quit")
	cy.expectEOF()
	// A tick may fall between any two of these, so the news may come in
	// one summary or several; never as a line per person.
	var got []string
	for {
		before, last := ann.waitLine("a summary", func(l string) bool { return strings.HasPrefix(l, "*** ") })
		got = append(append(got, before...), last)
		if strings.HasSuffix(last, "cy left") || strings.HasSuffix(last, "left #lobby: cy") {
			break
		}
	}
	joined := 0
	for _, l := range got {
		var n int
		if _, err := fmt.Sscanf(l, "*** %d joined", &n); err == nil {
			joined += n
		} else if !strings.Contains(l, " left #lobby: cy") {
			t.Errorf("ann got %q, not a summary", l)
		}
	}
	if joined != 2 {
		t.Errorf("the summaries %q count %d joins, want 2", got, joined)
	}
}
