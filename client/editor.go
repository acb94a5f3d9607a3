package main

import (
	"context"
	"errors"
	"io"
	"strconv"
	"sync"
	"unicode/utf8"
)

// VT100 sequences the editor writes.
const (
	eraseLine   = "\r\x1b[K"      // to column 0, clear to the end of the row
	clearScreen = "\x1b[2J\x1b[H" // ^L
	crlf        = "\r\n"          // raw mode: LF alone would not return the carriage
)

// Editor limits.
const (
	// historySize is how many entered lines ↑ can recall.
	historySize = 100
	// minInputColumns keeps a little room to type in however narrow the
	// terminal or long the prompt.
	minInputColumns = 4
	// defaultColumns is the width assumed when the terminal will not say.
	defaultColumns = 80
)

// errInterrupt is returned by readLine for Ctrl-C.
var errInterrupt = errors.New("interrupted")

// editor is the input line at the bottom of an interactive session. It
// exists instead of x/term's Terminal, which the issue suggested, because
// Terminal (v0.37.0 and still v0.47.0) measures the cursor in runes, not
// columns: after typing CJK its cursor moves and its erase-before-print
// land in the wrong column, and an incoming line is printed over the half
// typed one, the very garbling this client is meant to end (pinned by
// xterm_test.go).
//
// The editor keeps the input on one screen row and scrolls it sideways when
// it is longer than the row; so its only cursor arithmetic is columns
// within that row, measured with runeWidth. Incoming lines go above it
// (printLine clears the row, prints, and redraws it), and a submitted line
// stays on screen until commit replaces it with what the room will see, so
// no incoming line can land between the two.
//
// readLine runs on the keyboard goroutine; printLine may be called from any
// goroutine; mu keeps the screen consistent between them.
type editor struct {
	mu          sync.Mutex
	out         io.Writer
	prompt      string
	promptWidth int
	width       int // terminal columns

	line   []rune
	pos    int  // cursor, an index into line
	scroll int  // first rune of line shown
	closed bool // the terminal is being restored: print lines plainly
	// hidden is set while the server waits for a password: what is typed
	// is not drawn, not remembered, and an empty line is entered too.
	hidden     bool
	sentHidden bool // the line readLine returned last was typed hidden

	hist    []string // entered lines, oldest first
	histIdx int      // -1: editing a new line; else an index from the newest
	draft   string   // the new line, kept while browsing history

	keys []byte // input not yet decoded: a split sequence, or a paste's later lines
	buf  []byte // output being assembled, written in one go
}

// newEditor returns an editor drawing on out, a terminal in raw mode.
func newEditor(out io.Writer, prompt string, width int) *editor {
	if width <= 0 {
		width = defaultColumns
	}
	return &editor{out: out, prompt: prompt, promptWidth: stringWidth(prompt), width: width, histIdx: -1}
}

// start draws the prompt.
func (e *editor) start() {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.redraw()
	e.flush()
}

// printLine shows s above the input line, leaving what is typed intact.
func (e *editor) printLine(s string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		e.buf = append(e.buf, s...)
		e.buf = append(e.buf, crlf...)
		e.flush()
		return
	}
	e.buf = append(e.buf, eraseLine...)
	e.buf = append(e.buf, s...)
	e.buf = append(e.buf, crlf...)
	e.redraw()
	e.flush()
}

// readLine returns the next entered line, reading keys from chunks. The
// line stays on screen until commit. It returns errInterrupt for Ctrl-C,
// io.EOF for Ctrl-D on an empty line or the end of input, and ctx's error
// when ctx is done.
func (e *editor) readLine(ctx context.Context, chunks <-chan []byte) (string, error) {
	for {
		if line, err, done := e.process(); done {
			return line, err
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case b, ok := <-chunks:
			if !ok {
				return "", io.EOF
			}
			e.mu.Lock()
			e.keys = append(e.keys, b...)
			e.mu.Unlock()
		}
	}
}

