// Package cluster joins teahouse servers into one chat over NATS (core
// pub/sub for lines, JetStream KV for names and leases). It is the only
// package that imports NATS; session/ sees the cluster only through a
// small non-blocking interface that the reactor implements over a *Node.
// The design is /work/shared/CLUSTER.md; the deviations are listed below.
//
// # Shape
//
//   - Connect(ctx, urls, clusterName, Options) → *Node: one connection
//     (NoEcho, 1 MiB reconnect buffer, reconnecting forever), the buckets
//     P_nodes (TTL lease, limit markers) and P_nicks, a lease under a new
//     node id name-XXXXXX, and the initial picture of live nodes and held
//     names, delivered as NodeUp and NickSet events.
//   - The loop calls Publish, Subscribe, Unsubscribe, Answer, Claim,
//     Update and Release. Each only queues and returns; false means the
//     bounded queue was full and the caller tells the user.
//   - Everything coming back (other nodes' lines, claim results, node
//     loss, the mirror, link state, drop notices) is an Event, handed over
//     in batches of at most Options.Batch by Options.Deliver, inside a task
//     queued with Options.Execute; at most one such task is queued at a
//     time (the drainPending flag), so gnet's unbounded task queue cannot
//     grow because of the cluster.
//   - Stats holds atomic counters for metrics.
//
// Subjects and buckets, with P the cluster name: P.room.<tok> (room
// events), P.node.<id> (PM, PMFailed, WhoisQ/A), P.hist.<tok> (history
// requests, queue group "hist"), KV P_nodes (key: node id) and P_nicks
// (key: the name's token). A token is Token(key): base64url of the folded
// key.
//
// # Where this differs from CLUSTER.md
//
//   - A history request is made by the publisher goroutine right after the
//     room subscription, and this node joins the room's "hist" queue group
//     only once its own request has been answered: otherwise the queue
//     group could hand the request to the asker, which has nothing yet.
//   - Claim results come back as Claimed events through the same inbox as
//     everything else, rather than as a done callback: one path into the
//     loop, in one order with the mirror updates.
//   - A claim that meets an entry whose owner is not in the watched live
//     set asks P_nodes directly before taking it over: a node that started
//     a moment ago may not have reached this node's watcher yet, and its
//     fresh name must not be taken.
//   - After fencing or a reconnect the node keeps its id and re-creates its
//     lease (Create, or Update of its own surviving record); the watchers
//     are restarted and what changed meanwhile is delivered as differences
//     (NodeLost, NodeUp, NickGone, NickSet), then LinkUp. A restarted NATS
//     server without the memory buckets is handled the same way.
//   - Inbound drops cannot be pinned to a room: nats.go drops at the
//     shared channel before the subject is looked at. They are reported as
//     one Dropped event per Options.DropReport (1 s) with a count; the core
//     tells the users in rooms with remote members.
//   - A publish that NATS refuses (reconnect buffer full) comes back as an
//     Undelivered event naming the sender (SID) and room, so the sender is
//     told.
//   - The Unicode check compares Options.Unicode with the live nodes'
//     leases at Connect and refuses to join on a difference.
//   - Whois is plain direct events (WhoisQ to the owner's node, WhoisA
//     back to the asker's), not request/reply; the timeout is the core's.
//
// # Bounds
//
// natsIn (Options.Inbound, 8192): full ⇒ nats.go drops, counted via
// Subscription.Dropped. inbox (Options.Inbox, 8192): the watcher, KV
// workers and pump wait on it; never the loop, never nats.go's reader.
// outbox (Options.Outbox, 8192): full ⇒ Publish returns false, counted.
// KV work: 8 workers with 256-deep queues, one name always on the same
// worker so its claim and release keep their order. History requests: at
// most 256 in flight.
package cluster
