package main

import (
	"io"
	"slices"
	"strings"
	"testing"
)

func TestParseVariants(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []variant
		ok   bool
	}{
		{"nothing is no variants", "", nil, true},
		{"an empty ARGS is the plain server", "default=;nocoalesce=-coalesce 0",
			[]variant{{"default", nil}, {"nocoalesce", []string{"-coalesce", "0"}}}, true},
		{"spaces around entries are ignored", " a=-history 20 ; b= ", []variant{{"a", []string{"-history", "20"}}, {"b", nil}}, true},
		{"an entry without = is refused", "default", nil, false},
		{"a name with a space is refused", "my server=-history 1", nil, false},
		{"a name given twice is refused", "a=;a=-history 1", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseVariants(tt.in)
			if (err == nil) != tt.ok {
				t.Fatalf("parseVariants(%q) error %v, want ok %v", tt.in, err, tt.ok)
			}
			if !slices.EqualFunc(got, tt.want, func(a, b variant) bool { return a.name == b.name && slices.Equal(a.args, b.args) }) {
				t.Errorf("parseVariants(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestLanes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want []string // NAME SERVER READER ARGS...
		ok   bool
	}{
		{"the default is one teahouse lane read with epoll", nil, []string{"teahouse teahouse epoll"}, true},
		{"-vs adds the reference without the server's extra arguments",
			[]string{"-vs", "stdlib", "-server-args", "-history 5"},
			[]string{"teahouse teahouse epoll -history 5", "stdlib stdlib epoll"}, true},
		{"variants add their arguments after -server-args",
			[]string{"-server-args", "-history 5", "-variants", "h5=;h20=-history 20"},
			[]string{"h5 teahouse epoll -history 5", "h20 teahouse epoll -history 5 -history 20"}, true},
		{"several readers multiply the lanes and name them",
			[]string{"-reader", "goroutine,epoll"},
			[]string{"teahouse/goroutine teahouse goroutine", "teahouse/epoll teahouse epoll"}, true},
		{"-addr is one target lane", []string{"-addr", "127.0.0.1:6666"}, []string{"target target epoll"}, true},
		{"-addr with variants is refused", []string{"-addr", "127.0.0.1:6666", "-variants", "a=;b="}, nil, false},
		{"an unknown reader is refused", []string{"-reader", "select"}, nil, false},
		{"more lanes than the cap are refused",
			[]string{"-variants", "a=;b=;c=", "-reader", "goroutine,epoll,gnet"}, nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseFlags(tt.args, io.Discard)
			if (err == nil) != tt.ok {
				t.Fatalf("parseFlags(%q) error %v, want ok %v", tt.args, err, tt.ok)
			}
			if !tt.ok {
				return
			}
			ls, err := c.lanes()
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, l := range ls {
				got = append(got, strings.Join(append([]string{l.name, l.server, l.reader}, l.args...), " "))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("lanes %q, want %q", got, tt.want)
			}
		})
	}
}
