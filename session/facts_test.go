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
