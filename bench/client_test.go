package main

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"
)

func TestReadLine(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string
	}{
		{"CRLF is removed", "a\r\nb\r\n", []string{"a", "b"}},
		{"a bare LF also ends a line", "a\nb\n", []string{"a", "b"}},
		{"an empty line stays empty", "\r\nx\r\n", []string{"", "x"}},
		{"a line longer than the buffer is skipped as empty", strings.Repeat("y", 100) + "\r\nz\r\n", []string{"", "z"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := bufio.NewReaderSize(strings.NewReader(tt.input), 16)
			var got []string
			for {
				line, err := readLine(r)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, string(line))
			}
			if strings.Join(got, "|") != strings.Join(tt.want, "|") {
				t.Errorf("lines %q, want %q", got, tt.want)
			}
		})
	}
}

func TestJoinsInCountsCrowdSummaries(t *testing.T) {
	tests := []struct {
		name string
		line string
		want int64
	}{
		{"a per-person join is one", "*** alice joined #lobby", 1},
		{"a summary of joins and leaves is its join count", "*** 37 joined, 12 left #lobby: ann, bob, cy and 34 more joined; dee and 11 more left", 37},
		{"a summary of joins alone is its count", "*** 5 joined #lobby: ann, bob, cy and 2 more", 5},
		{"a summary of leaves alone is one line", "*** 2 left #lobby: dee and eve", 1},
		{"a nickname made of digits is one person", "*** 42 left #lobby (quit)", 1},
		{"a nickname made of digits joining is one person", "*** 42 joined #lobby", 1},
		{"any other line is one", "-> hello", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := joinsIn([]byte(tt.line)); got != tt.want {
				t.Errorf("joinsIn(%q) = %d, want %d", tt.line, got, tt.want)
			}
		})
	}
}
