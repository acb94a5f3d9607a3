package session

import (
	"net/netip"
	"time"
)

// Account is a registered nickname as the core knows it. The password hash
// never enters the core: the Store keeps it and checks passwords itself.
type Account struct {
	Key      string // the folded nickname (NameKey)
	Display  string // as registered
	Operator bool
}

// Ban bars a nickname, or every address in a range, from the server until
// Until (zero: no end). Exactly one of Nick and Prefix is set.
type Ban struct {
	Nick   string       // folded nickname
	Prefix netip.Prefix // a single address is a /32 or /128
	Reason string
	SetBy  string // the operator's nickname
	Set    time.Time
	Until  time.Time
}

// Target is the ban's subject as operators type it: a nickname key, an
// address, or a CIDR range.
func (b Ban) Target() string {
	if b.Nick != "" {
		return b.Nick
	}
	if b.Prefix.IsSingleIP() {
		return b.Prefix.Addr().String()
	}
	return b.Prefix.String()
}

// expired reports whether the ban has ended at now.
func (b Ban) expired(now time.Time) bool { return !b.Until.IsZero() && !now.Before(b.Until) }

// Mute keeps a user's chat, emotes and private messages from everyone
// until Until (zero: no end).
type Mute struct {
	Key   string // folded nickname
	SetBy string
	Set   time.Time
	Until time.Time
}

// expired reports whether the mute has ended at now.
func (m Mute) expired(now time.Time) bool { return !m.Until.IsZero() && !now.Before(m.Until) }

// Store is the core's way to what outlives the process: accounts,
// operators, bans, mutes and room history. Every method returns at once;
// the work (a password hash, a disk write) runs off the loop, and done is
// called on the loop through Table.Complete once the change is durable or
// has failed. done is never called before the method returns.
//
// The reactor implements it over the embedded database (or memory, with
// -data ""); tests use a fake.
type Store interface {
	// Register creates a, with password hashed. It fails if the account
	// exists.
	Register(a Account, password string, done func(error))
	// Verify checks password against key's account, in constant time.
	Verify(key, password string, done func(ok bool, err error))
	// SetPassword replaces key's password.
	SetPassword(key, password string, done func(error))
	// Unregister deletes key's account.
	Unregister(key string, done func(error))
	// SetOperator grants or takes back operator rights.
	SetOperator(key string, op bool, done func(error))
	// AddBan stores b, replacing a ban of the same target.
	AddBan(b Ban, done func(error))
	// RemoveBan deletes the ban of b's target.
	RemoveBan(b Ban, done func(error))
	// AddMute stores m, replacing a mute of the same user.
	AddMute(m Mute, done func(error))
	// RemoveMute deletes key's mute.
	RemoveMute(key string, done func(error))
	// SaveHistory appends m to room's stored history. It may be batched
	// (at most a second's worth is lost in a crash, none at shutdown) and
	// reports no result.
	SaveHistory(room string, m Message)
	// DropHistory forgets room's stored history: the room is gone.
	DropHistory(room string)
}

// Saved is what the Store held when the server started, handed to NewTable
// in Config.Saved so that the loop never waits on the disk.
type Saved struct {
	Accounts []Account
	Bans     []Ban
	Mutes    []Mute
	History  map[string][]Message // by room key, oldest first
}
