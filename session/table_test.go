package session

import (
	"strings"
	"testing"
	"time"

	"teahouse/session/wire"
)

// TestSlowReader checks the output cap: a session whose unsent output
// passes MaxOut after a flush is dropped, and nobody else is slowed.
func TestSlowReader(t *testing.T) {
	tests := []struct {
		name     string
		maxOut   int
		buffered int
		dropped  bool
	}{
		{"a reader over the cap is dropped as too slow", 100, 101, true},
		{"a reader exactly at the cap stays", 100, 100, false},
		{"a cap of zero never drops anyone", 0, 1 << 30, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.MaxOut = tt.maxOut })
			us := h.logins("alice", "bob", "carol")
			alice, bob, carol := us[0], us[1], us[2]
			bob.conn.buffered = tt.buffered
			alice.send("hi")
			expectLines(t, "bob", bob.got(), []string{"alice: hi"})
			var leave []string
			if tt.dropped {
				leave = []string{"*** bob left #lobby (too slow)"}
			}
			expectLines(t, "alice", alice.got(), leave)
			expectLines(t, "carol", carol.got(), append([]string{"alice: hi"}, leave...))
			wantClose, wantPhase, wantDrops := ReasonNone, stateChat, uint64(0)
			if tt.dropped {
				wantClose, wantPhase, wantDrops = ReasonTooSlow, stateClosed, 1
			}
			if bob.conn.closed != wantClose || bob.s.state != wantPhase || h.table.Stats().DropsSlow.Load() != wantDrops {
				t.Errorf("bob closed %v phase %d, DropsSlow %d; want %v, %d, %d", bob.conn.closed, bob.s.state,
					h.table.Stats().DropsSlow.Load(), wantClose, wantPhase, wantDrops)
			}
			carol.send("still here")
			expectLines(t, "alice", alice.got(), []string{"carol: still here"})
			if tt.dropped {
				expectLines(t, "bob after he was dropped", bob.got(), nil)
				bob.closed(ReasonEOF)
				expectLines(t, "alice after the reactor reports bob closed", alice.got(), nil)
			}
		})
	}
	t.Run("a slow reader before login is dropped without an announcement", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.MaxOut = 10 })
		alice := h.logins("alice")[0]
		u := h.connect()
		u.conn.buffered = 11
		u.send("/help")
		if u.conn.closed != ReasonTooSlow || h.table.Stats().DropsSlow.Load() != 1 {
			t.Errorf("closed %v, DropsSlow %d; want too slow, 1", u.conn.closed, h.table.Stats().DropsSlow.Load())
		}
		expectLines(t, "alice", alice.got(), nil)
	})
}

