package session

import "testing"

func TestQuitCommandsAreRecognised(t *testing.T) {
	tests := []struct {
		name string
		line string
		want bool
	}{
		{"/quit leaves", "/quit", true},
		{"/quit with a reason leaves", "/quit see you", true},
		{"/QUIT leaves", "/QUIT", true},
		{"/logout leaves", "/logout", true},
		{"/exit leaves", "/exit", true},
		{"logout leaves", "logout", true},
		{"/quitter does not", "/quitter", false},
		{"chat about quitting does not", "I quit", false},
		{"a full-width slash quits too", "／quit", true},
		{"logout with more words is chat", "logout is broken", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := IsQuit(tt.line); got != tt.want {
				t.Errorf("IsQuit(%q) = %v, want %v", tt.line, got, tt.want)
			}
		})
	}
}

// TestParseLine checks what a client learns of a line: the command the
// server runs for it.
func TestParseLine(t *testing.T) {
	tests := []struct {
		name, line string
		loggedIn   bool
		want       Parsed
	}{
		{"plain text is chat", "hello", true, Parsed{"chat", "hello"}},
		{"a doubled slash says the rest", "//slash", true, Parsed{"say", "/slash"}},
		{"an at sign is a private message", "@bob hi", true, Parsed{"msg", "bob hi"}},
		{"full-width forms work", "／msg　bob　你好", true, Parsed{"msg", "bob　你好"}},
		{"bare who alone is a command", "who", true, Parsed{"who", ""}},
		{"who with more words is chat", "who is here?", true, Parsed{"chat", "who is here?"}},
		{"an alias names its command", "/ts on", true, Parsed{"timestamp", "on"}},
		{"an unknown command names itself", "/frob x", true, Parsed{"unknown", "frob"}},
		{"a line before login is a nickname", "小明", false, Parsed{"nickname", "小明"}},
		{"bare login takes a name and a password", "login alice pw", false, Parsed{"login", "alice pw"}},
		{"after login, bare login is chat", "login alice", true, Parsed{"chat", "login alice"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseLine(tt.line, tt.loggedIn); got != tt.want {
				t.Errorf("ParseLine(%q) = %+v, want %+v", tt.line, got, tt.want)
			}
		})
	}
}
