package cluster

import (
	"time"
)

// Kind says what an Event is. The wire kinds travel between nodes in
// frames; the local kinds are made by this node (its watchers, its link,
// its KV workers) and only ever reach the core through deliver.
type Kind uint8

// The wire kinds: they map one to one onto what the core routes.
const (
	Chat     Kind = iota + 1 // room talk: From says Text in Room
	Emote                    // room talk: * From Text
	Join                     // From joined Room
	Leave                    // From left Room; Text is the reason ("quit", "node lost", …)
	Rename                   // From is now To (in Room)
	PM                       // From (SID) to To (ToSID) on node Node: Text
	PMFailed                 // To (ToSID) could not be reached: Text is the reason; From is the would-be receiver
	WhoisQ                   // From (SID) asks node Node about To (ToSID)
	WhoisA                   // the answer to From (ToSID): Text
	HistQ                    // a request for Room's history (request/reply on P.hist.<tok>)
	HistA                    // Room's history: Lines, oldest first

	lastWireKind = HistA
)

// The local kinds: never encoded.
const (
	NodeUp      Kind = iota + 64 // Node's lease appeared (or was renewed after a loss)
	NodeLost                     // Node is gone: Text is "node lost" (lease expired) or "server shutting down" (deleted)
	NickSet                      // the presence mirror: Nick holds the entry for key Key (another node's)
	NickGone                     // the presence mirror: key Key was released or cleaned up
	Claimed                      // the result of Claim(Key): Err is nil, ErrTaken or ErrUnavailable
	Taken                        // Key, claimed here, was taken while this node was cut off: end that session
	Dropped                      // Count lines from other nodes were lost before reaching this node (overload)
	Undelivered                  // a line from SID to Room (or To) did not leave this node: tell the sender
	LinkDown                     // the NATS connection is lost: local chat goes on, new claims are refused
	LinkUp                       // the NATS connection is back and this node's claims are restored
	Fenced                       // this node's lease was lost: remote presence is void until LinkUp
)

// Event is one thing that happened in the cluster, for the core to act on
// (deliver), or one thing the core says that other nodes must hear
// (Publish). Strings are UTF-8 as the core keeps them; rendering is the
// receiving core's business (charset, timestamps).
type Event struct {
	Kind   Kind
	Time   time.Time // origin clock; the same on every node, so replays agree
	Origin string    // the node that said it (set by Publish)
	Seq    uint64    // per-origin sequence, from 1 (set by Publish unless given): history de-duplication
	SID    uint64    // the acting user's UserID.Seq on Origin
	ToSID  uint64    // the receiver's UserID.Seq (PM, PMFailed, WhoisQ, WhoisA)
	From   string    // the acting user's nickname (Rename: the old one)
	To     string    // the receiver's nickname (Rename: the new one)
	Room   string    // the room's display name
	Text   string    // the line, the reason of a Leave or PMFailed, the Whois answer
	Lines  []Event   // HistA only: the ring, oldest first (no nested HistA)

	// Not on the wire.
	RoomKey string // room events and HistQ/HistA: the room's folded key (from the subject)
	Node    string // PM, PMFailed, WhoisQ, WhoisA: the destination node; NodeUp, NodeLost: that node
	Key     string // NickSet, NickGone, Claimed, Taken: the nick's folded key
	Nick    Nick   // NickSet: the mirror entry
	Count   int    // Dropped: how many lines
	Err     error  // Claimed, HistA (when no node answered in time), Undelivered
	Reply   string // HistQ: where Answer sends the ring
}

// isRoomKind reports whether k travels on a room subject.
func (k Kind) isRoomKind() bool { return k >= Chat && k <= Rename }

// isDirectKind reports whether k travels on a node subject.
func (k Kind) isDirectKind() bool { return k >= PM && k <= WhoisA }

var kindNames = [...]string{
	Chat: "chat", Emote: "emote", Join: "join", Leave: "leave", Rename: "rename", PM: "pm",
	PMFailed: "pm-failed", WhoisQ: "whois-q", WhoisA: "whois-a", HistQ: "hist-q", HistA: "hist-a",
	NodeUp: "node-up", NodeLost: "node-lost", NickSet: "nick-set", NickGone: "nick-gone",
	Claimed: "claimed", Taken: "taken", Dropped: "dropped", Undelivered: "undelivered",
	LinkDown: "link-down", LinkUp: "link-up", Fenced: "fenced",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) && kindNames[k] != "" {
		return kindNames[k]
	}
	return "kind(" + itoa(uint64(k)) + ")"
}

func itoa(n uint64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// Nick is a P_nicks entry: who holds a nickname and where. It is stored
// as JSON so that `nats kv get` shows it plainly.
type Nick struct {
	Nick     string    `json:"nick"`     // as displayed
	Node     string    `json:"node"`     // the owning node's id
	SID      uint64    `json:"sid"`      // the user's Seq on that node
	Room     string    `json:"room"`     // the room's folded key
	RoomName string    `json:"roomname"` // the room as displayed
	Since    time.Time `json:"since"`
}
