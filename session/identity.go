package session

import (
	"strconv"
	"strings"
)

// UserID is a user's identity: it outlives renames and is never given to
// anyone else, so ignores, /reply and history hold it rather than a
// nickname or a *Session (ssh-chat's user.ID()). A connection's user is
// Node "" (this server) and a sequence number counted from 1 by the Table;
// a user on another server carries that server's node name, and an account
// (offline or not) can be named the same way by a node of its own. The zero
// value names nobody (a server announcement).
type UserID struct {
	Node string // "" for a user connected to this server
	Seq  uint64 // unique within Node for its lifetime; 0 only in the zero value
}

// IsZero reports whether id names nobody.
func (id UserID) IsZero() bool { return id.Seq == 0 && id.Node == "" }

// String is "42" for a local user and "node/42" for a remote one: for logs.
func (id UserID) String() string {
	n := strconv.FormatUint(id.Seq, 10)
	if id.Node == "" {
		return n
	}
	return id.Node + "/" + n
}

// ParseUserID reads String's form back: "42" or "node/42". A string that
// is neither names nobody (the zero UserID), which hides nothing.
func ParseUserID(s string) UserID {
	node, seq := "", s
	if i := strings.LastIndexByte(s, '/'); i >= 0 {
		node, seq = s[:i], s[i+1:]
	}
	n, err := strconv.ParseUint(seq, 10, 64)
	if err != nil || n == 0 {
		return UserID{}
	}
	return UserID{Node: node, Seq: n}
}
