package cluster

import (
	"context"
	"strings"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
)

// The hand-off between NATS and the event loop (CLUSTER.md §8):
//
//	nats.go read loop ─ChanSubscribe (every subscription)─▶ natsIn (Inbound; full ⇒ nats.go drops, counted)
//	watcher, KV workers, controller ─blocking send──────────▶ inbox (lossless; they wait)
//	pump: decode natsIn ─blocking send─▶ inbox               (backpressure onto natsIn, never onto NATS)
//	push: if drainPending.CAS(false, true) ⇒ Execute(drain)  (at most one task queued toward the loop)
//	loop drain: ≤ Batch events ⇒ Deliver; re-arm if more are waiting
//	loop ─non-blocking send─▶ outbox (Outbox; full ⇒ false, counted) ─▶ publisher: encode, nc.Publish
//
// One channel for every subscription keeps NATS's wire order across rooms
// and private messages; one publisher keeps this node's order.

// Stats are a node's counters, for metrics (teahouse_cluster_*). Every
// field is safe to read from any goroutine.
type Stats struct {
	InMsgs      atomic.Uint64 // frames decoded from other nodes
	OutMsgs     atomic.Uint64 // frames published
	InDrops     atomic.Uint64 // frames lost before decoding: natsIn was full (slow loop)
	OutDrops    atomic.Uint64 // frames not published: outbox full, or NATS refused (reconnect buffer full)
	BadFrames   atomic.Uint64 // frames that did not decode, or came from this node
	Delivered   atomic.Uint64 // events handed to Deliver
	Batches     atomic.Uint64 // tasks that ran Deliver
	Claims      atomic.Uint64 // names claimed
	ClaimsLost  atomic.Uint64 // claims refused: taken or unavailable
	Renewals    atomic.Uint64 // lease renewals
	Fencings    atomic.Uint64 // times this node found its lease lost
	Disconnects atomic.Uint64 // times the NATS link was lost
	connected   atomic.Bool
}

// Connected reports whether the NATS link is up.
func (s *Stats) Connected() bool { return s.connected.Load() }

// opKind is what the publisher does with an op.
type opKind uint8

const (
	opPublish opKind = iota + 1
	opSubscribe
	opUnsubscribe
	opHistory
)

// op is one operation from the loop for the publisher, in order.
type op struct {
	kind    opKind
	ev      Event
	subject string
	key     string
}

// roomSubs are the subscriptions of one room.
type roomSubs struct {
	room *nats.Subscription
	hist *nats.Subscription // queue group "hist": joined once this node has the room's history
}

// Publish queues ev for the other nodes: a room event (Chat, Emote,
// Join, Leave, Rename) to the room RoomKey, a direct event (PM, PMFailed,
// WhoisQ, WhoisA) to node Node. One publish per line, whatever the number
// of recipients. It sets Origin and, if zero, Seq. It never blocks: false
// means the outbox is full (or the node stopped) and the line will not
// reach other servers; the caller tells the sender.
func (n *Node) Publish(ev Event) bool {
	var subject string
	switch {
	case ev.Kind.isRoomKind():
		subject = n.names.room(ev.RoomKey)
	case ev.Kind.isDirectKind():
		subject = n.names.node(ev.Node)
	default:
		return false
	}
	ev.Origin = n.id
	if ev.Seq == 0 {
		ev.Seq = n.seq.Add(1)
	}
	return n.enqueue(op{kind: opPublish, ev: ev, subject: subject})
}

// NextSeq reserves a sequence number for an event the core wants to put
// in its own history before publishing it (Publish keeps a non-zero Seq).
func (n *Node) NextSeq() uint64 { return n.seq.Add(1) }

// Subscribe starts hearing room key's events (the room's first local
// member arrived). With history, the room's recent lines are asked of a
// node that has the room, and come back as one HistA event (Err
// ErrNoHistory when nobody has it). Returns false when the outbox is full.
func (n *Node) Subscribe(key, room string, history bool) bool {
	o := op{kind: opSubscribe, key: key}
	if history {
		o.ev = Event{Kind: HistQ, Origin: n.id, Room: room, RoomKey: key}
	}
	return n.enqueue(o)
}

// Unsubscribe stops hearing room key (its last local member left).
func (n *Node) Unsubscribe(key string) bool {
	return n.enqueue(op{kind: opUnsubscribe, key: key})
}

