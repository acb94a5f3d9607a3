package main

import (
	"context"
	"errors"
	"io"
	"reflect"
	"strings"
	"testing"
)

// testPrompt is the prompt in editor tests: the client's own.
const testPrompt = inputPrompt

// newTestEditor returns an editor drawing on a fresh screen model.
func newTestEditor(t *testing.T, cols int) (*editor, *screenModel) {
	t.Helper()
	scr := newScreenModel(cols)
	e := newEditor(scr, testPrompt, cols)
	e.start()
	return e, scr
}

// typeKeys feeds keys to the editor; done reports a finished line.
func typeKeys(e *editor, keys string) (line string, err error, done bool) {
	e.mu.Lock()
	e.keys = append(e.keys, keys...)
	e.mu.Unlock()
	return e.process()
}

// typeAll feeds keys that must not finish a line.
func typeAll(t *testing.T, e *editor, keys string) {
	t.Helper()
	if line, err, done := typeKeys(e, keys); done {
		t.Fatalf("typing %q finished a line: %q, %v", keys, line, err)
	}
}

// wantScreen compares the screen's rows and cursor column.
func wantScreen(t *testing.T, scr *screenModel, rows []string, col int) {
	t.Helper()
	if got := scr.lines(); !reflect.DeepEqual(got, rows) {
		t.Errorf("screen:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(rows, "\n"))
	}
	if x, _ := scr.cursor(); x != col {
		t.Errorf("cursor in column %d, want %d", x, col)
	}
}

func TestIncomingLinesPrintAboveTheHalfTypedLine(t *testing.T) {
	tests := []struct {
		name  string
		typed string
		col   int
	}{
		{"ASCII stays intact", "hello wor", 2 + 9},
		{"CJK stays intact and the cursor counts two columns each", "你好 wor", 2 + 4 + 4},
		{"a cursor moved left stays where it was", "abc\x1b[D", 2 + 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, scr := newTestEditor(t, 40)
			typeAll(t, e, tt.typed)
			e.printLine("alice: hi there")
			e.printLine("bob: 喝茶")
			shown := strings.TrimSuffix(tt.typed, "\x1b[D")
			wantScreen(t, scr, []string{"alice: hi there", "bob: 喝茶", testPrompt + shown}, tt.col)
		})
	}
}

func TestEditingKeysWorkWithWideCharacters(t *testing.T) {
	tests := []struct {
		name string
		keys string
		want string
		col  int
	}{
		{"backspace removes a whole wide character", "你好\x7f", "你", 2 + 2},
		{"inserting between wide characters", "你好\x1b[D我", "你我好", 2 + 4},
		{"Home and insert", "好\x01你", "你好", 2 + 2},
		{"Delete removes under the cursor", "abc\x01\x1b[3~", "bc", 2},
		{"Ctrl-D inside a line deletes", "abc\x01\x04", "bc", 2},
		{"Ctrl-W removes the last word", "tea for two\x17", "tea for", 2 + 8},
		{"Ctrl-U removes to the start", "abc\x1b[Dd\x15", "c", 2},
		{"Ctrl-K removes to the end", "abcd\x01\x06\x0b", "a", 2 + 1},
		{"End goes to the end", "ab\x01\x05c", "abc", 2 + 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, scr := newTestEditor(t, 40)
			typeAll(t, e, tt.keys)
			wantScreen(t, scr, []string{testPrompt + tt.want}, tt.col)
		})
	}
}

func TestHistoryIsRecalledWithArrows(t *testing.T) {
	e, scr := newTestEditor(t, 40)
	for _, l := range []string{"first", "second"} {
		if line, _, done := typeKeys(e, l+"\r"); !done || line != l {
			t.Fatalf("entered %q, got %q", l, line)
		}
		e.commit(testPrompt + l)
	}
	typeAll(t, e, "draft\x1b[A")
	wantScreen(t, scr, []string{"> first", "> second", "> second"}, 2+6)
	typeAll(t, e, "\x1b[A\x1b[A") // past the oldest: stays
	wantScreen(t, scr, []string{"> first", "> second", "> first"}, 2+5)
	typeAll(t, e, "\x1b[B\x1b[B")
	wantScreen(t, scr, []string{"> first", "> second", "> draft"}, 2+5)
}

func TestEnterKeepsTheLineUntilCommit(t *testing.T) {
	e, scr := newTestEditor(t, 40)
	line, err, done := typeKeys(e, "hi all\r")
	if !done || err != nil || line != "hi all" {
		t.Fatalf("got %q, %v, %v", line, err, done)
	}
	// A line arriving before the commit does not separate them.
	e.printLine("alice: hey")
	wantScreen(t, scr, []string{"alice: hey", "> hi all"}, 2+6)
	e.commit("bob: hi all")
	wantScreen(t, scr, []string{"alice: hey", "bob: hi all", ">"}, 2)
}

func TestAPastedBlockGivesItsLinesInOrder(t *testing.T) {
	e, _ := newTestEditor(t, 40)
	chunks := make(chan []byte, 1)
	chunks <- []byte("one\ntwo\nthr")
	var got []string
	for range 2 {
		line, err := e.readLine(context.Background(), chunks)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, line)
		e.commit("")
	}
	if want := []string{"one", "two"}; !reflect.DeepEqual(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
	e.process()
	if string(e.line) != "thr" {
		t.Errorf("the rest of the paste is %q, want %q", string(e.line), "thr")
	}
}

