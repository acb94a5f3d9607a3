package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/text/unicode/norm"

	"teahouse/server/cluster"
	"teahouse/session"
)

// clusterLink joins the Table to the other servers: it is the
// session.Cluster the core calls (each method only queues, through the
// node's bounded outbox), and it hands the node's events to the loop as
// Table.Remote. It converts between the two packages' event types, so
// that session/ never imports server/cluster (or NATS).
//
// The node's first events (the live nodes, the names they hold) come
// before the event loop is known: gnet gives it out only with the first
// connection. Until then the one drain task the node keeps queued waits
// here (the node queues no other while it waits), and the node's inbox
// holds the events; the first OnOpen hands the task to the loop. This is
// CLUSTER.md §8's fallback rather than its socketpair: simpler, and
// correct, at the price of a mirror that syncs only once someone
// connects (nobody needs it before). The socketpair was tried: gnet
// v2.10.0's Engine.Register, called once OnBoot has run, reads the load
// balancer's loop list with no happens-before edge to the engine
// goroutine that filled it, and the race detector reports it.
type clusterLink struct {
	node  *cluster.Node
	table *session.Table // set before the loop runs any task

	mu   sync.Mutex
	loop gnet.EventLoop // nil until the first connection
	held func()         // the drain task that came before the loop

	// gate keeps the loop's calls (read-locked) apart from stopping,
	// which closes the node's outbox: a send racing a close is a data
	// race even where the node recovers from its panic.
	gate    sync.RWMutex
	stopped bool // under gate

	evs []session.RemoteEvent // loop: Deliver's scratch
}

// connectCluster joins the cluster named by opts; the link's table must
// be set before the engine starts.
func connectCluster(ctx context.Context, opts Options, log *slog.Logger) (*clusterLink, error) {
	l := &clusterLink{}
	copt := cluster.Options{
		NodeName: opts.NodeName,
		Unicode:  norm.Version,
		Execute:  l.execute,
		Deliver:  l.deliver,
		LeaseTTL: opts.leaseTTL,
		Log:      log, // the link lost and back, failed renewals and claims
	}
	n, err := cluster.Connect(ctx, opts.Cluster, opts.ClusterName, copt)
	if err != nil {
		return nil, err
	}
	l.node = n
	return l, nil
}

// execute is Options.Execute: task onto the loop, or held until there is one.
func (l *clusterLink) execute(task func()) bool {
	l.mu.Lock()
	lp := l.loop
	if lp == nil {
		l.held = task
		l.mu.Unlock()
		return true
	}
	l.mu.Unlock()
	return lp.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		task()
		return nil
	})) == nil
}

// setLoop is called on the loop by the first OnOpen.
func (l *clusterLink) setLoop(lp gnet.EventLoop) {
	l.mu.Lock()
	l.loop = lp
	held := l.held
	l.held = nil
	l.mu.Unlock()
	if held != nil {
		l.execute(held)
	}
}

// deliver is Options.Deliver: on the loop, a batch of events for the Table.
func (l *clusterLink) deliver(evs []cluster.Event) {
	l.evs = l.evs[:0]
	for i := range evs {
		l.evs = append(l.evs, toSession(&evs[i]))
	}
	l.table.Remote(l.evs)
	clear(l.evs)
}

// stop leaves the cluster: the others announce this server's users as
// left ("server shutting down") and their names are free at once.
func (l *clusterLink) stop(ctx context.Context) error {
	l.close()
	return l.node.Stop(ctx)
}

// crash ends the membership as a crash would (tests).
func (l *clusterLink) crash() {
	l.close()
	l.node.Kill()
}

// close makes every later call from the loop a refusal.
func (l *clusterLink) close() {
	l.gate.Lock()
	l.stopped = true
	l.gate.Unlock()
}

// open runs fn unless the link is stopped; false if it is.
func (l *clusterLink) open(fn func() bool) bool {
	l.gate.RLock()
	defer l.gate.RUnlock()
	return !l.stopped && fn()
}

// The session.Cluster methods.

func (l *clusterLink) ID() string { return l.node.ID() }
func (l *clusterLink) Publish(ev session.RemoteEvent) bool {
	return l.open(func() bool { return l.node.Publish(toCluster(&ev)) })
}
func (l *clusterLink) Subscribe(key, room string, history bool) bool {
	return l.open(func() bool { return l.node.Subscribe(key, room, history) })
}
func (l *clusterLink) Unsubscribe(key string) bool {
	return l.open(func() bool { return l.node.Unsubscribe(key) })
}
func (l *clusterLink) Answer(q session.RemoteEvent, lines []session.RemoteEvent) bool {
	cl := make([]cluster.Event, len(lines))
	for i := range lines {
		cl[i] = toCluster(&lines[i])
	}
	return l.open(func() bool { return l.node.Answer(toCluster(&q), cl) })
}
func (l *clusterLink) Claim(key string, v session.Presence) bool {
	return l.open(func() bool { return l.node.Claim(key, toNick(v)) })
}
func (l *clusterLink) Update(key string, v session.Presence) bool {
	return l.open(func() bool { return l.node.Update(key, toNick(v)) })
}
func (l *clusterLink) Release(key string) bool {
	return l.open(func() bool { return l.node.Release(key) })
}

// The kinds are numbered alike in both packages (TestClusterKindsAgree).
func toSession(ev *cluster.Event) session.RemoteEvent {
	out := session.RemoteEvent{
		Kind: session.EventKind(ev.Kind), Time: ev.Time, Origin: ev.Origin, Seq: ev.Seq, SID: ev.SID, ToSID: ev.ToSID,
		From: ev.From, To: ev.To, Room: ev.Room, Text: ev.Text,
		RoomKey: ev.RoomKey, Node: ev.Node, Key: ev.Key, Count: ev.Count, Err: ev.Err, Reply: ev.Reply,
		Nick: session.Presence{Nick: ev.Nick.Nick, Node: ev.Nick.Node, SID: ev.Nick.SID, Room: ev.Nick.Room,
			RoomName: ev.Nick.RoomName, Since: ev.Nick.Since},
	}
	if ev.Kind == cluster.Claimed {
		switch {
		case ev.Err == nil:
			out.Claim = session.ClaimOK
		case errors.Is(ev.Err, cluster.ErrTaken):
			out.Claim = session.ClaimTaken
		default:
			out.Claim = session.ClaimUnavailable
		}
	}
	if len(ev.Lines) > 0 {
		out.Lines = make([]session.RemoteEvent, len(ev.Lines))
		for i := range ev.Lines {
			out.Lines[i] = toSession(&ev.Lines[i])
		}
	}
	return out
}

func toCluster(ev *session.RemoteEvent) cluster.Event {
	return cluster.Event{
		Kind: cluster.Kind(ev.Kind), Time: ev.Time, Origin: ev.Origin, Seq: ev.Seq, SID: ev.SID, ToSID: ev.ToSID,
		From: ev.From, To: ev.To, Room: ev.Room, Text: ev.Text,
		RoomKey: ev.RoomKey, Node: ev.Node, Key: ev.Key, Reply: ev.Reply,
	}
}

func toNick(v session.Presence) cluster.Nick {
	return cluster.Nick{Nick: v.Nick, Node: v.Node, SID: v.SID, Room: v.Room, RoomName: v.RoomName, Since: v.Since}
}