// Answer sends the ring of a room to a node that asked for it (the Reply
// of a HistQ event), oldest line first.
func (n *Node) Answer(q Event, lines []Event) bool {
	if q.Reply == "" {
		return false
	}
	ev := Event{Kind: HistA, Origin: n.id, Room: q.Room, RoomKey: q.RoomKey, Lines: lines}
	return n.enqueue(op{kind: opPublish, ev: ev, subject: q.Reply})
}

// enqueue hands o to the publisher without blocking.
func (n *Node) enqueue(o op) (ok bool) {
	if n.stopped.Load() {
		n.stats.OutDrops.Add(1)
		return false
	}
	defer func() {
		if recover() != nil { // the outbox closed between the check and the send
			n.stats.OutDrops.Add(1)
			ok = false
		}
	}()
	select {
	case n.outbox <- o:
		return true
	default:
		n.stats.OutDrops.Add(1)
		return false
	}
}

// publisher runs the loop's operations in order: encode and publish,
// subscribe, unsubscribe, start history requests.
func (n *Node) publisher() {
	defer close(n.pubDone)
	var buf []byte
	for o := range n.outbox {
		switch o.kind {
		case opPublish:
			buf = AppendFrame(buf[:0], &o.ev)
			if err := n.nc.Publish(o.subject, buf); err != nil {
				n.stats.OutDrops.Add(1)
				if o.ev.Kind != HistA {
					n.push(Event{Kind: Undelivered, SID: o.ev.SID, Room: o.ev.Room, RoomKey: o.ev.RoomKey, To: o.ev.To, Err: err})
				}
				continue
			}
			n.stats.OutMsgs.Add(1)
		case opSubscribe:
			n.subscribe(o.key, o.ev)
		case opUnsubscribe:
			n.unsubscribe(o.key)
		}
	}
}

// waitPublisher waits until the publisher has sent what was queued before
// Stop closed the outbox, then flushes the connection, within ctx: with
// NATS unreachable a plain Flush would wait its own 10 s.
func (n *Node) waitPublisher(ctx context.Context) {
	select {
	case <-n.pubDone:
		if _, ok := ctx.Deadline(); ok {
			_ = n.nc.FlushWithContext(ctx)
		} else {
			_ = n.nc.FlushTimeout(n.opt.KVTimeout)
		}
	case <-ctx.Done():
	}
}

func (n *Node) subscribe(key string, q Event) {
	n.subsMu.Lock()
	if n.subs[key] != nil {
		n.subsMu.Unlock()
		return
	}
	rs := &roomSubs{}
	n.subs[key] = rs
	sub, err := n.nc.ChanSubscribe(n.names.room(key), n.natsIn)
	if err != nil {
		n.opt.Log.Warn("cluster: subscribe", "room", key, "err", err)
	}
	rs.room = sub
	n.subsMu.Unlock()
	if q.Kind != HistQ {
		n.joinHist(key)
		return
	}
	select {
	case n.requests <- struct{}{}:
	default:
		n.joinHist(key)
		n.push(Event{Kind: HistA, Room: q.Room, RoomKey: key, Err: ErrBusy})
		return
	}
	// The room subscription above is on the wire before the request, so
	// no live line falls between the ring and what follows it; the core
	// de-duplicates by (Origin, Seq).
	frame := AppendFrame(nil, &q)
	n.wg.Go(func() {
		defer func() { <-n.requests }()
		ev := Event{Kind: HistA, Room: q.Room, RoomKey: key}
		msg, err := n.nc.Request(n.names.hist(key), frame, n.opt.HistoryTimeout)
		if err == nil {
			err = DecodeFrame(msg.Data, &ev)
			ev.RoomKey = key
		}
		if err != nil {
			ev = Event{Kind: HistA, Room: q.Room, RoomKey: key, Err: ErrNoHistory}
		}
		// Only now join the group that answers for the room: before, this
		// node could have been asked, and it has nothing yet.
		n.joinHist(key)
		n.push(ev)
	})
}

// joinHist joins the queue group answering history requests for key, if
// the room is still subscribed.
func (n *Node) joinHist(key string) {
	n.subsMu.Lock()
	defer n.subsMu.Unlock()
	rs := n.subs[key]
	if rs == nil || rs.hist != nil {
		return
	}
	sub, err := n.nc.ChanQueueSubscribe(n.names.hist(key), "hist", n.natsIn)
	if err != nil {
		n.opt.Log.Warn("cluster: subscribe history", "room", key, "err", err)
		return
	}
	rs.hist = sub
}