func TestLeavingKeysEndReadLine(t *testing.T) {
	tests := []struct {
		name string
		keys string
		want error
	}{
		{"Ctrl-C interrupts even with text typed", "abc\x03", errInterrupt},
		{"Ctrl-D on an empty line is end of input", "\x04", io.EOF},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newTestEditor(t, 40)
			if _, err, done := typeKeys(e, tt.keys); !done || !errors.Is(err, tt.want) {
				t.Errorf("got %v (done %v), want %v", err, done, tt.want)
			}
		})
	}
}

func TestReadLineEndsWhenInputOrContextEnds(t *testing.T) {
	e, _ := newTestEditor(t, 40)
	closed := make(chan []byte)
	close(closed)
	if _, err := e.readLine(context.Background(), closed); !errors.Is(err, io.EOF) {
		t.Errorf("closed input: %v, want io.EOF", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := e.readLine(ctx, make(chan []byte)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

func TestALongLineScrollsSidewaysInOneRow(t *testing.T) {
	e, scr := newTestEditor(t, 20) // 17 columns for text: one is kept free
	typeAll(t, e, strings.Repeat("abcdefghij", 3))
	wantScreen(t, scr, []string{"> defghijabcdefghij"}, 2+17) // the tail, cursor at its end
	typeAll(t, e, "\x01")
	wantScreen(t, scr, []string{"> abcdefghijabcdefg"}, 2)
	e.printLine("x")
	wantScreen(t, scr, []string{"x", "> abcdefghijabcdefg"}, 2)
}

func TestWideCharactersNeverStraddleTheEdge(t *testing.T) {
	e, scr := newTestEditor(t, 10) // 7 columns for text
	typeAll(t, e, "你好世界")
	wantScreen(t, scr, []string{"> 好世界"}, 2+6)
	if x, _ := scr.cursor(); x >= 10 {
		t.Errorf("cursor in column %d: past the row", x)
	}
}

func TestInputStopsAtTheServersLineLimit(t *testing.T) {
	e, _ := newTestEditor(t, 40)
	typeAll(t, e, strings.Repeat("x", maxInputLine+10))
	if got := len(string(e.line)); got != maxInputLine {
		t.Errorf("line of %d bytes, want the limit %d", got, maxInputLine)
	}
}

func TestHiddenInputIsNeverDrawnNorRemembered(t *testing.T) {
	keysAtPrompt := []struct {
		name string
		keys string
	}{
		{"plain typing", testPassword},
		{"typing with edits", "tea\x7f\x7fx\x1b[Dy\x01z\x05 42"},
		{"CJK typing", "茶 for two"},
		{"an arrow up, which would recall history", "ab\x1b[Acd"},
	}
	for _, tt := range keysAtPrompt {
		t.Run(tt.name+" shows nothing after the prompt", func(t *testing.T) {
			e, scr := newTestEditor(t, 40)
			typeKeys(e, "earlier line\r")
			e.commit("> earlier line")
			e.setHidden(true)
			typeAll(t, e, tt.keys)
			wantScreen(t, scr, []string{"> earlier line", ">"}, 2)
			line, err, done := typeKeys(e, "\r")
			if !done || err != nil || !e.lastHidden() {
				t.Fatalf("Enter: %q, %v, done %v, hidden %v", line, err, done, e.lastHidden())
			}
			if strings.Contains(line, "earlier") {
				t.Errorf("history leaked into the password: %q", line)
			}
			e.commit("> (hidden)")
			e.setHidden(false)
			typeAll(t, e, "\x1b[A") // ↑ recalls the line before the password
			wantScreen(t, scr, []string{"> earlier line", "> (hidden)", "> earlier line"}, 2+len("earlier line"))
		})
	}
	t.Run("an empty line is entered, to cancel", func(t *testing.T) {
		e, _ := newTestEditor(t, 40)
		e.setHidden(true)
		if line, err, done := typeKeys(e, "\r"); !done || err != nil || line != "" || !e.lastHidden() {
			t.Errorf("Enter on an empty hidden line: %q, %v, done %v", line, err, done)
		}
	})
	t.Run("Ctrl-D on an empty line still leaves", func(t *testing.T) {
		e, _ := newTestEditor(t, 40)
		e.setHidden(true)
		if _, err, done := typeKeys(e, "\x04"); !done || !errors.Is(err, io.EOF) {
			t.Errorf("Ctrl-D: %v, done %v; want io.EOF", err, done)
		}
	})
	t.Run("Ctrl-C still leaves", func(t *testing.T) {
		e, _ := newTestEditor(t, 40)
		e.setHidden(true)
		typeAll(t, e, "abc")
		if _, err, done := typeKeys(e, "\x03"); !done || !errors.Is(err, errInterrupt) {
			t.Errorf("Ctrl-C: %v, done %v; want errInterrupt", err, done)
		}
	})
	t.Run("text typed hidden is dropped, not shown, when hiding ends", func(t *testing.T) {
		e, scr := newTestEditor(t, 40)
		e.setHidden(true)
		typeAll(t, e, "typed ahead")
		e.setHidden(false)
		wantScreen(t, scr, []string{">"}, 2)
		if line, _, done := typeKeys(e, "x\r"); !done || line != "x" || e.lastHidden() {
			t.Errorf("the next line: %q, done %v, hidden %v; want a visible \"x\"", line, done, e.lastHidden())
		}
	})
	t.Run("an incoming line keeps the hidden input hidden", func(t *testing.T) {
		e, scr := newTestEditor(t, 40)
		e.setHidden(true)
		typeAll(t, e, "secret")
		e.printLine("alice: hi")
		wantScreen(t, scr, []string{"alice: hi", ">"}, 2)
		if line, _, _ := typeKeys(e, "\r"); line != "secret" {
			t.Errorf("line %q, want the typed password", line)
		}
	})
}
