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
		{"plain text is chat", "hello", true, Parsed{Command: "chat", Args: "hello"}},
		{"a doubled slash says the rest", "//slash", true, Parsed{Command: "say", Args: "/slash"}},
		{"an at sign is a private message", "@bob hi", true, Parsed{Command: "msg", Args: "bob hi"}},
		{"full-width forms work", "／msg　bob　你好", true, Parsed{Command: "msg", Args: "bob　你好"}},
		{"bare who alone is a command", "who", true, Parsed{Command: "who", Args: ""}},
		{"who with more words is chat", "who is here?", true, Parsed{Command: "chat", Args: "who is here?"}},
		{"an alias names its command", "/ts on", true, Parsed{Command: "timestamp", Args: "on"}},
		{"an unknown command names itself", "/frob x", true, Parsed{Command: "unknown", Args: "frob"}},
		{"a line before login is a nickname", "小明", false, Parsed{Command: "nickname", Args: "小明"}},
		{"bare login takes a name and a password", "login alice pw", false, Parsed{Command: "login", Args: "alice pw", Secret: true}},
		{"after login, bare login is chat", "login alice", true, Parsed{Command: "chat", Args: "login alice"}},
		{"an account command is known and its arguments are secret", "/passwd old new", true, Parsed{Command: "passwd", Args: "old new", Secret: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseLine(tt.line, tt.loggedIn); got != tt.want {
				t.Errorf("ParseLine(%q) = %+v, want %+v", tt.line, got, tt.want)
			}
		})
	}
}

// TestUserIDRoundTrip checks that ParseUserID reads back what String
// writes, which stored history relies on.
func TestUserIDRoundTrip(t *testing.T) {
	for _, id := range []UserID{{Seq: 42}, {Node: "a-ABCDEF", Seq: 1 << 62}, {}} {
		t.Run("the identity "+id.String()+" reads back as itself", func(t *testing.T) {
			if got := ParseUserID(id.String()); got != id {
				t.Errorf("ParseUserID(%q) = %v, want %v", id.String(), got, id)
			}
		})
	}
	for _, s := range []string{"", "x", "a/", "a/b", "-1"} {
		if got := ParseUserID(s); !got.IsZero() {
			t.Errorf("ParseUserID(%q) = %v, want nobody", s, got)
		}
	}
}
