package session

import "sync/atomic"

// Stats are the Table's counters. The event loop writes them; any goroutine
// (a metrics scrape) may read them.
type Stats struct {
	Logins        atomic.Uint64 // successful logins
	LinesIn       atomic.Uint64 // complete input lines
	Deliveries    atomic.Uint64 // lines queued for a session
	DropsFlood    atomic.Uint64 // lines over the flood limit
	DropsLongLine atomic.Uint64 // lines over the maximum length
	DropsSlow     atomic.Uint64 // sessions dropped as too slow
	AuthFailures  atomic.Uint64 // wrong passwords
	AuthThrottled atomic.Uint64 // password tries refused by the guessing throttle
	StoreErrors   atomic.Uint64 // store operations that failed
	StoreBusy     atomic.Uint64 // store operations refused because its queues were full
	Online        atomic.Int64  // logged-in sessions
	Rooms         atomic.Int64  // rooms that exist
	RemoteUsers   atomic.Int64  // users on other servers of the cluster
}
