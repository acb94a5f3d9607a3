package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"hash/maphash"

	"github.com/nats-io/nats.go/jetstream"
)

// Names unique cluster-wide (CLUSTER.md §5). A name is a P_nicks key
// created with kv.Create, which exactly one of two racing nodes wins. A
// name is valid only while its owner node's lease is live: a claim that
// meets a dead node's (or this node's own forgotten) entry takes it over
// with Update(rev), a compare-and-set.

var kvSeed = maphash.MakeSeed()

// Claim asks for the name key (session.NameKey of v.Nick) for the user
// v.SID of this node. The answer comes back as a Claimed event (Key, SID,
// Nick; Err nil, ErrTaken or ErrUnavailable). It never blocks: false means
// the queue is full and no answer will come (tell the user the server is
// busy). v.Node is set here.
func (n *Node) Claim(key string, v Nick) bool {
	v.Node = n.id
	return n.kv(key, func() {
		err := n.claim(key, v)
		if err == nil {
			n.stats.Claims.Add(1)
		} else {
			n.stats.ClaimsLost.Add(1)
		}
		n.push(Event{Kind: Claimed, Key: key, SID: v.SID, Nick: v, Err: err})
	})
}

// Update rewrites a held name's entry (the user joined another room), with
// compare-and-set on its revision. A name found in other hands comes back
// as a Taken event.
func (n *Node) Update(key string, v Nick) bool {
	v.Node = n.id
	return n.kv(key, func() {
		n.mu.Lock()
		c := n.claims[key]
		var rev uint64
		if c != nil {
			rev = c.rev
		}
		n.mu.Unlock()
		if c == nil {
			return
		}
		val, _ := json.Marshal(v)
		ctx, cancel := context.WithTimeout(n.ctx, n.opt.KVTimeout)
		defer cancel()
		newRev, err := n.nicksKV().Update(ctx, Token(key), val, rev)
		n.mu.Lock()
		taken := false
		if n.claims[key] == c { // not released meanwhile
			switch {
			case err == nil:
				c.nick, c.rev = v, newRev
			case errors.Is(err, jetstream.ErrKeyRevisionMismatch):
				delete(n.claims, key)
				taken = true
			default:
				// Unreachable NATS: the resync after the link returns rewrites it.
				c.nick = v
			}
		}
		n.mu.Unlock()
		if taken {
			n.push(Event{Kind: Taken, Key: key, SID: c.nick.SID, Nick: c.nick})
		}
	})
}

// Release gives the name key back (the user left or renamed). The entry
// is deleted only if it is still this node's revision.
func (n *Node) Release(key string) bool {
	n.mu.Lock()
	c := n.claims[key]
	delete(n.claims, key)
	n.mu.Unlock()
	if c == nil {
		return true
	}
	return n.kv(key, func() { n.kvDelete(Token(key), c.rev) })
}

// kv queues fn on key's worker without blocking.
func (n *Node) kv(key string, fn func()) bool {
	if n.stopped.Load() {
		return false
	}
	select {
	case n.kvq[maphash.String(kvSeed, key)%kvWorkers] <- fn:
		return true
	default:
		return false
	}
}

func (n *Node) kvWorker(q chan func()) {
	for {
		select {
		case <-n.ctx.Done():
			return
		case fn := <-q:
			fn()
		}
	}
}

func (n *Node) nodesKV() jetstream.KeyValue {
	n.kvMu.Lock()
	defer n.kvMu.Unlock()
	return n.nodes
}

func (n *Node) nicksKV() jetstream.KeyValue {
	n.kvMu.Lock()
	defer n.kvMu.Unlock()
	return n.nicks
}

// kvDelete deletes a P_nicks key if it is still at rev.
func (n *Node) kvDelete(token string, rev uint64) {
	ctx, cancel := context.WithTimeout(n.ctx, n.opt.KVTimeout)
	defer cancel()
	if err := n.nicksKV().Delete(ctx, token, jetstream.LastRevision(rev)); err != nil && !isGone(err) {
		n.opt.Log.Warn("cluster: release", "key", token, "err", err)
	}
}

// claim creates key for v, or takes it over from a dead node (or from
// this node's own stale entry); it records the claim on success.
func (n *Node) claim(key string, v Nick) error {
	n.mu.Lock()
	fenced := n.fenced
	n.mu.Unlock()
	if fenced || !n.nc.IsConnected() {
		return ErrUnavailable
	}
	val, _ := json.Marshal(v)
	ctx, cancel := context.WithTimeout(n.ctx, n.opt.KVTimeout)
	defer cancel()
	kv := n.nicksKV()
	tok := Token(key)
	rev, err := kv.Create(ctx, tok, val)
	if errors.Is(err, jetstream.ErrKeyExists) {
		rev, err = n.takeover(ctx, kv, key, val, v)
	}
	if err != nil {
		if errors.Is(err, ErrTaken) {
			return ErrTaken
		}
		n.opt.Log.Warn("cluster: claim", "key", tok, "err", err)
		return ErrUnavailable
	}
	n.mu.Lock()
	n.claims[key] = &claim{nick: v, rev: rev}
	n.mu.Unlock()
	return nil
}

// takeover replaces an existing entry whose owner is not live, or which
// this node holds for the same user, or forgot (released but not yet
// deleted); otherwise the name is taken.
func (n *Node) takeover(ctx context.Context, kv jetstream.KeyValue, key string, val []byte, v Nick) (uint64, error) {
	e, err := kv.Get(ctx, Token(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) || errors.Is(err, jetstream.ErrKeyDeleted) {
		// Deleted between our Create and Get: try once more.
		return kv.Create(ctx, Token(key), val)
	}
	if err != nil {
		return 0, err
	}
	var cur Nick
	_ = json.Unmarshal(e.Value(), &cur)
	n.mu.Lock()
	_, live := n.live[cur.Node]
	mine := cur.Node == n.id && (n.claims[key] == nil || cur.SID == v.SID)
	n.mu.Unlock()
	if !live && !mine {
		// The watcher may not have seen a node that just started: ask
		// the bucket itself before taking a name from a live node.
		if _, err := n.nodesKV().Get(ctx, cur.Node); err == nil {
			live = true
		} else if !errors.Is(err, jetstream.ErrKeyNotFound) && !errors.Is(err, jetstream.ErrKeyDeleted) {
			return 0, err
		}
	}
	if live && !mine {
		return 0, ErrTaken
	}
	rev, err := kv.Update(ctx, Token(key), val, e.Revision())
	if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
		return 0, ErrTaken // another node took it first
	}
	return rev, err
}

// reclaimAll claims every local name again after a reconnect or a
// fencing; a name that another live node took meanwhile comes back to
// the core as Taken, and that user's session ends.
func (n *Node) reclaimAll() {
	n.mu.Lock()
	claims := make(map[string]Nick, len(n.claims))
	for key, c := range n.claims {
		claims[key] = c.nick
	}
	n.mu.Unlock()
	for key, v := range claims {
		err := n.claim(key, v)
		if err == nil {
			continue
		}
		if !errors.Is(err, ErrTaken) {
			continue // unreachable again: the next resync retries
		}
		n.mu.Lock()
		if c := n.claims[key]; c != nil && c.nick.SID == v.SID {
			delete(n.claims, key)
		}
		n.mu.Unlock()
		n.push(Event{Kind: Taken, Key: key, SID: v.SID, Nick: v})
	}
}
