package session

import (
	"fmt"
	"slices"
	"strings"
)

// Room is a named group of logged-in sessions that hear each other.
type Room struct {
	name    string // as first typed, for display
	key     string // folded, for lookup
	members []*Session
	history history
	news    crowdNews // joins and leaves a crowded room has yet to hear of
}

// Len returns the number of members.
func (r *Room) Len() int { return len(r.members) }

// add makes s a member. Membership is a slice with each session's index
// stored in it, so a broadcast walks contiguous memory and leaving is O(1).
func (r *Room) add(s *Session) {
	s.room, s.roomIdx = r, len(r.members)
	r.members = append(r.members, s)
}

// remove takes s out of the room.
func (r *Room) remove(s *Session) {
	r.members = removeAt(r.members, s.roomIdx, func(x *Session) *int { return &x.roomIdx })
	s.room, s.roomIdx = nil, -1
}

// nicks returns the members' nicknames, sorted for display.
func (r *Room) nicks() []string {
	out := make([]string, len(r.members))
	for i, s := range r.members {
		out[i] = s.nick
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

// room returns the room named name, creating it.
func (t *Table) room(name string) *Room {
	key := t.fold.key(name)
	if r := t.rooms[key]; r != nil {
		return r
	}
	r := &Room{name: name, key: key, history: newHistory(t.cfg.History)}
	for _, m := range t.saved[key] {
		r.history.add(m)
	}
	delete(t.saved, key)
	t.rooms[key] = r
	t.stats.Rooms.Add(1)
	t.remoteRoomCreated(r)
	return r
}

// enterRoom puts s in r: the history is replayed to s, then r is told, or
// for a crowded room s alone, the room at the next Tick (noteJoin).
func (t *Table) enterRoom(s *Session, r *Room) {
	r.add(s)
	t.greet(s, r)
}

// greet replays r's history to s, a member now, and tells the room.
func (t *Table) greet(s *Session, r *Room) {
	r.history.each(func(m *Message) {
		if !s.hides(m) {
			s.deliver(m)
		}
	})
	if t.crowded(r) {
		t.noteJoin(s, r)
		return
	}
	t.joined(r, s.nick)
}

// joined tells r that nick joined, one line or in the next summary.
func (t *Table) joined(r *Room, nick string) {
	if t.crowded(r) {
		t.noteJoinName(r, nick)
		return
	}
	t.flushNews(r)
	t.announce(r, nick+" joined #"+r.name)
}

// left tells r, which had more members (crowded says whether it was past
// Config.Crowd with them), that nick left and why.
func (t *Table) left(r *Room, nick, why string, crowded bool) {
	if crowded {
		t.noteLeave(r, nick) // told at the next Tick
		return
	}
	t.flushNews(r)
	t.announce(r, nick+" left #"+r.name+" ("+why+")")
}

// leaveRoom takes s out of its room, telling the room why (a crowded room:
// that s left, at the next Tick), unless the whole server is shutting
// down. An empty room other than the lobby is forgotten with its history.
func (t *Table) leaveRoom(s *Session, why string) {
	r := s.room
	crowded := t.crowded(r)
	r.remove(s)
	if !t.shutting {
		t.left(r, s.nick, why, crowded)
	}
	if r.Len() == 0 && r != t.lobby {
		delete(t.rooms, r.key)
		t.stats.Rooms.Add(-1)
		t.remoteRoomForgotten(r)
		if t.cfg.Store != nil {
			t.cfg.Store.DropHistory(r.key)
		}
	}
}

// move takes s from its room to the room named name.
func (t *Table) move(s *Session, name string) error {
	r := t.room(name)
	if r == s.room {
		return fmt.Errorf("you are already in #%s", r.name)
	}
	old := s.room
	t.leaveRoom(s, "to #"+r.name)
	t.remoteLeft(s, old, "to #"+r.name)
	if t.awaitHistory(s, r) {
		return nil // entered once the other servers' history arrives
	}
	t.enterRoom(s, r)
	t.remoteJoined(s, r)
	return nil
}
