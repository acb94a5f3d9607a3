package session

import (
	"time"

	"teahouse/session/wire"
)

// Defaults for Config, as PROTOCOL.md gives them.
const (
	DefaultName    = "teahouse"
	DefaultHistory = 20      // lines replayed on entering a room
	DefaultRate    = 10      // lines per second per session
	DefaultBurst   = 20      // lines a session may send at once
	DefaultMaxOut  = 1 << 20 // unsent bytes before a reader counts as too slow
	LobbyName      = "lobby" // the room everyone starts in
	MaxNickLen     = 16      // characters in a nickname
	MaxRoomLen     = 32      // characters in a room name
	MaxIgnores     = 100     // users one session can ignore at once
	DefaultCrowd   = 50      // members past which joins and leaves are summarized
)

// Config holds what a Table needs to know. The zero value of each limit
// turns it off (Rate, MaxOut, Idle, History); DefaultConfig gives the
// protocol's defaults.
type Config struct {
	Name        string        // server name in the welcome line
	Charset     wire.Charset  // charset of new sessions
	AutoCharset bool          // switch a UTF-8 session to GBK on its first GBK line
	MaxLine     int           // longest input line in bytes
	History     int           // lines of room history replayed on entering (0: none)
	Rate        float64       // flood limit in lines per second (0: off)
	Burst       int           // flood bucket size
	MaxOut      int           // unsent bytes before a session is dropped as too slow (0: off)
	Idle        time.Duration // disconnect after this long without input (0: off)
	MOTD        []string      // lines sent after the welcome line
	Now         func() time.Time
	// Store keeps accounts, bans, mutes and history across restarts; nil
	// means no accounts and no operator commands. Saved is what it held at
	// startup, Opers the nicknames that are operators once registered.
	Store Store
	Saved Saved
	Opers []string
	// Audit hears every operator action and failed login; Fault every
	// error the Store reports. Both are called on the loop.
	Audit func(AuditEvent)
	Fault func(what string, err error)
	// Commands are added to the built-in ones (operator commands, say).
	// A name, alias or bare word used twice panics in NewTable.
	Commands []*Command

	// Cluster joins this server to others (server/cluster over NATS); nil
	// is a single server, and no cluster code runs at all.
	Cluster Cluster

	// DeferFlush, when set, is called (once) when an entry point leaves
	// output queued; the reactor must then call Table.Flush on the event
	// loop, typically from a task that runs after the rest of the current
	// poll's events. Nil means every entry point flushes before returning.
	DeferFlush func()

	// Coalesce is the coalescing window: output for a session written less
	// than Coalesce ago is held until Coalesce has passed since that write,
	// so the lines of a busy window leave in one write; a session quiet for
	// Coalesce is written at once. 0 writes everything at the next flush.
	// It needs Schedule, through which the Table asks the reactor to call
	// Flush on the loop once the given delay has passed (a later request
	// replaces an earlier one; one timer for the whole Table suffices).
	Coalesce time.Duration
	Schedule func(d time.Duration)

	// Crowd is the room size past which joins and leaves are no longer
	// announced one line per person to every member but counted, and
	// summarized in one line per room at each Tick (0: never).
	Crowd int
}

// DefaultConfig returns the protocol's defaults: auto charset, 4096-byte
// lines, 20 lines of history, 10 lines/s with bursts of 20, 1 MiB output
// cap, and joins and leaves summarized in rooms of more than 50.
func DefaultConfig() Config {
	return Config{
		Name:        DefaultName,
		Charset:     wire.UTF8,
		AutoCharset: true,
		MaxLine:     wire.DefaultMaxLine,
		History:     DefaultHistory,
		Rate:        DefaultRate,
		Burst:       DefaultBurst,
		MaxOut:      DefaultMaxOut,
		Crowd:       DefaultCrowd,
		Now:         time.Now,
	}
}

// withDefaults returns c with what a Table cannot do without filled in:
// the clock, the line limit, the name and a bucket of at least one line.
func (c Config) withDefaults() Config {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.MaxLine <= 0 {
		c.MaxLine = wire.DefaultMaxLine
	}
	if c.Name == "" {
		c.Name = DefaultName
	}
	if c.Burst < 1 {
		c.Burst = 1
	}
	if c.Schedule == nil || c.Coalesce < 0 {
		c.Coalesce = 0 // nothing would write what is held
	}
	return c
}
