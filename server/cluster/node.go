package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Node is this server's membership of the cluster: one NATS connection,
// its lease, its claims, its subscriptions and the bounded queues between
// NATS and the event loop. The methods the loop calls (Publish,
// Subscribe, Unsubscribe, RequestHistory, Answer, Claim, Update, Release)
// never block: they queue and return, and what they start comes back as
// Events through Options.Deliver.
type Node struct {
	id    string
	opt   Options
	names names
	nc    *nats.Conn
	js    jetstream.JetStream
	lease lease // the P_nodes record, marshalled once

	kvMu        sync.Mutex // guards nodes, nicks and watchCancel (KV workers, watcher, controller)
	nodes       jetstream.KeyValue
	nicks       jetstream.KeyValue
	watchCancel context.CancelFunc // ends the current watcher pair

	// The hand-off (handoff.go).
	natsIn       chan *nats.Msg
	inbox        chan Event
	outbox       chan op
	pubDone      chan struct{} // closed when the publisher has emptied the closed outbox
	drainPending atomic.Bool
	batch        []Event
	seq          atomic.Uint64
	subsMu       sync.Mutex
	subs         map[string]*roomSubs // by room key
	direct       *nats.Subscription
	goneDropped  uint64 // Dropped() of subscriptions already closed (subsMu)
	reportedDrop uint64 // drops already reported (drop reporter only)
	requests     chan struct{}

	// The names (claim.go).
	kvq      [kvWorkers]chan func()
	mu       sync.Mutex        // guards live, owners, claims, fenced
	live     map[string]lease  // live nodes (this one included) by id
	owners   map[string]nickAt // the P_nicks mirror by key (every node's)
	claims   map[string]*claim // this node's names by key
	leaseRev uint64            // this node's lease revision
	fenced   bool
	renewed  atomic.Int64 // unix ns of the last successful renewal

	ctrl  chan ctrlMsg // link events and resync requests, in order
	stats Stats

	ctx     context.Context // cancelled by Stop and kill
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	stopped atomic.Bool
	stopMu  sync.Mutex
}

// lease is a node's P_nodes record.
type lease struct {
	Name    string    `json:"name"`
	Started time.Time `json:"started"`
	Unicode string    `json:"unicode"`
	Proto   int       `json:"proto"`
}

// nickAt is one P_nicks entry as the watcher last saw it.
type nickAt struct {
	nick Nick
	rev  uint64
}

// claim is one of this node's names.
type claim struct {
	nick Nick
	rev  uint64
}

// ctrlMsg is a message to the control goroutine.
type ctrlMsg uint8

const (
	ctrlDown   ctrlMsg = iota + 1 // the link is down
	ctrlUp                        // the link is back: resync
	ctrlFenced                    // this node's lease is gone: resync
)