// TestClosedDuringFlush has the reactor report a dead connection from
// inside Conn.Write, as gnet does when a write fails in the middle of a
// broadcast: the table must stay consistent and the others get their lines.
func TestClosedDuringFlush(t *testing.T) {
	for dead, which := range map[int]string{1: "the first", 2: "a middle", 3: "the last"} {
		t.Run("when "+which+" recipient dies mid-broadcast the rest hear the line and the leave", func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bob", "carol", "dave")
			d := us[dead]
			d.conn.fail = true
			d.conn.onWrite = func() { d.closed(ReasonWriteError) }
			us[0].send("hi")
			leave := "*** " + d.s.Nick() + " left #lobby (write error)"
			expectLines(t, "alice", us[0].got(), []string{leave})
			for i, u := range us[1:] {
				if i+1 == dead {
					expectLines(t, "the dead one", u.got(), nil)
					continue
				}
				expectLines(t, u.s.Nick(), u.got(), []string{"alice: hi", leave})
			}
			if d.s.state != stateGone || h.table.Len() != 3 || h.table.Stats().Online.Load() != 3 {
				t.Errorf("dead phase %d, len %d, online %d; want gone, 3, 3", d.s.state, h.table.Len(), h.table.Stats().Online.Load())
			}
			d.closed(ReasonEOF) // the reactor's OnClose may report it again
			us[0].send("again")
			for i, u := range us[1:] {
				if i+1 != dead {
					expectLines(t, u.s.Nick(), u.got(), []string{"alice: again"})
				}
			}
		})
	}
	t.Run("a write that reports another connection dead is safe", func(t *testing.T) {
		h := newHarness(t)
		us := h.logins("alice", "bob", "carol")
		alice, bob, carol := us[0], us[1], us[2]
		bob.conn.onWrite = func() { carol.closed(ReasonReadError); bob.conn.onWrite = nil }
		alice.send("hi")
		expectLines(t, "alice", alice.got(), []string{"*** carol left #lobby (read error)"})
		expectLines(t, "bob", bob.got(), []string{"alice: hi", "*** carol left #lobby (read error)"})
		expectLines(t, "carol", carol.got(), nil)
		if h.table.Len() != 2 {
			t.Errorf("len %d, want 2", h.table.Len())
		}
	})
	t.Run("a quitter whose goodbye fails to write leaves once", func(t *testing.T) {
		h := newHarness(t)
		us := h.logins("alice", "bob")
		alice, bob := us[0], us[1]
		alice.conn.fail = true
		alice.conn.onWrite = func() { alice.closed(ReasonWriteError) }
		alice.send("/quit")
		expectLines(t, "bob", bob.got(), []string{"*** alice left #lobby (quit)"})
		if alice.s.state != stateGone || alice.conn.closes != 0 || h.table.Len() != 1 {
			t.Errorf("phase %d, Close called %d times, len %d; want gone, 0 (already closed), 1",
				alice.s.state, alice.conn.closes, h.table.Len())
		}
	})
	t.Run("a failed write reported later leaves the others unaffected", func(t *testing.T) {
		h := newHarness(t)
		us := h.logins("alice", "bob", "carol")
		alice, bob, carol := us[0], us[1], us[2]
		bob.conn.fail = true
		alice.send("one")
		alice.send("two")
		expectLines(t, "carol", carol.got(), []string{"alice: one", "alice: two"})
		bob.closed(ReasonWriteError)
		expectLines(t, "carol", carol.got(), []string{"*** bob left #lobby (write error)"})
	})
}

// TestIdle checks the idle timeout, which Tick enforces.
func TestIdle(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Idle = 5 * time.Minute })
	us := h.logins("alice", "bob")
	alice, bob := us[0], us[1]
	lurker := h.connect()

	h.clock.advance(3 * time.Minute)
	bob.send("still here")
	drain(alice)
	h.clock.advance(2 * time.Minute)
	h.table.Tick()
	t.Run("a session idle for exactly the timeout stays", func(t *testing.T) {
		expectLines(t, "alice", alice.got(), nil)
		if alice.s.state != stateChat {
			t.Errorf("alice's phase %d, want chat", alice.s.state)
		}
	})
	h.clock.advance(time.Second)
	h.table.Tick()
	t.Run("a session idle past the timeout is told and closed", func(t *testing.T) {
		expectLines(t, "alice", alice.got(), []string{"-> idle for more than 5m0s: disconnecting"})
		if alice.conn.closed != ReasonIdle {
			t.Errorf("alice closed %v, want idle", alice.conn.closed)
		}
	})
	t.Run("the room hears why", func(t *testing.T) {
		expectLines(t, "bob", bob.got(), []string{"*** alice left #lobby (idle timeout)"})
	})
	t.Run("a session that never logged in times out too", func(t *testing.T) {
		expectLines(t, "the lurker", lurker.got(), []string{"-> idle for more than 5m0s: disconnecting"})
		if lurker.conn.closed != ReasonIdle {
			t.Errorf("lurker closed %v, want idle", lurker.conn.closed)
		}
	})
	t.Run("a session that typed recently stays", func(t *testing.T) {
		if bob.conn.closed != ReasonNone || bob.s.state != stateChat {
			t.Errorf("bob closed %v phase %d", bob.conn.closed, bob.s.state)
		}
	})
	t.Run("the timeout is not repeated", func(t *testing.T) {
		h.clock.advance(time.Hour)
		h.table.Tick()
		expectLines(t, "alice", alice.got(), nil)
		if alice.conn.closes != 1 {
			t.Errorf("alice closed %d times, want 1", alice.conn.closes)
		}
	})
	t.Run("an idle timeout of zero never closes anyone", func(t *testing.T) {
		h := newHarness(t)
		alice := h.logins("alice")[0]
		h.clock.advance(1000 * time.Hour)
		h.table.Tick()
		if alice.conn.closed != ReasonNone {
			t.Errorf("closed %v with the idle timeout off", alice.conn.closed)
		}
		expectLines(t, "alice", alice.got(), nil)
	})
}

