package session

import "time"

// Kind says what a Message is, and so how it reads and who may skip it.
type Kind uint8

// The kinds of message. Chat and Emote are room talk (ignorable, kept in
// history); the others always reach their recipient.
const (
	Chat        Kind = iota // alice: hello
	Emote                   // * alice waves
	PrivateFrom             // [PM from alice] hi      (to the receiver)
	PrivateTo               // [PM to bob] hi          (to the sender)
	Announce                // *** alice joined #lobby
	Reply                   // -> no such user: bob    (to one user)
	Plain                   // Welcome to teahouse!    (text as it is)
)

// Message is one line for users, kept in UTF-8 and rendered per recipient
// at the edge (charset, timestamp, CRLF).
type Message struct {
	Kind   Kind
	From   string // sender's nickname (Chat, Emote, PrivateFrom)
	FromID UserID // the sender, who may rename; zero for the server
	To     string // receiver's nickname (PrivateTo)
	ToID   UserID // the receiver of a private message
	Room   string // the room's key (Chat, Emote, Announce to a room)
	Text   string
	Time   time.Time
}

// String is the canonical plain form of the line, as PROTOCOL.md writes it:
// no timestamp, no terminator, no charset.
func (m *Message) String() string { return string(m.appendText(nil)) }

// appendText appends String's form to dst without allocating.
func (m *Message) appendText(dst []byte) []byte {
	switch m.Kind {
	case Chat:
		dst = append(dst, m.From...)
		dst = append(dst, ": "...)
	case Emote:
		dst = append(dst, "* "...)
		dst = append(dst, m.From...)
		dst = append(dst, ' ')
	case PrivateFrom:
		dst = append(dst, "[PM from "...)
		dst = append(dst, m.From...)
		dst = append(dst, "] "...)
	case PrivateTo:
		dst = append(dst, "[PM to "...)
		dst = append(dst, m.To...)
		dst = append(dst, "] "...)
	case Announce:
		dst = append(dst, "*** "...)
	case Reply:
		dst = append(dst, "-> "...)
	}
	return append(dst, m.Text...)
}

// isTalk reports whether m is room talk that /ignore can hide.
func (m *Message) isTalk() bool { return m.Kind == Chat || m.Kind == Emote }
