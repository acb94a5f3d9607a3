package store

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// Store keeps accounts, bans, mutes and room history. Every method blocks
// until its change is durable (for Bolt: committed and fsynced), and is safe
// to call from several goroutines at once; none may be called from the
// event loop. Keys (nicknames, room names) arrive already folded; the store
// compares them byte for byte.
type Store interface {
	// Register creates the account key with its display name and password
	// hash (from Hash); ErrExists if key is taken. The check and the write
	// are one transaction, so of two racing registrations one wins.
	Register(key, display, hash string) error
	// Account returns the account key, or ErrNotFound.
	Account(key string) (Account, error)
	// Accounts returns every account, ordered by key.
	Accounts() ([]Account, error)
	// SetPassword replaces the account's hash; ErrNotFound if there is none.
	SetPassword(key, hash string) error
	// SetOperator marks the account an operator or not; ErrNotFound if
	// there is no such account.
	SetOperator(key string, operator bool) error
	// Unregister deletes the account; ErrNotFound if there is none.
	Unregister(key string) error

	// AddBan stores b, replacing a ban of the same Kind's namespace and
	// target (addresses and CIDRs share one: an address is its /32 or
	// /128). Targets are canonicalised (see Ban). A zero Created is now.
	AddBan(b Ban) error
	// RemoveBan lifts the ban on target of kind; ErrNotFound if there is
	// none (or it had expired).
	RemoveBan(kind BanKind, target string) error
	// Bans returns the bans in force, ordered by kind then target; expired
	// ones are deleted instead.
	Bans() ([]Ban, error)

	// AddMute stores m, replacing any mute of the same target.
	AddMute(m Mute) error
	// RemoveMute lifts the mute on target; ErrNotFound if there is none.
	RemoveMute(target string) error
	// Mutes returns the mutes in force, ordered by target; expired ones are
	// deleted instead.
	Mutes() ([]Mute, error)

	// AppendHistory appends each room's lines, oldest first, in one
	// transaction (one fsync for the whole batch), then trims every room it
	// touched to the newest HistoryMax lines.
	AppendHistory(batch map[string][]HistoryLine) error
	// History returns a room's stored lines, oldest first (none for a room
	// never written).
	History(room string) ([]HistoryLine, error)
	// DropHistory forgets the rooms' history: they have emptied and are
	// gone. Rooms without history are ignored.
	DropHistory(rooms ...string) error
	// AllHistory returns every room's lines, for loading at startup.
	AllHistory() (map[string][]HistoryLine, error)

	// Close flushes and releases the store; later calls fail with ErrClosed.
	// Closing twice is not an error.
	Close() error
}

// Account is a registered nickname.
type Account struct {
	Key      string // folded nickname
	Display  string // the nickname as registered
	Hash     string // argon2id PHC string (Hash); never logged
	Operator bool   // granted by /op (the -opers flag is the caller's)
	Created  time.Time
}

// BanKind says what a ban bars.
type BanKind uint8

const (
	BanNick BanKind = iota + 1 // a folded nickname may not log in
	BanAddr                    // one IP address is refused at connect
	BanCIDR                    // a network is refused at connect
)

func (k BanKind) String() string {
	switch k {
	case BanNick:
		return "nick"
	case BanAddr:
		return "addr"
	case BanCIDR:
		return "cidr"
	}
	return fmt.Sprintf("BanKind(%d)", uint8(k))
}

// Ban bars a nickname, an address or a network. Target is the folded
// nickname for BanNick and a netip.Prefix string for the others: AddBan
// accepts "192.0.2.7" or "2001:db8::1" for BanAddr (stored as
// "192.0.2.7/32") and a prefix such as "192.0.2.0/24" for BanCIDR (stored
// masked: "192.0.2.9/24" becomes "192.0.2.0/24"; IPv4-mapped IPv6 is
// unmapped).
type Ban struct {
	Kind    BanKind
	Target  string
	Reason  string
	SetBy   string // the operator's nickname, as displayed
	Created time.Time
	Expires time.Time // zero: never
}

// Prefix is the network an address or CIDR ban covers (invalid for a
// nickname ban).
func (b Ban) Prefix() netip.Prefix {
	if b.Kind == BanNick {
		return netip.Prefix{}
	}
	p, _ := netip.ParsePrefix(b.Target)
	return p
}

// Mute silences a folded nickname in rooms.
type Mute struct {
	Target  string // folded nickname
	Reason  string
	SetBy   string
	Created time.Time
	Expires time.Time // zero: never
}

