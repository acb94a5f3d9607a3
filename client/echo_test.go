package main

import "testing"

func TestLocalEchoFollowsTheDocumentedRules(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string // "" for no echo
	}{
		{"a plain line is chat", "hello all", "bob: hello all"},
		{"a double slash is chat starting with a slash", "//shrug", "bob: /shrug"},
		{"/me is an emote", "/me waves", "* bob waves"},
		{"/ME is an emote too", "/ME waves", "* bob waves"},
		{"/me alone says nothing", "/me", ""},
		{"/say is chat", "/say /not a command", "bob: /not a command"},
		{"the bare word say is chat", "say hi", "bob: hi"},
		{"a command is not echoed", "/who", ""},
		{"/msg is confirmed by the server", "/msg alice hi", ""},
		{"@nick is a PM", "@alice hi", ""},
		{"/quit is not echoed", "/quit bye", ""},
		{"logout is not chat", "logout", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := localEcho("bob", tt.line)
			if !ok {
				got = ""
			}
			if got != tt.want {
				t.Errorf("localEcho(%q) = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}

func TestNicknameAttemptsAreRead(t *testing.T) {
	tests := []struct {
		name string
		line string
		want string
	}{
		{"a bare name asks for it", "alice", "alice"},
		{"login NAME asks for NAME", "login alice", "alice"},
		{"/login NAME asks for NAME", "/login alice", "alice"},
		{"/nick NAME asks for NAME", "/NICK alice", "alice"},
		{"/help asks for none", "/help", ""},
		{"a name with a space is still an attempt", "x y", "x y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := nickAttempt(tt.line); got != tt.want {
				t.Errorf("nickAttempt(%q) = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}
