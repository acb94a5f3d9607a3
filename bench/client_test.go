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
