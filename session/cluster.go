package session

import "time"

// Cluster is how the core talks to other teahouse servers. The reactor
// implements it over server/cluster's Node; tests use a fake. Every
// method is called on the event loop and must not block: each only queues
// work and returns, false meaning the bounded queue toward the other
// servers was full (or the link is stopped) and nothing will come of it.
// What the work produces comes back as RemoteEvents through Table.Remote.
//
// Config.Cluster nil is a single server: none of this code runs.
type Cluster interface {
	// ID is this server's node id, as other servers name it in events.
	ID() string
	// Publish sends a room event (to RoomKey's subscribers) or a direct
	// one (to node Node), once, whatever the number of recipients.
	Publish(ev RemoteEvent) bool
	// Subscribe starts hearing room key; with history, the room's recent
	// lines are asked of a server that has it and come back as EvHistA.
	Subscribe(key, room string, history bool) bool
	// Unsubscribe stops hearing room key.
	Unsubscribe(key string) bool
	// Answer sends a room's history to the server that asked (an EvHistQ).
	Answer(q RemoteEvent, lines []RemoteEvent) bool
	// Claim asks for the nickname key cluster-wide; the answer is an
	// EvClaimed event. Update rewrites a held name's entry (its room);
	// Release gives it back.
	Claim(key string, v Presence) bool
	Update(key string, v Presence) bool
	Release(key string) bool
}

// EventKind says what a RemoteEvent is. The kinds mirror server/cluster's.
type EventKind uint8

// Events between servers (they travel in frames).
const (
	EvChat     EventKind = iota + 1 // From says Text in Room
	EvEmote                         // * From Text
	EvJoin                          // From joined Room
	EvLeave                         // From left Room; Text is the reason
	EvRename                        // From is now To (in Room)
	EvPM                            // From (SID) to To (ToSID): Text
	EvPMFailed                      // a PM to From did not reach them; ToSID is its sender; Text the reason
	EvWhoisQ                        // From (SID) asks about To (ToSID)
	EvWhoisA                        // the answer for ToSID: Text
	EvHistQ                         // a server asks for RoomKey's history (Answer it)
	EvHistA                         // RoomKey's history: Lines, oldest first; Err when none came
)

// Events made by this server's own link to the others.
const (
	EvNodeUp      EventKind = iota + 64 // server Node joined
	EvNodeLost                          // server Node is gone: Text is the reason
	EvNickSet                           // presence: Nick holds key Key (another server's user)
	EvNickGone                          // presence: key Key was released
	EvClaimed                           // the answer to Claim(Key) for SID: Claim
	EvTaken                             // Key, held here by SID, was taken while cut off
	EvDropped                           // Count lines from other servers were lost (overload)
	EvUndelivered                       // a line from SID (to Room, or To) did not leave this server
	EvLinkDown                          // the link to the others is lost
	EvLinkUp                            // the link is back, names re-claimed
	EvFenced                            // this server's lease was lost
)

// ClaimResult is the answer to a Cluster.Claim.
type ClaimResult uint8

const (
	ClaimOK          ClaimResult = iota // the name is this user's
	ClaimTaken                          // a user on another server holds it
	ClaimUnavailable                    // the others cannot be asked right now
)

// RemoteEvent is one thing another server (or the link to them) says, or
// one thing this server says to them. Text is UTF-8; each server renders
// for its own users.
type RemoteEvent struct {
	Kind   EventKind
	Time   time.Time // origin clock
	Origin string    // the server that said it
	Seq    uint64    // per-origin sequence (set by Publish)
	SID    uint64    // the acting user's UserID.Seq on Origin
	ToSID  uint64    // the receiver's UserID.Seq
	From   string
	To     string
	Room   string // display name
	Text   string
	Lines  []RemoteEvent // EvHistA

	RoomKey string      // room events, EvHistQ, EvHistA
	Node    string      // direct events: the destination; EvNodeUp/Lost: that node
	Key     string      // EvNickSet, EvNickGone, EvClaimed, EvTaken
	Nick    Presence    // EvNickSet, EvNickGone, EvClaimed, EvTaken
	Count   int         // EvDropped
	Claim   ClaimResult // EvClaimed
	Err     error       // EvHistA (no history), EvUndelivered
	Reply   string      // EvHistQ: where the answer goes (opaque to the core)
}

// Presence is where a user is, as all servers see it: the nickname
// mirror's entry.
type Presence struct {
	Nick     string
	Node     string
	SID      uint64
	Room     string // folded key
	RoomName string
	Since    time.Time
}

// Texts users read about the cluster (PROTOCOL.md, Running several nodes).
const (
	textChecking       = "checking that name with the other servers…"
	textUnavailable    = "cannot check nicknames with the other servers right now; try again later"
	textLinkDown       = "lost contact with the other servers: only people on this server hear you"
	textLinkUp         = "other servers can hear you again"
	textNotSent        = "not delivered to other servers (cluster busy)"
	textTakenWhileDown = "was taken while this server was cut off; reconnect with another name"
	leftBeforeArrival  = "left before your message arrived"
	// maxLostLines is how many "left (node lost)" lines one room gets
	// before a summary line counts the rest.
	maxLostLines = 20
	// dropNoticeEvery spaces the notices about lines lost on the way in.
	dropNoticeEvery = time.Second
)
