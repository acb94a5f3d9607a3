package cluster

import (
	"errors"
	"log/slog"
	"time"
)

// Defaults and limits (CLUSTER.md §5, §8). Every bound is a named constant.
const (
	// DefaultLeaseTTL is how long a node's lease outlives its last renewal:
	// the time within which a crashed node's names become free again.
	DefaultLeaseTTL = 15 * time.Second
	// DefaultInbound is the depth of the channel all core subscriptions
	// share; when it is full nats.go drops (and counts) what arrives.
	DefaultInbound = 8192
	// DefaultInbox is the depth of decoded events waiting for the loop.
	DefaultInbox = 8192
	// DefaultOutbox is the depth of operations from the loop waiting for
	// the publisher; when it is full Publish returns false at once.
	DefaultOutbox = 8192
	// DefaultBatch is the most events one task on the loop delivers.
	DefaultBatch = 512
	// DefaultKVTimeout bounds one KV call (claim, release, renewal).
	DefaultKVTimeout = 2 * time.Second
	// DefaultHistoryTimeout bounds a history request to the other nodes.
	DefaultHistoryTimeout = 250 * time.Millisecond
	// DefaultDropReport is how often dropped inbound lines are counted and
	// reported as one Dropped event.
	DefaultDropReport = time.Second
	// ReconnectBuf bounds what nats.go holds while the link is down (the
	// nats.go default, 8 MiB, is a lot of stale chat).
	ReconnectBuf = 1 << 20
	// kvWorkers run claims, releases and updates; a key always goes to the
	// same worker, so one name's operations keep their order.
	kvWorkers = 8
	// kvQueue is each KV worker's queue depth.
	kvQueue = 256
	// maxRequests bounds history requests in flight.
	maxRequests = 256
	// protoVersion is the frame protocol in the lease record.
	protoVersion = 1
)

// Options configure a Node. Execute and Deliver are required.
type Options struct {
	// NodeName is the readable part of the node id (default: the host name).
	NodeName string
	// Unicode is the version of the tables the core folds names with
	// (norm.Version). It is recorded in the lease; a node whose version
	// differs from a live node's refuses to start, because their keys
	// would not compare.
	Unicode string

	// Execute queues task onto the core's event loop and returns at once
	// (gnet's EventLoop.Execute); false if it could not (the loop is
	// gone). The node keeps at most one task queued at a time.
	Execute func(task func()) bool
	// Deliver runs on the loop, inside a task given to Execute, with up to
	// Batch events in arrival order. It must not keep the slice.
	Deliver func([]Event)

	LeaseTTL       time.Duration // default DefaultLeaseTTL
	Replicas       int           // bucket replicas: 3 on a 3+ server NATS cluster; default 1
	Inbound        int           // default DefaultInbound
	Inbox          int           // default DefaultInbox
	Outbox         int           // default DefaultOutbox
	Batch          int           // default DefaultBatch
	KVTimeout      time.Duration // default DefaultKVTimeout
	HistoryTimeout time.Duration // default DefaultHistoryTimeout
	DropReport     time.Duration // default DefaultDropReport
	ReconnectWait  time.Duration // between reconnection attempts; default nats.go's (2s)
	Log            *slog.Logger  // default: discard
}

var errNoLoop = errors.New("cluster: Options.Execute and Options.Deliver are required")

func (o *Options) fill() error {
	if o.Execute == nil || o.Deliver == nil {
		return errNoLoop
	}
	def := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defd := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defd(&o.LeaseTTL, DefaultLeaseTTL)
	def(&o.Replicas, 1)
	def(&o.Inbound, DefaultInbound)
	def(&o.Inbox, DefaultInbox)
	def(&o.Outbox, DefaultOutbox)
	def(&o.Batch, DefaultBatch)
	defd(&o.KVTimeout, DefaultKVTimeout)
	defd(&o.HistoryTimeout, DefaultHistoryTimeout)
	defd(&o.DropReport, DefaultDropReport)
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	return nil
}
