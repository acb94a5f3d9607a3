package session

import (
	"strconv"
	"strings"
)

// crowdNames is how many names a crowd summary gives of its joins, and of
// its leaves, before "and N more".
const crowdNames = 3

// crowdNews is what a crowded room (Config.Crowd) has not yet announced:
// the joins and leaves since its last summary, counted, with the first
// few names of each. Its size does not depend on how many came or went,
// so a crowd arriving or leaving costs the server O(rooms), where a line
// per person per member would cost O(n²).
type crowdNews struct {
	joined, left  int
	joins, leaves [crowdNames]string
}

// pending reports whether there is anything to announce.
func (n *crowdNews) pending() bool { return n.joined+n.left > 0 }

// text is the summary line, e.g. "37 joined, 12 left #lobby: ann, bob,
// cy and 34 more joined; dee, eve, fay and 9 more left".
func (n *crowdNews) text(room string) string {
	var b strings.Builder
	switch {
	case n.joined > 0 && n.left > 0:
		b.WriteString(strconv.Itoa(n.joined) + " joined, " + strconv.Itoa(n.left) + " left #" + room + ": ")
		writeNames(&b, n.joins[:], n.joined)
		b.WriteString(" joined; ")
		writeNames(&b, n.leaves[:], n.left)
		b.WriteString(" left")
	case n.joined > 0:
		b.WriteString(strconv.Itoa(n.joined) + " joined #" + room + ": ")
		writeNames(&b, n.joins[:], n.joined)
	default:
		b.WriteString(strconv.Itoa(n.left) + " left #" + room + ": ")
		writeNames(&b, n.leaves[:], n.left)
	}
	return b.String()
}

// writeNames writes "ann", "ann and bob", "ann, bob and cy" or "ann, bob,
// cy and 34 more" for count people of whom names holds the first few.
func writeNames(b *strings.Builder, names []string, count int) {
	shown := min(count, len(names))
	for i := range shown {
		switch {
		case i == 0:
		case i == shown-1 && count == shown:
			b.WriteString(" and ")
		default:
			b.WriteString(", ")
		}
		b.WriteString(names[i])
	}
	if more := count - shown; more > 0 {
		b.WriteString(" and " + strconv.Itoa(more) + " more")
	}
}

// crowded reports whether r is past Config.Crowd members, counting
// whoever is joining or leaving.
func (t *Table) crowded(r *Room) bool {
	return t.cfg.Crowd > 0 && r.Len() > t.cfg.Crowd
}

// noteJoin records s's join of the crowded room r for the next summary.
// s itself hears its own join line at once: a client (or a script) takes
// "*** NICK joined #room" as the sign that its login or move worked.
func (t *Table) noteJoin(s *Session, r *Room) {
	s.deliver(&Message{Kind: Announce, Room: r.key, Text: s.nick + " joined #" + r.name, Time: t.now})
	t.noteJoinName(r, s.nick)
}

// noteJoinName records nick's join of the crowded room r for the next
// summary.
func (t *Table) noteJoinName(r *Room, nick string) {
	t.news(r)
	if r.news.joined < crowdNames {
		r.news.joins[r.news.joined] = nick
	}
	r.news.joined++
}

// noteLeave records nick's leaving the crowded room r for the next summary.
func (t *Table) noteLeave(r *Room, nick string) {
	t.news(r)
	if r.news.left < crowdNames {
		r.news.leaves[r.news.left] = nick
	}
	r.news.left++
}

// news puts r on the list of rooms with a summary to give.
func (t *Table) news(r *Room) {
	if !r.news.pending() {
		t.crowds = append(t.crowds, r)
	}
}

// flushNews gives r's pending summary now, when the room is about to go
// back to one line per person: the summary tells of what came first.
func (t *Table) flushNews(r *Room) {
	if r.news.pending() {
		t.announce(r, r.news.text(r.name))
		r.news = crowdNews{} // announceCrowds skips the room, which has none left
	}
}

// announceCrowds gives each room with news its one summary line: called
// from Tick, so a room hears at most one a second. A room forgotten since
// (it emptied) has no one to tell, and its news was dropped with it.
func (t *Table) announceCrowds() {
	for i, r := range t.crowds {
		if r.news.pending() && t.rooms[r.key] == r {
			t.announce(r, r.news.text(r.name))
		}
		r.news = crowdNews{}
		t.crowds[i] = nil
	}
	t.crowds = t.crowds[:0]
}
