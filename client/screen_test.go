package main

import (
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
)

// wideTail marks the second cell of a wide character in a screenModel.
const wideTail = -1

// screenModel is a small VT100 screen for tests: enough of the sequences
// the editor and the server lines use (text with wide characters, CR, LF,
// ESC[K, cursor moves, ESC[2J, ESC[H, colours ignored) to say what a user
// would see, rather than asserting escape codes byte by byte.
type screenModel struct {
	mu      sync.Mutex
	cols    int
	rows    [][]rune
	x, y    int
	pending []byte // an incomplete sequence or character from the last write
}

// newScreenModel returns an empty screen cols wide.
func newScreenModel(cols int) *screenModel {
	return &screenModel{cols: cols, rows: [][]rune{make([]rune, cols)}}
}

// Write interprets p.
func (s *screenModel) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	b := append(s.pending, p...)
	for len(b) > 0 {
		n := s.step(b)
		if n == 0 {
			break
		}
		b = b[n:]
	}
	s.pending = append([]byte(nil), b...)
	return len(p), nil
}

// step interprets the first character or sequence of b; 0 means b is
// incomplete.
func (s *screenModel) step(b []byte) int {
	switch b[0] {
	case '\r':
		s.x = 0
		return 1
	case '\n':
		s.down()
		return 1
	case 0x1b:
		if len(b) < 2 {
			return 0
		}
		if b[1] != '[' {
			return 2
		}
		i := 2
		for i < len(b) && (b[i] >= '0' && b[i] <= '9' || b[i] == ';' || b[i] == '?') {
			i++
		}
		if i == len(b) {
			return 0
		}
		s.csi(string(b[2:i]), b[i])
		return i + 1
	}
	if b[0] < 0x20 {
		return 1
	}
	if !utf8.FullRune(b) {
		return 0
	}
	r, n := utf8.DecodeRune(b)
	s.put(r)
	return n
}

// csi applies one control sequence.
func (s *screenModel) csi(params string, final byte) {
	n, err := strconv.Atoi(params)
	if err != nil || n == 0 {
		n = 1
	}
	switch final {
	case 'K':
		for i := s.x; i < s.cols; i++ {
			s.rows[s.y][i] = 0
		}
	case 'C':
		s.x = min(s.x+n, s.cols-1)
	case 'D':
		s.x = max(s.x-n, 0)
	case 'A':
		s.y = max(s.y-n, 0)
	case 'B':
		for range n {
			s.down()
		}
	case 'J':
		for i := range s.rows {
			s.rows[i] = make([]rune, s.cols)
		}
	case 'H':
		s.x, s.y = 0, 0
	}
}

// down moves to the next row, adding it when needed.
func (s *screenModel) down() {
	s.y++
	if s.y == len(s.rows) {
		s.rows = append(s.rows, make([]rune, s.cols))
	}
}

// put writes one character at the cursor, wrapping at the right edge.
func (s *screenModel) put(r rune) {
	w := runeWidth(r)
	if w == 0 {
		return
	}
	if s.x+w > s.cols {
		s.x = 0
		s.down()
	}
	s.rows[s.y][s.x] = r
	if w == 2 {
		s.rows[s.y][s.x+1] = wideTail
	}
	s.x += w
}

// lines returns the screen's rows as text, trailing blanks trimmed, and
// trailing empty rows dropped.
func (s *screenModel) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, row := range s.rows {
		var b strings.Builder
		for _, r := range row {
			switch r {
			case wideTail:
			case 0:
				b.WriteByte(' ')
			default:
				b.WriteRune(r)
			}
		}
		out = append(out, strings.TrimRight(b.String(), " "))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}

// String is the whole screen, one row a line.
func (s *screenModel) String() string { return strings.Join(s.lines(), "\n") }

// cursor returns the cursor's column and row.
func (s *screenModel) cursor() (x, y int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.x, s.y
}