// process handles the buffered keys until a line is done or more input is
// needed.
func (e *editor) process() (line string, err error, done bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	defer e.flush()
	for len(e.keys) > 0 {
		k, n := nextKey(e.keys)
		if n == 0 {
			break
		}
		e.keys = e.keys[n:]
		if line, err, done = e.handle(k); done {
			return line, err, true
		}
	}
	return "", nil, false
}

// handle applies one key. done reports a finished line or an exit key.
func (e *editor) handle(k key) (line string, err error, done bool) {
	switch k.code {
	case keyNone:
		return "", nil, false
	case keyRune:
		if e.lineBytes()+utf8.RuneLen(k.r) > maxInputLine {
			return "", nil, false // the server would drop a longer line
		}
		e.line = append(e.line, 0)
		copy(e.line[e.pos+1:], e.line[e.pos:])
		e.line[e.pos] = k.r
		e.pos++
	case keyEnter:
		if e.hidden {
			// A password is never kept for ↑; an empty one cancels, so it
			// is entered too.
			e.sentHidden = true
			return string(e.line), nil, true
		}
		if len(e.line) == 0 {
			return "", nil, false
		}
		// The line stays as it is, on screen and in e.line, until commit.
		e.sentHidden = false
		line = string(e.line)
		if maskSecrets(line) == line {
			// A one-line form's password (/login alice PASSWORD) is
			// not kept for ↑ either.
			e.remember(line)
		}
		return line, nil, true
	case keyBackspace:
		if e.pos > 0 {
			e.line = append(e.line[:e.pos-1], e.line[e.pos:]...)
			e.pos--
		}
	case keyDelete:
		e.deleteUnder()
	case keyLeft:
		e.pos = max(e.pos-1, 0)
	case keyRight:
		e.pos = min(e.pos+1, len(e.line))
	case keyHome:
		e.pos = 0
	case keyEnd:
		e.pos = len(e.line)
	case keyUp:
		if !e.hidden { // history would replace the password unseen
			e.browse(+1)
		}
	case keyDown:
		if !e.hidden {
			e.browse(-1)
		}
	case keyKillEnd:
		e.line = e.line[:e.pos]
	case keyKillStart:
		e.line = append(e.line[:0], e.line[e.pos:]...)
		e.pos = 0
	case keyKillWord:
		start := e.pos
		for start > 0 && e.line[start-1] == ' ' {
			start--
		}
		for start > 0 && e.line[start-1] != ' ' {
			start--
		}
		e.line = append(e.line[:start], e.line[e.pos:]...)
		e.pos = start
	case keyInterrupt:
		return "", errInterrupt, true
	case keyEOF:
		if len(e.line) == 0 {
			return "", io.EOF, true
		}
		e.deleteUnder()
	case keyRedraw:
		e.buf = append(e.buf, clearScreen...)
	}
	e.redraw()
	return "", nil, false
}

// deleteUnder deletes the rune under the cursor.
func (e *editor) deleteUnder() {
	if e.pos < len(e.line) {
		e.line = append(e.line[:e.pos], e.line[e.pos+1:]...)
	}
}

// lineBytes is the UTF-8 length of the line.
func (e *editor) lineBytes() int {
	n := 0
	for _, r := range e.line {
		n += utf8.RuneLen(r)
	}
	return n
}

// remember adds an entered line to the history; a repeat of the last
// entry is not stored twice.
func (e *editor) remember(line string) {
	if n := len(e.hist); n == 0 || e.hist[n-1] != line {
		e.hist = append(e.hist, line)
		if len(e.hist) > historySize {
			e.hist = e.hist[1:]
		}
	}
	e.histIdx = -1
	e.draft = ""
}

// browse moves through the history: +1 older, -1 newer. Leaving the
// newest entry downwards brings back the line being typed before.
func (e *editor) browse(dir int) {
	next := e.histIdx + dir
	if next < -1 || next >= len(e.hist) {
		return
	}
	if e.histIdx == -1 {
		e.draft = string(e.line)
	}
	e.histIdx = next
	if next == -1 {
		e.line = []rune(e.draft)
	} else {
		e.line = []rune(e.hist[len(e.hist)-1-next])
	}
	e.pos = len(e.line)
}

