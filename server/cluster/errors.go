package cluster

import "errors"

// Errors the core sees in Event.Err.
var (
	// ErrTaken: the nickname is held by a user on a live node.
	ErrTaken = errors.New("cluster: nickname taken")
	// ErrUnavailable: NATS cannot be reached (or this node is fenced), so
	// no name can be checked; the core refuses the login or rename.
	ErrUnavailable = errors.New("cluster: cannot check nicknames right now")
	// ErrBusy: a bounded queue toward NATS is full.
	ErrBusy = errors.New("cluster: busy")
	// ErrNoHistory: no node holds the room, or none answered in time.
	ErrNoHistory = errors.New("cluster: no history from other servers")
	// ErrStopped: the node is stopping or stopped.
	ErrStopped = errors.New("cluster: stopped")
	// ErrUnicodeMismatch: a live node folds names with other Unicode tables.
	ErrUnicodeMismatch = errors.New("cluster: a live node folds names with another Unicode version")
)
