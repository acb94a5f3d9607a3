package main

import (
	"regexp"
	"testing"
)

// feed has r observe each server line in turn.
func feed(r *room, lines ...string) {
	for _, l := range lines {
		r.observe(parseLine(l))
	}
}

func TestRoomFollowsLoginAndRenames(t *testing.T) {
	tests := []struct {
		name   string
		sent   []string
		server []string
		want   string // our nick afterwards
	}{
		{"the own join line logs in", []string{"bob"}, []string{"*** bob joined #lobby"}, "bob"},
		{"the server's spelling wins", []string{"BOB"}, []string{"*** Bob joined #lobby"}, "Bob"},
		{"replayed joins of others do not log in", []string{"bob"}, []string{"*** carol joined #lobby"}, ""},
		{"a refusal leaves us logging in", []string{"bob"}, []string{"-> nickname bob is taken"}, ""},
		{"login NAME is followed", []string{"login bob"}, []string{"*** bob joined #lobby"}, "bob"},
		{"a rename of ours is followed", []string{"bob"}, []string{"*** bob joined #lobby", "*** bob is now known as rob"}, "rob"},
		{"a rename of someone else is not", []string{"bob"}, []string{"*** bob joined #lobby", "*** carol is now known as cat"}, "bob"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRoom()
			for _, l := range tt.sent {
				r.outgoing(l)
			}
			feed(r, tt.server...)
			r.notify()
			if got, _, _, _ := r.loginState(); got != tt.want {
				t.Errorf("nick %q, want %q", got, tt.want)
			}
		})
	}
}

func TestRoomEchoRespectsServerEchoAndTimestamps(t *testing.T) {
	r := newRoom()
	r.outgoing("bob")
	feed(r, "*** bob joined #lobby")
	if got := r.outgoing("hi"); got != "bob: hi" {
		t.Errorf("echo %q, want %q", got, "bob: hi")
	}
	r.outgoing("/echo on")
	if got := r.outgoing("hi"); got != "" {
		t.Errorf("with /echo on the client echoed %q; the server does that", got)
	}
	r.outgoing("/echo off")
	feed(r, "[12:00:00] -> timestamps on")
	got := r.outgoing("hi")
	if !regexp.MustCompile(`^\[\d\d:\d\d:\d\d\] bob: hi$`).MatchString(got) {
		t.Errorf("with timestamps on the echo is %q, want a stamped chat line", got)
	}
	feed(r, "-> timestamps off")
	if r.outgoing("bob") != "bob: bob" {
		t.Error("after login a bare word is chat, not a nickname")
	}
}

func TestRoomCountsAnswersToNicknames(t *testing.T) {
	r := newRoom()
	r.outgoing("alice")
	if _, waiting, _, _ := r.loginState(); !waiting {
		t.Fatal("not waiting after a nickname was sent")
	}
	o := r.observe(parseLine("-> nickname alice is taken"))
	if o.joined || !o.answered {
		t.Fatalf("refusal: joined %v answered %v, want false true", o.joined, o.answered)
	}
	if _, waiting, refusal, _ := r.loginState(); waiting || refusal != "nickname alice is taken" {
		t.Fatalf("after refusal: waiting %v refusal %q", waiting, refusal)
	}
	if o := r.observe(parseLine("-> try /help")); o.answered {
		t.Error("a reply with no attempt pending counted as an answer")
	}
}