// Connect joins the cluster clusterName through the NATS servers at urls
// (comma-separated, nats://HOST:PORT): it creates or updates the buckets,
// takes a lease under a new node id, reads the live nodes and the names
// they hold (delivered as NodeUp and NickSet events), and starts the
// pumps. It fails if NATS cannot be reached, lacks JetStream, or a live
// node folds names with other Unicode tables.
func Connect(ctx context.Context, urls, clusterName string, opt Options) (*Node, error) {
	if err := opt.fill(); err != nil {
		return nil, err
	}
	if clusterName == "" {
		clusterName = DefaultClusterName
	}
	if err := checkClusterName(clusterName); err != nil {
		return nil, err
	}
	if opt.NodeName == "" {
		opt.NodeName, _ = os.Hostname()
	}
	n := &Node{
		id:       NewNodeID(opt.NodeName),
		opt:      opt,
		names:    names{prefix: clusterName},
		lease:    lease{Name: opt.NodeName, Started: time.Now().UTC(), Unicode: opt.Unicode, Proto: protoVersion},
		natsIn:   make(chan *nats.Msg, opt.Inbound),
		inbox:    make(chan Event, opt.Inbox),
		outbox:   make(chan op, opt.Outbox),
		pubDone:  make(chan struct{}),
		batch:    make([]Event, 0, opt.Batch),
		subs:     make(map[string]*roomSubs),
		requests: make(chan struct{}, maxRequests),
		live:     make(map[string]lease),
		owners:   make(map[string]nickAt),
		claims:   make(map[string]*claim),
		ctrl:     make(chan ctrlMsg, 64),
	}
	n.ctx, n.cancel = context.WithCancel(context.Background())
	nopts := []nats.Option{
		nats.Name("teahouse " + n.id),
		nats.NoEcho(),
		nats.MaxReconnects(-1),
		nats.ReconnectBufSize(ReconnectBuf),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			n.opt.Log.Warn("cluster: NATS link lost", "err", err)
			n.control(ctrlDown)
		}),
		nats.ReconnectHandler(func(c *nats.Conn) {
			n.opt.Log.Info("cluster: NATS link back", "url", c.ConnectedUrl())
			n.control(ctrlUp)
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			if !errors.Is(err, nats.ErrSlowConsumer) { // counted by the drop reporter
				n.opt.Log.Warn("cluster: NATS error", "err", err)
			}
		}),
	}
	if opt.ReconnectWait > 0 {
		nopts = append(nopts, nats.ReconnectWait(opt.ReconnectWait))
	}
	nc, err := nats.Connect(urls, nopts...)
	if err != nil {
		return nil, fmt.Errorf("cluster: connect %s: %w", urls, err)
	}
	n.nc = nc
	if n.js, err = jetstream.New(nc); err != nil {
		nc.Close()
		return nil, err
	}
	if err := n.establish(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	for i := range n.kvq {
		n.kvq[i] = make(chan func(), kvQueue)
		n.wg.Go(func() { n.kvWorker(n.kvq[i]) })
	}
	if n.direct, err = nc.ChanSubscribe(n.names.node(n.id), n.natsIn); err != nil {
		nc.Close()
		return nil, err
	}
	n.stats.connected.Store(true)
	n.wg.Go(n.pump)
	n.wg.Go(n.publisher)
	n.wg.Go(n.dropReporter)
	n.wg.Go(n.renewer)
	n.wg.Go(n.controller)
	return n, nil
}

// ID is this node's id, name-XXXXXX.
func (n *Node) ID() string { return n.id }

// Stats are the node's counters, safe to read from any goroutine.
func (n *Node) Stats() *Stats { return &n.stats }

