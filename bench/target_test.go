package main

import "testing"

func TestLoopbackTarget(t *testing.T) {
	tests := []struct {
		name string
		addr string
		ok   bool
	}{
		{"IPv4 loopback is allowed", "127.0.0.1:6666", true},
		{"any 127/8 address is allowed", "127.1.2.3:6666", true},
		{"localhost is allowed", "localhost:6666", true},
		{"IPv6 loopback is allowed", "[::1]:6666", true},
		{"a private address is refused", "10.0.0.1:6666", false},
		{"a public address is refused", "8.8.8.8:6666", false},
		{"all interfaces is refused", "0.0.0.0:6666", false},
		{"a missing port is refused", "127.0.0.1", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loopbackTarget(tt.addr)
			if (err == nil) != tt.ok {
				t.Errorf("loopbackTarget(%q) error %v, want ok %v", tt.addr, err, tt.ok)
			}
		})
	}
}
