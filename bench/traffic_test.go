package main

import (
	"testing"
)

func TestParseDelivery(t *testing.T) {
	tests := []struct {
		name                string
		line                string
		sender, seq, sentAt int64
		ok                  bool
	}{
		{"a chat line with padding parses", "ab1: 3 17 123456789 xxxx", 3, 17, 123456789, true},
		{"a chat line without padding parses", "ab1: 0 1 5", 0, 1, 5, true},
		{"a join announcement is not a delivery", "*** ab1 joined #lobby", 0, 0, 0, false},
		{"a server reply is not a delivery", "-> no such user: bob", 0, 0, 0, false},
		{"someone else's chat is not a delivery", "bob: hello there", 0, 0, 0, false},
		{"a missing send time is not a delivery", "ab1: 3 17", 0, 0, 0, false},
		{"a negative number is not a delivery", "ab1: -3 17 5", 0, 0, 0, false},
		{"a number too long to fit is not a delivery", "ab1: 1 1 12345678901234567890", 0, 0, 0, false},
		{"an empty line is not a delivery", "", 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sender, seq, sentAt, ok := parseDelivery([]byte(tt.line))
			if ok != tt.ok || (ok && (sender != tt.sender || seq != tt.seq || sentAt != tt.sentAt)) {
				t.Errorf("parseDelivery(%q) = %d, %d, %d, %v; want %d, %d, %d, %v",
					tt.line, sender, seq, sentAt, ok, tt.sender, tt.seq, tt.sentAt, tt.ok)
			}
		})
	}
}

func TestAppendLineParsesBack(t *testing.T) {
	tr := newTraffic(trafficConfig{Clients: 2, Senders: 1, Payload: 16})
	line := tr.appendLine(nil, 7, 42, 1234567)
	if line[len(line)-1] != '\n' {
		t.Fatalf("line %q does not end in a newline", line)
	}
	sender, seq, sentAt, ok := parseDelivery(append([]byte("nick: "), line[:len(line)-1]...))
	if !ok || sender != 7 || seq != 42 || sentAt != 1234567 {
		t.Errorf("parsed %q back as %d, %d, %d, %v", line, sender, seq, sentAt, ok)
	}
}

func TestParseDeliveryDoesNotAllocate(t *testing.T) {
	line := []byte("ab1: 3 17 123456789 xxxxxxxxxxxxxxxx")
	allocs := testing.AllocsPerRun(100, func() { parseDelivery(line) })
	if allocs != 0 {
		t.Errorf("parseDelivery allocates %.0f times per line", allocs)
	}
}

func BenchmarkParseDelivery(b *testing.B) {
	line := []byte("ab1: 3 17 123456789 xxxxxxxxxxxxxxxx")
	b.ReportAllocs()
	for b.Loop() {
		parseDelivery(line)
	}
}