// TestShutdown checks that everyone is told once and closed, without a
// storm of leave announcements.
func TestShutdown(t *testing.T) {
	h := newHarness(t)
	us := h.logins("alice", "bob", "carol")
	us[2].send("/join games")
	quitter := h.login("dave")
	quitter.send("/quit")
	newcomer := h.connect()
	drain(us...)
	drain(quitter)

	h.table.Shutdown()
	for _, u := range append(us, newcomer) {
		expectLines(t, "a user", u.got(), []string{"*** server shutting down"})
		if u.conn.closed != ReasonShutdown || u.conn.closes != 1 {
			t.Errorf("%q closed %v %d times, want shutdown once", u.s.Nick(), u.conn.closed, u.conn.closes)
		}
	}
	expectLines(t, "dave, who had already quit", quitter.got(), nil)
	if quitter.conn.closed != ReasonQuit {
		t.Errorf("dave's close reason %v, want quit", quitter.conn.closed)
	}
	st := h.table.Stats()
	if st.Online.Load() != 0 || st.Rooms.Load() != 1 {
		t.Errorf("online %d rooms %d after shutdown, want 0 and 1 (the lobby)", st.Online.Load(), st.Rooms.Load())
	}

	h.table.Shutdown() // a second signal changes nothing
	for _, u := range append(us, newcomer, quitter) {
		u.closed(ReasonShutdown)
	}
	for _, u := range append(us, newcomer, quitter) {
		expectLines(t, "a user after the second shutdown and the closes", u.got(), nil)
	}
	if h.table.Len() != 0 {
		t.Errorf("len %d after every connection closed, want 0", h.table.Len())
	}
}

// TestLongLine checks the per-line cap: one notice per long line, nothing
// delivered, and the connection stays usable.
func TestLongLine(t *testing.T) {
	const notice = "-> line too long (over 16 bytes): it was not delivered"
	tests := []struct {
		name    string
		packets []string
		me      []string // what alice gets
		room    []string // what bob gets
	}{
		{"a line of exactly the maximum passes", []string{"0123456789abcdef\r\n"},
			nil, []string{"alice: 0123456789abcdef"}},
		{"a line one byte over is dropped with a notice", []string{"0123456789abcdefg\r\n"},
			[]string{notice}, nil},
		{"a long line split over packets gets one notice", []string{strings.Repeat("x", 10), strings.Repeat("x", 10), strings.Repeat("x", 50) + "\r\n"},
			[]string{notice}, nil},
		{"the line after a long line is delivered", []string{strings.Repeat("x", 40) + "\r\nhello\r\n"},
			[]string{notice}, []string{"alice: hello"}},
		{"two long lines get two notices", []string{strings.Repeat("x", 40) + "\r\n" + strings.Repeat("y", 40) + "\r\n"},
			[]string{notice, notice}, nil},
		{"the line counts bytes, not characters", []string{"茶茶茶茶茶茶\r\n"},
			[]string{notice}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.MaxLine = 16 })
			us := h.logins("alice", "bob")
			alice, bob := us[0], us[1]
			for _, p := range tt.packets {
				alice.sendBytes([]byte(p))
			}
			expectLines(t, "alice", alice.got(), tt.me)
			expectLines(t, "bob", bob.got(), tt.room)
			if got := h.table.Stats().DropsLongLine.Load(); got != uint64(len(tt.me)) {
				t.Errorf("DropsLongLine %d, want %d", got, len(tt.me))
			}
			alice.send("usable")
			expectLines(t, "bob", bob.got(), []string{"alice: usable"})
		})
	}
}