// establish makes the buckets, takes a fresh lease and (re)starts the
// watchers, which deliver the differences from what was known before.
// It runs at Connect and on the control goroutine after a reconnect or a
// fencing.
func (n *Node) establish(ctx context.Context) error {
	kctx, cancel := context.WithTimeout(ctx, 4*n.opt.KVTimeout)
	defer cancel()
	nodes, err := n.js.CreateOrUpdateKeyValue(kctx, jetstream.KeyValueConfig{
		Bucket:         n.names.nodesBucket(),
		Description:    "teahouse node leases",
		History:        1,
		TTL:            n.opt.LeaseTTL,
		LimitMarkerTTL: 2 * n.opt.LeaseTTL,
		Storage:        jetstream.MemoryStorage,
		Replicas:       n.opt.Replicas,
	})
	if err != nil {
		return fmt.Errorf("cluster: bucket %s: %w", n.names.nodesBucket(), err)
	}
	nicks, err := n.js.CreateOrUpdateKeyValue(kctx, jetstream.KeyValueConfig{
		Bucket:      n.names.nicksBucket(),
		Description: "teahouse nicknames",
		History:     1,
		Storage:     jetstream.MemoryStorage,
		Replicas:    n.opt.Replicas,
	})
	if err != nil {
		return fmt.Errorf("cluster: bucket %s: %w", n.names.nicksBucket(), err)
	}
	n.kvMu.Lock()
	n.nodes, n.nicks = nodes, nicks
	if n.watchCancel != nil {
		n.watchCancel() // the old pair, if any, stops here
	}
	// The watchers live until the next establish or Stop, not kctx.
	wctx, wcancel := context.WithCancel(n.ctx)
	n.watchCancel = wcancel
	n.kvMu.Unlock()
	ok := false
	defer func() {
		if !ok {
			wcancel()
		}
	}()

	// Read the live nodes first: the watcher needs them to tell live
	// names from a dead node's leftovers.
	nw, err := nodes.WatchAll(wctx)
	if err != nil {
		return err
	}
	seen := make(map[string]lease)
	if err := readInitial(kctx, nw, func(e jetstream.KeyValueEntry) {
		var l lease
		if json.Unmarshal(e.Value(), &l) == nil {
			seen[e.Key()] = l
		}
	}); err != nil {
		nw.Stop()
		return err
	}
	for id, l := range seen {
		if id != n.id && l.Unicode != n.opt.Unicode {
			nw.Stop()
			return fmt.Errorf("%w: node %s has %q, this one %q", ErrUnicodeMismatch, id, l.Unicode, n.opt.Unicode)
		}
	}
	val, _ := json.Marshal(n.lease)
	rev, err := nodes.Create(kctx, n.id, val)
	if errors.Is(err, jetstream.ErrKeyExists) {
		// Our own lease survived (a short blip): carry on with it.
		if e, gerr := nodes.Get(kctx, n.id); gerr == nil {
			rev, err = nodes.Update(kctx, n.id, val, e.Revision())
		}
	}
	if err != nil {
		nw.Stop()
		return fmt.Errorf("cluster: lease: %w", err)
	}
	seen[n.id] = n.lease
	n.renewed.Store(time.Now().UnixNano())

	nkw, err := nicks.WatchAll(wctx)
	if err != nil {
		nw.Stop()
		return err
	}
	owners := make(map[string]nickAt)
	if err := readInitial(kctx, nkw, func(e jetstream.KeyValueEntry) {
		var v Nick
		if key, kerr := KeyOf(e.Key()); kerr == nil && json.Unmarshal(e.Value(), &v) == nil {
			owners[key] = nickAt{nick: v, rev: e.Revision()}
		}
	}); err != nil {
		nw.Stop()
		nkw.Stop()
		return err
	}

	// Swap in the new picture and tell the core what changed.
	n.mu.Lock()
	n.leaseRev = rev
	n.fenced = false
	var evs []Event
	for id := range n.live {
		if _, ok := seen[id]; !ok && id != n.id {
			evs = append(evs, Event{Kind: NodeLost, Node: id, Text: ReasonNodeLost})
		}
	}
	for id := range seen {
		if _, ok := n.live[id]; !ok && id != n.id {
			evs = append(evs, Event{Kind: NodeUp, Node: id})
		}
	}
	for key, old := range n.owners {
		if now, ok := owners[key]; (!ok || now.nick.Node != old.nick.Node || now.nick.SID != old.nick.SID) && old.nick.Node != n.id {
			evs = append(evs, Event{Kind: NickGone, Key: key, Nick: old.nick})
		}
	}
	for key, now := range owners {
		if _, ok := seen[now.nick.Node]; ok && now.nick.Node != n.id && n.owners[key] != now {
			evs = append(evs, Event{Kind: NickSet, Key: key, Nick: now.nick})
		}
	}
	n.live, n.owners = seen, owners
	n.mu.Unlock()
	for _, ev := range evs {
		n.push(ev)
	}
	ok = true
	n.wg.Go(func() { n.watch(wctx, nw, nkw) })
	return nil
}

// readInitial consumes a watcher's initial values, up to the nil entry
// that ends them.
func readInitial(ctx context.Context, w jetstream.KeyWatcher, each func(jetstream.KeyValueEntry)) error {
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("cluster: watcher closed")
			}
			if e == nil {
				return nil
			}
			if e.Operation() == jetstream.KeyValuePut {
				each(e)
			}
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Reasons given in NodeLost and Leave events.
const (
	ReasonNodeLost = "node lost"
	ReasonShutdown = "server shutting down"
)

// watch follows both buckets after their initial values, until the node
// stops or establish starts a newer pair.
func (n *Node) watch(ctx context.Context, nw, nkw jetstream.KeyWatcher) {
	defer nw.Stop()
	defer nkw.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-nw.Updates():
			if !ok {
				return
			}
			if e != nil && !n.nodeChange(e) {
				return
			}
		case e, ok := <-nkw.Updates():
			if !ok {
				return
			}
			if e != nil {
				n.nickChange(e)
			}
		}
	}
}