func (n *Node) unsubscribe(key string) {
	n.subsMu.Lock()
	defer n.subsMu.Unlock()
	rs := n.subs[key]
	if rs == nil {
		return
	}
	delete(n.subs, key)
	for _, s := range []*nats.Subscription{rs.room, rs.hist} {
		if s == nil {
			continue
		}
		if d, err := s.Dropped(); err == nil {
			n.goneDropped += uint64(d)
		}
		_ = s.Unsubscribe()
	}
}

// pump decodes what NATS delivered, in wire order, into the inbox.
func (n *Node) pump() {
	roomPrefix, histPrefix := n.names.roomPrefix(), n.names.histPrefix()
	for {
		var m *nats.Msg
		select {
		case <-n.ctx.Done():
			return
		case m = <-n.natsIn:
		}
		var ev Event
		if err := DecodeFrame(m.Data, &ev); err != nil || ev.Origin == n.id {
			n.stats.BadFrames.Add(1) // the origin check backs up NoEcho
			continue
		}
		switch {
		case strings.HasPrefix(m.Subject, roomPrefix):
			ev.RoomKey, _ = KeyOf(m.Subject[len(roomPrefix):])
			if !ev.Kind.isRoomKind() {
				n.stats.BadFrames.Add(1)
				continue
			}
		case strings.HasPrefix(m.Subject, histPrefix):
			ev.RoomKey, _ = KeyOf(m.Subject[len(histPrefix):])
			if ev.Kind != HistQ || m.Reply == "" {
				n.stats.BadFrames.Add(1)
				continue
			}
			ev.Reply = m.Reply
		default: // this node's subject
			if !ev.Kind.isDirectKind() {
				n.stats.BadFrames.Add(1)
				continue
			}
			ev.Node = ev.Origin
		}
		n.stats.InMsgs.Add(1)
		n.push(ev)
	}
}

// dropReporter adds up what nats.go dropped because natsIn was full and
// tells the core once per DropReport (one Dropped event), so that users
// hear that lines from other servers were lost, never silently.
func (n *Node) dropReporter() {
	t := time.NewTicker(n.opt.DropReport)
	defer t.Stop()
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
		if d := n.dropped() - n.reportedDrop; d > 0 {
			n.reportedDrop += d
			n.stats.InDrops.Add(d)
			n.push(Event{Kind: Dropped, Count: int(d)})
		}
	}
}

// dropped is the total nats.go dropped on every subscription, past and
// present.
func (n *Node) dropped() uint64 {
	n.subsMu.Lock()
	defer n.subsMu.Unlock()
	total := n.goneDropped
	add := func(s *nats.Subscription) {
		if s == nil {
			return
		}
		if d, err := s.Dropped(); err == nil {
			total += uint64(d)
		}
	}
	add(n.direct)
	for _, rs := range n.subs {
		add(rs.room)
		add(rs.hist)
	}
	return total
}

// push queues ev for the loop, waiting while the inbox is full (its
// producers are this package's goroutines, never the loop and never
// nats.go's read loop), and makes sure one drain task is queued.
func (n *Node) push(ev Event) {
	select {
	case n.inbox <- ev:
	case <-n.ctx.Done():
		return
	}
	n.arm()
}

// arm queues one drain task on the loop unless one is pending.
func (n *Node) arm() {
	if n.drainPending.CompareAndSwap(false, true) {
		if !n.opt.Execute(n.drain) {
			n.drainPending.Store(false)
		}
	}
}

// drain runs on the loop: it hands at most Batch waiting events to
// Deliver, and queues itself again if more are waiting.
func (n *Node) drain() {
	b := n.batch[:0]
	for len(b) < cap(b) {
		select {
		case ev := <-n.inbox:
			b = append(b, ev)
			continue
		default:
		}
		break
	}
	// Cleared before the check below: a push after this sees false and
	// arms; a push before it is seen by len.
	n.drainPending.Store(false)
	if len(b) > 0 && n.ctx.Err() == nil {
		n.stats.Batches.Add(1)
		n.stats.Delivered.Add(uint64(len(b)))
		n.opt.Deliver(b)
	}
	clear(b)
	n.batch = b[:0]
	if len(n.inbox) > 0 {
		n.arm()
	}
}
