package main

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"teahouse/session/sessiontest"
)

// sendAndHalfClose connects, writes each of writes (corked: all held back
// and sent with the FIN in one segment), shuts its writing side as
// `printf ... | nc -N` does, and returns every line the server sent until
// it closed the connection.
func sendAndHalfClose(t *testing.T, addr string, corked bool, writes ...string) []string {
	t.Helper()
	d := net.Dialer{Timeout: waitTime}
	nc, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	c := nc.(*net.TCPConn)
	defer c.Close()
	if corked {
		cork(t, c)
	}
	_ = c.SetDeadline(time.Now().Add(waitTime))
	for _, w := range writes {
		if _, err := io.WriteString(c, w); err != nil {
			t.Fatalf("write %q: %v", w, err)
		}
	}
	if err := c.CloseWrite(); err != nil {
		t.Fatalf("CloseWrite: %v", err)
	}
	out, err := io.ReadAll(c)
	if err != nil {
		t.Fatalf("reading until EOF: %v (read %q)", err, out)
	}
	s := sessiontest.StripTelnet(string(out)) // CR LF lines bring the binary offer
	if s != "" && !strings.HasSuffix(s, "\r\n") {
		t.Errorf("output does not end with CRLF: %q", s)
	}
	if s == "" {
		return nil
	}
	return strings.Split(strings.TrimSuffix(s, "\r\n"), "\r\n")
}

// equalLines fails the test unless got is want, line for line.
func equalLines(t *testing.T, who string, got, want []string) {
	t.Helper()
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("%s got:\n\t%s\nwant:\n\t%s", who, strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// TestOutputBeforeTheClientsFINIsDelivered covers a client that sends its
// lines and shuts its writing side at once (`printf 'bot\n/who\n' | nc -N`):
// everything the server produced for those lines reaches it before the
// close, and the room sees the lines and then the leave, in order.
func TestOutputBeforeTheClientsFINIsDelivered(t *testing.T) {
	welcome := []string{"Welcome to teahouse!", "Please enter a nickname (or /help):"}
	loggedIn := append(welcome[:2:2], "-> hello bot! /help lists the commands", "*** bot joined #lobby")
	with := func(base []string, more ...string) []string { return append(base[:len(base):len(base)], more...) }
	cases := []struct {
		name   string
		corked bool     // the lines and the FIN in one segment
		writes []string // each written on its own
		peer   bool     // ann is in the lobby and watches
		want   []string // what the half-closing client reads until EOF
		seen   []string // what ann reads, up to bot's leave
	}{
		{name: "a client that sends nothing still gets the welcome", corked: true,
			want: welcome},
		{name: "the login reply arrives when the FIN comes with the nickname", corked: true,
			writes: []string{"bot\r\n"}, want: loggedIn},
		{name: "the /who answer arrives when the FIN comes with it", corked: true,
			writes: []string{"bot\r\n/who\r\n"}, want: with(loggedIn, "-> 1 online: bot (#lobby)")},
		{name: "bare LF lines as printf sends them are answered before the close", corked: true,
			writes: []string{"bot\n/who\n"}, want: with(loggedIn, "-> 1 online: bot (#lobby)")},
		{name: "goodbye arrives when /quit comes with the FIN", corked: true,
			writes: []string{"bot\r\n/quit\r\n"}, want: with(loggedIn, "-> goodbye, bot")},
		{name: "lines after /quit are ignored and goodbye still arrives", corked: true,
			writes: []string{"bot\r\n/quit\r\n/who\r\n"}, want: with(loggedIn, "-> goodbye, bot")},
		{name: "goodbye arrives when /quit before login comes with the FIN", corked: true,
			writes: []string{"/quit\r\n"}, want: with(welcome, "-> goodbye")},
		{name: "an error reply arrives when the FIN comes with the bad line", corked: true,
			writes: []string{"bot\r\n/nosuch\r\n"}, want: with(loggedIn, "-> unknown command: /nosuch (try /help)")},
		{name: "lines then the FIN in separate writes are all answered",
			writes: []string{"bot\r\n", "/who\r\n"}, want: with(loggedIn, "-> 1 online: bot (#lobby)")},
		{name: "the room hears the last chat line and then the leave", corked: true, peer: true,
			writes: []string{"bot\r\nhello all\r\n"},
			want:   loggedIn,
			seen:   []string{"*** bot joined #lobby", "bot: hello all", "*** bot left #lobby (connection closed)"}},
		{name: "the room hears the last chat line and then the /quit reason", corked: true, peer: true,
			writes: []string{"bot\r\nhello all\r\n/quit tea time\r\n"},
			want:   with(loggedIn, "-> goodbye, bot"),
			seen:   []string{"*** bot joined #lobby", "bot: hello all", "*** bot left #lobby (quit: \"tea time\")"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := startServer(t, nil)
			var ann *client
			if tc.peer {
				ann = login(t, s.addr, "ann")
			}
			got := sendAndHalfClose(t, s.addr, tc.corked, tc.writes...)
			if tc.peer {
				// ann's /who now shows bot, so the sender's expected
				// lines (one online) do not apply to her; compare hers.
				before, last := ann.waitLine("bot's leave", func(l string) bool { return strings.HasPrefix(l, "*** bot left") })
				equalLines(t, "ann", append(before, last), tc.seen)
			}
			equalLines(t, "bot", got, tc.want)
		})
	}
}