// HistoryLine is one stored room line.
type HistoryLine struct {
	Kind     uint8  // the caller's message kind (chat, emote), stored as is
	FromNick string // the sender's nickname when sent
	FromID   string // the sender's identity, opaque to the store
	Text     string
	Time     time.Time
}

// expired reports whether something expiring at exp is over at now.
func expired(exp, now time.Time) bool { return !exp.IsZero() && !now.Before(exp) }

var (
	// ErrExists: Register found the key taken.
	ErrExists = errors.New("already exists")
	// ErrNotFound: no account, ban or mute has that key.
	ErrNotFound = errors.New("not found")
	// ErrInvalid: an empty key or room, an unknown ban kind, or a ban
	// target that is not an address or prefix of its kind.
	ErrInvalid = errors.New("invalid argument")
	// ErrClosed: the store was closed.
	ErrClosed = errors.New("store closed")
	// ErrLocked: another process holds the database file.
	ErrLocked = errors.New("database file is locked by another process")
	// ErrCorrupt: the file is not a readable bbolt database, or a record
	// in it cannot be decoded.
	ErrCorrupt = errors.New("corrupt database")
	// ErrSchema: the file is a bbolt database but not one this version of
	// teahouse can use (another program's, or a newer schema).
	ErrSchema = errors.New("unusable database schema")
)

// DefaultHistoryMax is how many lines a room keeps unless WithHistoryMax
// says otherwise; it matches session.DefaultHistory.
const DefaultHistoryMax = 20

// DefaultLockTimeout is how long Open waits for another process to let go
// of the file before failing with ErrLocked.
const DefaultLockTimeout = time.Second

type options struct {
	now         func() time.Time
	historyMax  int
	lockTimeout time.Duration
}

// Option configures Open, OpenBolt and NewMemory.
type Option func(*options)

// WithClock makes the store read the time from now (for tests of expiry).
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithHistoryMax keeps the newest n lines of each room (n <= 0: none).
func WithHistoryMax(n int) Option { return func(o *options) { o.historyMax = max(n, 0) } }

// WithLockTimeout sets how long OpenBolt waits for the file lock.
func WithLockTimeout(d time.Duration) Option { return func(o *options) { o.lockTimeout = d } }

func newOptions(opts []Option) options {
	o := options{now: time.Now, historyMax: DefaultHistoryMax, lockTimeout: DefaultLockTimeout}
	for _, f := range opts {
		f(&o)
	}
	return o
}

// Open opens the store for the -data flag: the bbolt file at path, created
// if missing, or for path "" a memory store that persists nothing.
func Open(path string, opts ...Option) (Store, error) {
	if path == "" {
		return NewMemory(opts...), nil
	}
	return OpenBolt(path, opts...)
}

// banKey is the ban's database key, its canonical target, or an error
// wrapping ErrInvalid. Nicknames and networks live in separate namespaces
// ("n" and "p" then the target), so a nickname can never lift a network ban.
func banKey(kind BanKind, target string) (key, canon string, err error) {
	if target == "" {
		return "", "", fmt.Errorf("%w: empty ban target", ErrInvalid)
	}
	switch kind {
	case BanNick:
		return "n" + target, target, nil
	case BanAddr:
		a, err := netip.ParseAddr(target)
		if err != nil {
			if p, perr := netip.ParsePrefix(target); perr == nil && p.IsSingleIP() {
				a, err = p.Addr(), nil
			}
		}
		if err != nil || a.Zone() != "" {
			return "", "", fmt.Errorf("%w: %q is not an IP address", ErrInvalid, target)
		}
		a = a.Unmap()
		canon = netip.PrefixFrom(a, a.BitLen()).String()
	case BanCIDR:
		p, err := netip.ParsePrefix(target)
		if err != nil {
			return "", "", fmt.Errorf("%w: %q is not a CIDR prefix", ErrInvalid, target)
		}
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		canon = p.Masked().String()
	default:
		return "", "", fmt.Errorf("%w: ban kind %d", ErrInvalid, uint8(kind))
	}
	return "p" + canon, canon, nil
}

func checkKey(what, key string) error {
	if key == "" {
		return fmt.Errorf("%w: empty %s", ErrInvalid, what)
	}
	if len(key) > maxKeyBytes {
		return fmt.Errorf("%w: %s of %d bytes is over %d", ErrInvalid, what, len(key), maxKeyBytes)
	}
	return nil
}

// maxKeyBytes bounds keys well inside bbolt's MaxKeySize (32 KiB).
const maxKeyBytes = 1024