// nodeChange applies one P_nodes update; false when this node's own lease
// vanished, which ends this watcher (the resync starts another).
func (n *Node) nodeChange(e jetstream.KeyValueEntry) bool {
	id := e.Key()
	if e.Operation() == jetstream.KeyValuePut {
		var l lease
		if json.Unmarshal(e.Value(), &l) != nil {
			return true
		}
		n.mu.Lock()
		_, known := n.live[id]
		n.live[id] = l
		var evs []Event
		if !known && id != n.id {
			evs = append(evs, Event{Kind: NodeUp, Node: id})
			// Names this node already held (re-claimed after a loss).
			for key, o := range n.owners {
				if o.nick.Node == id {
					evs = append(evs, Event{Kind: NickSet, Key: key, Nick: o.nick})
				}
			}
		}
		n.mu.Unlock()
		for _, ev := range evs {
			n.push(ev)
		}
		return true
	}
	if id == n.id {
		if !n.stopped.Load() {
			n.control(ctrlFenced)
		}
		return false
	}
	reason := ReasonNodeLost
	if e.Operation() == jetstream.KeyValueDelete {
		reason = ReasonShutdown
	}
	n.mu.Lock()
	_, known := n.live[id]
	delete(n.live, id)
	cleaner := known && n.lowestLive()
	var orphans map[string]uint64
	if cleaner {
		orphans = make(map[string]uint64)
		for key, o := range n.owners {
			if o.nick.Node == id {
				orphans[key] = o.rev
			}
		}
	}
	n.mu.Unlock()
	if known {
		n.push(Event{Kind: NodeLost, Node: id, Text: reason})
	}
	if len(orphans) > 0 {
		// Correctness does not need this (a claim takes over a dead
		// node's name), but it keeps the bucket small. LastRevision never
		// removes a name taken over meanwhile.
		n.wg.Go(func() {
			for key, rev := range orphans {
				n.kvDelete(Token(key), rev)
			}
		})
	}
	return true
}

// lowestLive reports whether this node has the lowest live id: the one
// that cleans up after dead nodes. Called with mu held.
func (n *Node) lowestLive() bool {
	for id := range n.live {
		if id < n.id {
			return false
		}
	}
	return true
}

// nickChange applies one P_nicks update.
func (n *Node) nickChange(e jetstream.KeyValueEntry) {
	key, err := KeyOf(e.Key())
	if err != nil {
		return
	}
	n.mu.Lock()
	old, had := n.owners[key]
	var evs []Event
	if e.Operation() == jetstream.KeyValuePut {
		var v Nick
		if json.Unmarshal(e.Value(), &v) != nil {
			n.mu.Unlock()
			return
		}
		n.owners[key] = nickAt{nick: v, rev: e.Revision()}
		if c := n.claims[key]; c != nil && v.Node != n.id {
			// Someone took our name while we were cut off.
			delete(n.claims, key)
			evs = append(evs, Event{Kind: Taken, Key: key, SID: c.nick.SID, Nick: c.nick})
		}
		if had && old.nick.Node != n.id && (old.nick.Node != v.Node || old.nick.SID != v.SID) {
			evs = append(evs, Event{Kind: NickGone, Key: key, Nick: old.nick})
		}
		if _, live := n.live[v.Node]; live && v.Node != n.id {
			evs = append(evs, Event{Kind: NickSet, Key: key, Nick: v})
		}
	} else {
		delete(n.owners, key)
		if had && old.nick.Node != n.id {
			evs = append(evs, Event{Kind: NickGone, Key: key, Nick: old.nick})
		}
	}
	n.mu.Unlock()
	for _, ev := range evs {
		n.push(ev)
	}
}

// renewer renews the lease every LeaseTTL/5 with Update(rev): each write
// restarts the bucket's MaxAge. A renewal that fails on the revision means
// the others declared this node dead: fenced. So does a link that stays
// down until the lease is about to lapse.
func (n *Node) renewer() {
	period := n.opt.LeaseTTL / 5
	t := time.NewTicker(period)
	defer t.Stop()
	val, _ := json.Marshal(n.lease)
	for {
		select {
		case <-n.ctx.Done():
			return
		case <-t.C:
		}
		n.mu.Lock()
		rev, fenced := n.leaseRev, n.fenced
		n.mu.Unlock()
		if fenced {
			continue // the controller is re-establishing
		}
		if n.nc.IsConnected() {
			ctx, cancel := context.WithTimeout(n.ctx, period)
			n.kvMu.Lock()
			nodes := n.nodes
			n.kvMu.Unlock()
			newRev, err := nodes.Update(ctx, n.id, val, rev)
			cancel()
			switch {
			case err == nil:
				n.mu.Lock()
				if n.leaseRev == rev {
					n.leaseRev = newRev
				}
				n.mu.Unlock()
				n.renewed.Store(time.Now().UnixNano())
				n.stats.Renewals.Add(1)
				continue
			case errors.Is(err, jetstream.ErrKeyRevisionMismatch), errors.Is(err, jetstream.ErrKeyNotFound),
				errors.Is(err, jetstream.ErrKeyExists), errors.Is(err, jetstream.ErrBucketNotFound),
				errors.Is(err, jetstream.ErrStreamNotFound):
				n.control(ctrlFenced)
				continue
			}
			n.opt.Log.Warn("cluster: lease renewal failed", "err", err)
		}
		// Not renewed: past the lease, less a renewal period of margin,
		// the others may have declared us dead.
		if time.Since(time.Unix(0, n.renewed.Load())) > n.opt.LeaseTTL-period {
			n.control(ctrlFenced)
		}
	}
}