// commit replaces the submitted line on screen with shown (nothing when
// shown is empty) and starts a fresh input line.
func (e *editor) commit(shown string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.buf = append(e.buf, eraseLine...)
	if shown != "" {
		e.buf = append(e.buf, shown...)
		e.buf = append(e.buf, crlf...)
	}
	e.clearLine()
	e.redraw()
	e.flush()
}

// clearLine empties the input line, wiping what it held: it may have been
// a password.
func (e *editor) clearLine() {
	clear(e.line[:cap(e.line)])
	e.line, e.pos, e.scroll = e.line[:0], 0, 0
}

// lastHidden reports whether the line readLine returned last was typed
// while hidden, and so is a password.
func (e *editor) lastHidden() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.sentHidden
}

// setHidden starts or ends hiding what is typed. A half-typed line is
// dropped either way: text typed hidden must never be drawn, and text
// typed visibly was not meant as a password.
func (e *editor) setHidden(on bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.hidden == on {
		return
	}
	e.hidden = on
	e.clearLine()
	e.histIdx, e.draft = -1, ""
	if !e.closed {
		e.redraw()
		e.flush()
	}
}

// resize takes the terminal's new width and redraws.
func (e *editor) resize(width int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if width <= 0 || e.closed {
		return
	}
	e.width = width
	e.redraw()
	e.flush()
}

// close clears the input row for good; later lines print plainly, for a
// terminal that is back in cooked mode.
func (e *editor) close() {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return
	}
	e.closed = true
	e.buf = append(e.buf, eraseLine...)
	e.flush()
}

// redraw queues the input row: prompt, the visible part of the line, and
// the cursor in its column. The row never reaches the last column, so the
// terminal never wraps it.
func (e *editor) redraw() {
	if e.hidden {
		// Nothing for what is typed, not even a star per character: as
		// with sudo, passwd and ssh, the length is nobody's business. The
		// cursor rests after the prompt.
		e.buf = append(e.buf, eraseLine...)
		e.buf = append(e.buf, e.prompt...)
		return
	}
	avail := max(e.width-e.promptWidth-1, minInputColumns)
	e.fitScroll(avail)
	end, used := e.scroll, 0
	for end < len(e.line) {
		w := runeWidth(e.line[end])
		if used+w > avail {
			break
		}
		used += w
		end++
	}
	e.buf = append(e.buf, eraseLine...)
	e.buf = append(e.buf, e.prompt...)
	for _, r := range e.line[e.scroll:end] {
		e.buf = utf8.AppendRune(e.buf, r)
	}
	e.buf = append(e.buf, '\r')
	if col := e.promptWidth + runesWidth(e.line[e.scroll:e.pos]); col > 0 {
		e.buf = append(e.buf, "\x1b["...)
		e.buf = strconv.AppendInt(e.buf, int64(col), 10)
		e.buf = append(e.buf, 'C')
	}
}

// fitScroll chooses the first visible rune so the cursor is in view and
// the window is no further right than needed.
func (e *editor) fitScroll(avail int) {
	if e.scroll > e.pos {
		e.scroll = e.pos
	}
	w := runesWidth(e.line[e.scroll:e.pos])
	for w > avail && e.scroll < e.pos {
		w -= runeWidth(e.line[e.scroll])
		e.scroll++
	}
	// Scroll back when the end of the line fits from further left (after
	// deleting, or a wider terminal).
	tail := runesWidth(e.line[e.scroll:])
	for e.scroll > 0 && tail+runeWidth(e.line[e.scroll-1]) <= avail {
		e.scroll--
		tail += runeWidth(e.line[e.scroll])
	}
}

// flush writes the queued output in one write, so the terminal never shows
// a half-drawn row.
func (e *editor) flush() {
	if len(e.buf) == 0 {
		return
	}
	_, _ = e.out.Write(e.buf) // a vanished terminal ends the session through stdin
	e.buf = e.buf[:0]
}