// TestStats checks the table's counters through a short session.
func TestStats(t *testing.T) {
	h := newHarness(t)
	st := h.table.Stats()
	check := func(t *testing.T, logins, linesIn, online, rooms int) {
		t.Helper()
		if st.Logins.Load() != uint64(logins) || st.LinesIn.Load() != uint64(linesIn) ||
			st.Online.Load() != int64(online) || st.Rooms.Load() != int64(rooms) {
			t.Errorf("logins %d linesIn %d online %d rooms %d; want %d %d %d %d",
				st.Logins.Load(), st.LinesIn.Load(), st.Online.Load(), st.Rooms.Load(), logins, linesIn, online, rooms)
		}
	}
	deliveries := func(t *testing.T, do func(), want uint64) {
		t.Helper()
		before := st.Deliveries.Load()
		do()
		if got := st.Deliveries.Load() - before; got != want {
			t.Errorf("deliveries went up by %d, want %d", got, want)
		}
	}
	t.Run("a new table has the lobby and nobody", func(t *testing.T) { check(t, 0, 0, 0, 1) })
	var alice, bob, carol *user
	t.Run("a greeting is two deliveries", func(t *testing.T) {
		deliveries(t, func() { alice = h.connect() }, 2)
		check(t, 0, 0, 0, 1)
	})
	t.Run("a login is counted with its line", func(t *testing.T) {
		// hello and the join announcement to alice herself
		deliveries(t, func() { alice.send("alice") }, 2)
		check(t, 1, 1, 1, 1)
	})
	t.Run("a refused login is a line but not a login", func(t *testing.T) {
		bob = h.connect()
		deliveries(t, func() { bob.send("ALICE") }, 1)
		check(t, 1, 2, 1, 1)
		bob.send("bob")
		carol = h.connect()
		carol.send("carol")
		drain(alice, bob, carol)
		check(t, 3, 4, 3, 1)
	})
	t.Run("a chat line is delivered once per other member", func(t *testing.T) {
		deliveries(t, func() { alice.send("hi") }, 2)
		check(t, 3, 5, 3, 1)
	})
	t.Run("an empty line is a line and delivers nothing", func(t *testing.T) {
		deliveries(t, func() { alice.send("   ") }, 0)
		check(t, 3, 6, 3, 1)
	})
	t.Run("a private message is two deliveries", func(t *testing.T) {
		deliveries(t, func() { alice.send("@bob hi") }, 2)
	})
	t.Run("a new room is counted", func(t *testing.T) {
		carol.send("/join games")
		check(t, 3, 8, 3, 2)
	})
	t.Run("leaving takes the user and the empty room away", func(t *testing.T) {
		carol.send("/quit")
		check(t, 3, 9, 2, 1)
		bob.closed(ReasonEOF)
		check(t, 3, 9, 1, 1)
	})
	drain(alice, bob, carol)
}

// TestOutputEndsEveryLineWithCRLF checks the raw bytes of a busy session:
// every line ends with CRLF, and no CR or LF appears anywhere else.
func TestOutputEndsEveryLineWithCRLF(t *testing.T) {
	for _, cs := range []string{"utf-8", "gbk"} {
		t.Run("every "+cs+" line ends with CRLF", func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.MOTD = []string{"motd"} })
			c := &recorder{}
			s := h.table.Open(c, "x")
			u := &user{h: h, s: s, conn: c}
			bob := h.login("bob")
			for _, l := range []string{"/charset " + cs, "/ts on", "/help", "alice", "/echo on", "你好 😀", "/me waves",
				"/who", "@bob hi", "/nick alicia", "/join games", "/bogus", "/quit"} {
				u.send(l)
				bob.send("hi alice")
			}
			raw := string(c.out)
			if !strings.HasSuffix(raw, "\r\n") {
				t.Fatalf("output does not end with CRLF: %q", raw[max(0, len(raw)-20):])
			}
			lines := strings.Split(strings.TrimSuffix(raw, "\r\n"), "\r\n")
			if len(lines) < 30 {
				t.Fatalf("only %d lines; the scenario did not run", len(lines))
			}
			for _, l := range lines {
				if strings.ContainsAny(l, "\r\n") {
					t.Errorf("a bare CR or LF inside a line: %q", l)
				}
			}
		})
	}
}

