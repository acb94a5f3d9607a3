package session

import (
	"strings"
	"testing"

	"teahouse/session/wire"
)

// binaryOffer is IAC DO BINARY, sent once, at the first
// sign that a peer speaks telnet.
var binaryOffer = []byte{wire.IAC, wire.DO, wire.OptBinary}

func TestTelnetInSession(t *testing.T) {
	t.Run("a telnet command inside a line is removed and brings the binary offer", func(t *testing.T) {
		h := newHarness(t)
		bob := h.login("bob")
		alice := h.connect()
		alice.sendBytes([]byte("alice\n")) // LF: not yet known as telnet
		drain(alice, bob)
		alice.sendBytes([]byte{'h', 'e', wire.IAC, wire.NOP, 'l', 'l', 'o', '\n'})
		expectLines(t, "bob", bob.got(), []string{"alice: hello"})
		if got := string(alice.conn.out); got != string(binaryOffer) {
			t.Errorf("alice got % x, want % x", got, binaryOffer)
		}
	})
	t.Run("a line ending in CR LF brings the binary offer, once", func(t *testing.T) {
		h := newHarness(t)
		u := h.connect()
		u.sendBytes([]byte("alice\r\nhello\r\n"))
		if got := string(u.conn.out); strings.Count(got, string(binaryOffer)) != 1 {
			t.Errorf("got %q, want one offer", got)
		}
	})
	t.Run("a client that sends plain LF lines is never sent a telnet byte", func(t *testing.T) {
		h := newHarness(t)
		u := h.connect()
		for _, l := range []string{"alice", "hello 你好", "/help", "/who", "/charset", "bye"} {
			u.sendBytes([]byte(l + "\n"))
		}
		for i, b := range u.conn.out {
			if b == wire.IAC {
				t.Fatalf("0xFF at %d in %q", i, u.conn.out)
			}
		}
	})
	t.Run("Are You There is answered with a visible line", func(t *testing.T) {
		h := newHarness(t)
		u := h.login("alice") // with CR LF: the offer went with the login
		u.sendBytes([]byte{wire.IAC, wire.AYT})
		out := string(u.conn.out)
		want := "-> [teahouse: yes]\r\n"
		if out != want {
			t.Errorf("got %q, want %q", out, want)
		}
	})
	t.Run("Are You There is answered before login too", func(t *testing.T) {
		h := newHarness(t)
		u := h.connect()
		u.conn.lines()
		u.sendBytes([]byte{wire.IAC, wire.AYT})
		if want := string(binaryOffer) + "-> [teahouse: yes]\r\n"; string(u.conn.out) != want {
			t.Errorf("the new user got %q, want %q", u.conn.out, want)
		}
	})
}

func TestInBandEditing(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
		room []string
	}{
		{"Backspace erases typing mistakes", []byte("wrold\b\b\b\borld"), []string{"alice: world"}},
		{"DEL erases like Backspace", []byte("wrold\x7f\x7f\x7f\x7forld"), []string{"alice: world"}},
		{"IAC EC erases like Backspace", []byte("wrold\xff\xf7\xff\xf7\xff\xf7\xff\xf7orld"), []string{"alice: world"}},
		{"^U erases the line typed so far", []byte("oops\x15hi"), []string{"alice: hi"}},
		{"IAC EL erases the line typed so far", []byte("oops\xff\xf8hi"), []string{"alice: hi"}},
		{"^W erases the last word", []byte("hello wrold\x17world"), []string{"alice: hello world"}},
		{"Backspace erases a whole Chinese character", []byte("你好吗\b!"), []string{"alice: 你好!"}},
		{"a line erased to nothing says nothing", []byte("abc\b\b\b"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bob")
			us[0].sendBytes(append(tt.in, '\r', '\n'))
			expectLines(t, "bob", us[1].got(), tt.room)
		})
	}
	t.Run("a GBK user's Backspace erases one whole GBK character", func(t *testing.T) {
		h := newHarness(t)
		us := h.logins("alice", "bob")
		us[0].send("/charset gbk")
		in := append(toGBK("你好吗"), '\b', '\b')
		us[0].sendBytes(append(in, '\r', '\n'))
		expectLines(t, "bob", us[1].got(), []string{"alice: 你"})
	})
	t.Run("a nickname typed with a Backspace logs in as edited", func(t *testing.T) {
		h := newHarness(t)
		u := h.connect()
		u.sendBytes([]byte("alix\bce\r\n"))
		if u.s.Nick() != "alice" {
			t.Errorf("logged in as %q, want alice", u.s.Nick())
		}
	})
}
