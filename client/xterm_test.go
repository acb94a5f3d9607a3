package main

import (
	"io"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/term"
)

// TestXTermTerminalStillMiscountsWideRunes pins the reason editor.go
// exists instead of x/term's Terminal: Terminal measures its cursor in
// runes, so with CJK typed, its erase-before-print stops short of column
// 0 and the incoming line lands on top of the input. If this test starts
// failing, x/term has learned column widths and the client could go back
// to Terminal.
func TestXTermTerminalStillMiscountsWideRunes(t *testing.T) {
	scr := newScreenModel(40)
	tm := term.NewTerminal(struct {
		io.Reader
		io.Writer
	}{strings.NewReader("你好"), scr}, "> ")
	if _, err := tm.ReadLine(); err != io.EOF {
		t.Fatalf("ReadLine: %v, want io.EOF after the typed text", err)
	}
	if _, err := tm.Write([]byte("alice: hi\n")); err != nil {
		t.Fatal(err)
	}
	garbled := []string{"> alice: hi", "> 你好"}
	if got := scr.lines(); !reflect.DeepEqual(got, garbled) {
		t.Fatalf("x/term's Terminal now draws %q, not the garbled %q: it may measure wide runes now; see editor.go", got, garbled)
	}
}