// TestOneWritePerEntryPoint checks that a session gets one Conn.Write for
// everything one entry point produced for it, however many lines.
func TestOneWritePerEntryPoint(t *testing.T) {
	tests := []struct {
		name   string
		packet string
		bob    int // lines bob gets
	}{
		{"five chat lines in one packet are one write", "a\r\nb\r\nc\r\nd\r\ne\r\n", 5},
		{"a room change is one write for the room it left", "/join games\r\n", 1},
		{"a line that produces nothing for bob writes nothing", "/help\r\n", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bob")
			alice, bob := us[0], us[1]
			aw, bw := alice.conn.writes, bob.conn.writes
			alice.sendBytes([]byte(tt.packet))
			if got := len(bob.got()); got != tt.bob {
				t.Fatalf("bob got %d lines, want %d", got, tt.bob)
			}
			wantB := 0
			if tt.bob > 0 {
				wantB = 1
			}
			if bob.conn.writes-bw != wantB {
				t.Errorf("bob's writes went up by %d, want %d", bob.conn.writes-bw, wantB)
			}
			if len(alice.got()) > 0 && alice.conn.writes-aw != 1 {
				t.Errorf("alice's writes went up by %d, want 1", alice.conn.writes-aw)
			}
		})
	}
}

// TestCloseComesAfterTheLastLine checks that whenever the table closes a
// connection, the line that says why was written first and nothing after.
func TestCloseComesAfterTheLastLine(t *testing.T) {
	tests := []struct {
		name   string
		mod    func(*Config)
		do     func(h *harness, u *user)
		last   string
		reason CloseReason
	}{
		{"quit writes goodbye then closes", nil,
			func(h *harness, u *user) { u.send("/quit") }, "-> goodbye, alice", ReasonQuit},
		{"an idle timeout writes the notice then closes", func(c *Config) { c.Idle = time.Minute },
			func(h *harness, u *user) { h.clock.advance(2 * time.Minute); h.table.Tick() },
			"-> idle for more than 1m0s: disconnecting", ReasonIdle},
		{"shutdown writes the notice then closes", nil,
			func(h *harness, u *user) { h.table.Shutdown() }, "*** server shutting down", ReasonShutdown},
		{"a slow reader gets the line that was pending, then is closed", func(c *Config) { c.MaxOut = 1 },
			func(h *harness, u *user) { u.conn.buffered = 2; u.send("/look") }, "-> 1 in #lobby: alice", ReasonTooSlow},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var h *harness
			if tt.mod != nil {
				h = newHarness(t, tt.mod)
			} else {
				h = newHarness(t)
			}
			u := h.logins("alice")[0]
			tt.do(h, u)
			got := u.got()
			if len(got) == 0 || got[len(got)-1] != tt.last {
				t.Errorf("last line %q, want %q", got, tt.last)
			}
			if u.conn.closed != tt.reason || u.conn.closes != 1 || u.conn.late != 0 {
				t.Errorf("closed %v %d times with %d writes after; want %v once, none after", u.conn.closed, u.conn.closes, u.conn.late, tt.reason)
			}
			u.send("more")
			h.table.Tick()
			h.table.Shutdown()
			if u.conn.late != 0 || u.conn.closes != 1 {
				t.Errorf("after more input, a Tick and a Shutdown: %d late writes, %d closes", u.conn.late, u.conn.closes)
			}
		})
	}
}

// TestDefaultsMatchTheProtocol pins DefaultConfig to PROTOCOL.md's numbers.
func TestDefaultsMatchTheProtocol(t *testing.T) {
	c := DefaultConfig()
	tests := []struct {
		name      string
		got, want any
	}{
		{"the server is called teahouse", c.Name, "teahouse"},
		{"new sessions start in UTF-8", c.Charset, wire.UTF8},
		{"the charset is detected automatically", c.AutoCharset, true},
		{"lines are at most 4096 bytes", c.MaxLine, 4096},
		{"20 lines of history are replayed", c.History, 20},
		{"the flood limit is 10 lines a second", c.Rate, 10.0},
		{"the flood burst is 20 lines", c.Burst, 20},
		{"a reader is too slow past 1 MiB", c.MaxOut, 1 << 20},
		{"the idle timeout is off", c.Idle, time.Duration(0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %v, want %v", tt.got, tt.want)
			}
		})
	}
}
