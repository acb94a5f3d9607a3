package cluster

import (
	"context"
	"fmt"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// natsServer is one embedded nats-server with JetStream, on a random
// loopback port, its store in a temporary directory.
type natsServer struct {
	t    *testing.T
	s    *server.Server
	port int
	dir  string
}

func startNATS(t *testing.T) *natsServer {
	t.Helper()
	ns := &natsServer{t: t, port: server.RANDOM_PORT, dir: t.TempDir()}
	ns.start()
	t.Cleanup(ns.stop)
	return ns
}

// start (re)starts the server, on the same port as before if it ran.
func (ns *natsServer) start() {
	ns.t.Helper()
	s, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: ns.port, JetStream: true, StoreDir: ns.dir, NoSigs: true, NoLog: true,
	})
	if err != nil {
		ns.t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(5 * time.Second) {
		ns.t.Fatal("nats-server not ready")
	}
	ns.s = s
	ns.port = s.Addr().(*net.TCPAddr).Port
}

func (ns *natsServer) stop() {
	if ns.s != nil {
		ns.s.Shutdown()
		ns.s.WaitForShutdown()
	}
}

func (ns *natsServer) url() string { return fmt.Sprintf("nats://127.0.0.1:%d", ns.port) }

// loop stands in for the gnet event loop: one goroutine running queued
// tasks in order, with an unbounded queue like gnet's. It records every
// delivered event and the deepest the queue ever was.
type loop struct {
	mu       sync.Mutex
	cond     *sync.Cond
	tasks    []func()
	maxQueue int
	events   []Event
	gate     chan struct{} // when set, Deliver waits on it (a stuck loop)
	done     chan struct{}
}

func newLoop(t *testing.T) *loop {
	t.Helper()
	l := &loop{done: make(chan struct{})}
	l.cond = sync.NewCond(&l.mu)
	go l.run()
	t.Cleanup(func() {
		l.mu.Lock()
		if l.gate != nil {
			close(l.gate)
			l.gate = nil
		}
		close(l.done)
		l.cond.Broadcast()
		l.mu.Unlock()
	})
	return l
}

func (l *loop) run() {
	for {
		l.mu.Lock()
		for len(l.tasks) == 0 {
			select {
			case <-l.done:
				l.mu.Unlock()
				return
			default:
			}
			l.cond.Wait()
		}
		task := l.tasks[0]
		l.tasks = l.tasks[1:]
		l.mu.Unlock()
		task()
	}
}

func (l *loop) execute(task func()) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tasks = append(l.tasks, task)
	l.maxQueue = max(l.maxQueue, len(l.tasks))
	l.cond.Signal()
	return true
}

func (l *loop) deliver(evs []Event) {
	l.mu.Lock()
	gate := l.gate
	l.mu.Unlock()
	if gate != nil {
		<-gate
	}
	l.mu.Lock()
	l.events = append(l.events, evs...)
	l.mu.Unlock()
}

// block makes Deliver wait until unblock: the loop is stuck.
func (l *loop) block() {
	l.mu.Lock()
	l.gate = make(chan struct{})
	l.mu.Unlock()
}

func (l *loop) unblock() {
	l.mu.Lock()
	if l.gate != nil {
		close(l.gate)
		l.gate = nil
	}
	l.mu.Unlock()
}

// matching returns the delivered events for which keep is true.
func (l *loop) matching(keep func(Event) bool) []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []Event
	for _, ev := range l.events {
		if keep(ev) {
			out = append(out, ev)
		}
	}
	return out
}

func ofKind(k Kind) func(Event) bool { return func(ev Event) bool { return ev.Kind == k } }

// member is one node of a test cluster with its loop.
type member struct {
	*Node
	loop *loop
}

// join connects a node named name to ns, with opts adjusted by adjust.
func join(t *testing.T, ns *natsServer, name string, adjust func(*Options)) *member {
	t.Helper()
	l := newLoop(t)
	opt := Options{NodeName: name, Unicode: "15.0.0", Execute: l.execute, Deliver: l.deliver,
		LeaseTTL: 3 * time.Second, ReconnectWait: 50 * time.Millisecond, DropReport: 50 * time.Millisecond}
	if adjust != nil {
		adjust(&opt)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := Connect(ctx, ns.url(), "test", opt)
	if err != nil {
		t.Fatalf("connect %s: %v", name, err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		l.unblock()
		_ = n.Stop(ctx)
	})
	return &member{Node: n, loop: l}
}

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", d, what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// claimed waits for m's answer to a claim of key by sid.
func claimed(t *testing.T, m *member, key string, sid uint64) error {
	t.Helper()
	var got []Event
	waitFor(t, 10*time.Second, "the claim's answer", func() bool {
		got = m.loop.matching(func(ev Event) bool { return ev.Kind == Claimed && ev.Key == key && ev.SID == sid })
		return len(got) > 0
	})
	return got[0].Err
}
