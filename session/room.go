package session

import (
	"slices"
	"strings"
)

// Room is a named group of logged-in sessions that hear each other.
type Room struct {
	name    string // as first typed, for display
	key     string // folded, for lookup
	members []*Session
	history history
}

// Name returns the room's display name, without '#'.
func (r *Room) Name() string { return r.name }

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

// removeAt removes list[i] in O(1) by moving the last session into its
// place, and tells the moved session its new position through index (the
// field that records where a session sits in this list).
func removeAt(list []*Session, i int, index func(*Session) *int) []*Session {
	last := len(list) - 1
	moved := list[last]
	list[i] = moved
	*index(moved) = i
	list[last] = nil
	return list[:last]
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