// control hands a link event to the controller without blocking nats.go's
// callback goroutine; a full queue already holds a resync.
func (n *Node) control(m ctrlMsg) {
	select {
	case n.ctrl <- m:
	default:
	}
}

// controller turns link events into events for the core, in order, and
// re-establishes the lease, the watchers and the claims after a reconnect
// or a fencing.
func (n *Node) controller() {
	down := false
	for {
		select {
		case <-n.ctx.Done():
			return
		case m := <-n.ctrl:
			switch m {
			case ctrlDown:
				n.stats.connected.Store(false)
				if !down {
					down = true
					n.stats.Disconnects.Add(1)
					n.push(Event{Kind: LinkDown})
				}
			case ctrlFenced:
				n.mu.Lock()
				was := n.fenced
				n.fenced = true
				n.mu.Unlock()
				if !was {
					n.stats.Fencings.Add(1)
					n.push(Event{Kind: Fenced})
				}
				if n.nc.IsConnected() {
					n.resync(&down)
				}
			case ctrlUp:
				n.stats.connected.Store(true)
				n.resync(&down)
			}
		}
	}
}

// resync re-establishes, retrying until it works or the link drops again,
// then re-claims every local name and tells the core the link is up.
func (n *Node) resync(down *bool) {
	for attempt := 0; ; attempt++ {
		if n.ctx.Err() != nil || !n.nc.IsConnected() {
			return
		}
		err := n.establish(n.ctx)
		if err == nil {
			break
		}
		n.opt.Log.Warn("cluster: resync failed", "err", err, "attempt", attempt)
		select {
		case <-n.ctx.Done():
			return
		case <-time.After(min(time.Duration(attempt+1)*100*time.Millisecond, 2*time.Second)):
		}
	}
	n.reclaimAll()
	n.stats.connected.Store(true)
	*down = false
	n.push(Event{Kind: LinkUp})
}

// Stop leaves the cluster gracefully: what the loop already queued is
// published, the lease is deleted (the others announce this node's users
// as left, "server shutting down", at once) and then every name it held.
// It returns when done or when ctx ends; Deliver is not called after.
func (n *Node) Stop(ctx context.Context) error {
	n.stopMu.Lock()
	defer n.stopMu.Unlock()
	if !n.stopped.CompareAndSwap(false, true) {
		return nil
	}
	close(n.outbox) // Publish and friends now refuse (stopped is set)
	n.waitPublisher(ctx)
	n.kvMu.Lock()
	nodes, nicks := n.nodes, n.nicks
	n.kvMu.Unlock()
	var errs []error
	if err := nodes.Delete(ctx, n.id); err != nil {
		errs = append(errs, err)
	}
	n.mu.Lock()
	claims := n.claims
	n.claims = make(map[string]*claim)
	n.mu.Unlock()
	for key, c := range claims {
		if err := nicks.Delete(ctx, Token(key), jetstream.LastRevision(c.rev)); err != nil && !isGone(err) {
			errs = append(errs, err)
		}
	}
	n.cancel()
	n.nc.Close()
	n.wg.Wait()
	return errors.Join(errs...)
}

// Kill ends the node as a crash would: nothing is deleted, the lease is
// left to expire, and the other servers announce this one's users as
// lost. For tests of a node's death in other packages.
func (n *Node) Kill() { n.kill() }

// kill ends the node as a crash would: no deletions, the lease left to
// expire. For tests.
func (n *Node) kill() {
	n.stopMu.Lock()
	defer n.stopMu.Unlock()
	if !n.stopped.CompareAndSwap(false, true) {
		return
	}
	close(n.outbox)
	n.cancel()
	n.nc.Close()
	n.wg.Wait()
}

// isGone reports whether err says the key was already deleted or changed
// hands, which a release does not mind.
func isGone(err error) bool {
	return errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) ||
		errors.Is(err, jetstream.ErrKeyExists) || strings.Contains(err.Error(), "wrong last sequence")
}
