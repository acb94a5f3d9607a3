package main

import (
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	natsserver "github.com/nats-io/nats-server/v2/server"
	"golang.org/x/text/encoding/simplifiedchinese"

	"teahouse/server/cluster"
	"teahouse/session"
)

// startNATS runs one embedded nats-server with JetStream on a random
// loopback port for the test, and returns its URL.
func startNATS(t *testing.T) string {
	t.Helper()
	url, _ := startNATSServer(t)
	return url
}

// startNATSServer is startNATS, also returning the server.
func startNATSServer(t *testing.T) (string, *natsserver.Server) {
	t.Helper()
	s, err := natsserver.NewServer(&natsserver.Options{
		Host: "127.0.0.1", Port: natsserver.RANDOM_PORT, JetStream: true, StoreDir: t.TempDir(), NoSigs: true, NoLog: true,
	})
	if err != nil {
		t.Fatal(err)
	}
	s.Start()
	if !s.ReadyForConnections(5 * time.Second) {
		t.Fatal("nats-server not ready")
	}
	url := fmt.Sprintf("nats://127.0.0.1:%d", s.Addr().(*net.TCPAddr).Port)
	t.Cleanup(func() { s.Shutdown(); s.WaitForShutdown() })
	return url, s
}

// testLease is the cluster lease in tests: a killed node's users are
// announced as lost about this long after its last renewal.
const testLease = time.Second

// startNode runs a teahouse server that joins the cluster at url as name.
func startNode(t *testing.T, url, name string) *testServer {
	t.Helper()
	return startServer(t, func(o *Options) {
		o.Cluster, o.ClusterName, o.NodeName, o.leaseTTL = url, "e2e", name, testLease
	})
}

func gbk(t *testing.T, s string) string {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().String(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// untilReply sends cmd until its reply is want (the presence mirror of
// another node can take a moment), failing after waitTime.
func untilReply(t *testing.T, c *client, cmd, want string) {
	t.Helper()
	deadline := time.Now().Add(waitTime)
	var got string
	for time.Now().Before(deadline) {
		c.send(cmd)
		_, got = c.waitLine("the reply to "+cmd, func(l string) bool { return strings.HasPrefix(l, "-> ") })
		if got == want {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	c.send("/who")
	_, who := c.waitLine("who", func(l string) bool { return strings.HasPrefix(l, "-> ") })
	t.Fatalf("%s: %s replied %q, want %q (%s)", c.Name, cmd, got, want, who)
}

func TestClusterThreeNodes(t *testing.T) {
	url := startNATS(t)
	a, b, c := startNode(t, url, "a"), startNode(t, url, "b"), startNode(t, url, "c")

	top := t // clients that must outlive their subtest
	alice := login(t, a.addr, "alice")
	bob := login(t, b.addr, "bob")
	bob.send("/charset gbk")
	bob.expect("-> your charset is now gbk")
	carol := login(t, c.addr, "carol")
	erin := login(t, a.addr, "erin")
	alice.expect("*** carol joined #lobby")

	t.Run("a Chinese line crosses nodes, UTF-8 to GBK and back", func(t *testing.T) {
		alice.send("你好，bob")
		bob.expect(gbk(t, "alice: 你好，bob"))
		carol.expect("alice: 你好，bob")
		bob.sendRaw(gbk(t, "茶来了") + "\r\n")
		alice.expect("bob: 茶来了")
		carol.expect("bob: 茶来了")
	})

	t.Run("a node that starts later replays the lobby's history to its first user", func(t *testing.T) {
		d := startNode(t, url, "d")
		fay := dial(t, d.addr)
		fay.Name = "fay"
		fay.expect("Welcome to teahouse!")
		fay.send("fay")
		before := fay.expect("*** fay joined #lobby")
		if !slices.Contains(before, "alice: 你好，bob") || !slices.Contains(before, "bob: 茶来了") {
			t.Errorf("fay got before her join line: %q", before)
		}
		fay.send("/quit")
		fay.expectEOF()
	})

	t.Run("two people claiming one name on two nodes at once: exactly one gets it", func(t *testing.T) {
		d1, d2 := dial(top, a.addr), dial(top, b.addr)
		d1.Name, d2.Name = "dora@a", "dora@b"
		d1.expect("Welcome to teahouse!")
		d2.expect("Welcome to teahouse!")
		var wg sync.WaitGroup
		results := make([]string, 2)
		for i, d := range []*client{d1, d2} {
			wg.Go(func() {
				d.send("dora")
				_, results[i] = d.waitLine("the claim's outcome", func(l string) bool {
					return l == "*** dora joined #lobby" || strings.HasPrefix(l, "-> nickname is taken")
				})
			})
		}
		wg.Wait()
		won := 0
		for _, r := range results {
			if r == "*** dora joined #lobby" {
				won++
			} else if r != "-> nickname is taken: dora is online; try another" {
				t.Errorf("the loser read %q", r)
			}
		}
		if won != 1 {
			t.Fatalf("%d of 2 got the name: %q", won, results)
		}
	})

	t.Run("/who lists everyone on every node", func(t *testing.T) {
		for _, u := range []*client{alice, bob, carol} {
			untilReply(t, u, "/who", "-> 5 online: alice (#lobby), bob (#lobby), carol (#lobby), dora (#lobby), erin (#lobby)")
		}
	})

	t.Run("a private message and its /reply cross nodes", func(t *testing.T) {
		alice.send("/msg carol psst")
		alice.expect("[PM to carol] psst")
		carol.expect("[PM from alice] psst")
		carol.send("/reply 收到")
		carol.expect("[PM to alice] 收到")
		alice.expect("[PM from carol] 收到")
	})

	t.Run("entering a room that lives only on another node replays its history first", func(t *testing.T) {
		carol.send("/join tea")
		carol.expect("*** carol joined #tea")
		carol.send("brewing")
		carol.send("/me pours")
		untilReply(t, erin, "/rooms", "-> 2 rooms: #lobby (4), #tea (1)")
		erin.send("/join tea")
		before := erin.expect("*** erin joined #tea")
		if strings.Join(before, "\n") != "carol: brewing\n* carol pours" {
			t.Fatalf("erin got before the join line: %q", before)
		}
		carol.expect("*** erin joined #tea")
	})

	t.Run("a killed node's users are announced as left within the lease", func(t *testing.T) {
		start := time.Now()
		b.crash()
		alice.expect("*** bob left #lobby (node lost)")
		if took := time.Since(start); took > testLease+3*time.Second {
			t.Errorf("announced after %v, lease %v", took, testLease)
		}
		// The name is free: someone else can take it.
		bob2 := dial(top, c.addr)
		bob2.Name = "bob2"
		bob2.expect("Welcome to teahouse!")
		bob2.send("bob")
		bob2.expect("*** bob joined #lobby")
	})

	t.Run("a node stopped gracefully announces its users as left at once", func(t *testing.T) {
		start := time.Now()
		c.stop(t)
		erin.expect("*** carol left #tea (server shutting down)")
		if took := time.Since(start); took > testLease {
			t.Errorf("announced after %v: the lease was waited for", took)
		}
		login(top, a.addr, "carol") // the name is free at once
	})
	a.wantMetric(t, `teahouse_cluster_nats_connected`, 1)
	if v, err := a.scrape(`teahouse_cluster_messages_total{dir="out"}`); err != nil || v == 0 {
		t.Errorf("cluster messages out: %v %v", v, err)
	}
}

func TestClusterWithoutNATS(t *testing.T) {
	url, ns := startNATSServer(t)
	a := startServer(t, func(o *Options) {
		o.Cluster, o.ClusterName, o.NodeName, o.leaseTTL = url, "e2e", "a", testLease
		o.ShutdownTimeout = 2 * time.Second
	})
	alice := login(t, a.addr, "alice")
	carol := login(t, a.addr, "carol")
	alice.expect("*** carol joined #lobby")
	ns.Shutdown()
	ns.WaitForShutdown()

	t.Run("users are told once that the other servers cannot hear them", func(t *testing.T) {
		alice.expect("*** lost contact with the other servers: only people on this server hear you")
		carol.expect("*** lost contact with the other servers: only people on this server hear you")
	})
	t.Run("the operator reads it in the log", func(t *testing.T) {
		checkFor(t, waitTime, 20*time.Millisecond, func() error {
			if !strings.Contains(a.logs.String(), "cluster: NATS link lost") {
				return errors.New("no log line for the lost NATS link")
			}
			return nil
		})
	})
	t.Run("a login that needs a claim is refused with a clear line", func(t *testing.T) {
		bob := dial(t, a.addr)
		bob.expect("Welcome to teahouse!")
		bob.send("bob")
		bob.expect("-> cannot check nicknames with the other servers right now; try again later")
	})
	t.Run("local chat goes on", func(t *testing.T) {
		alice.send("still here")
		carol.expect("alice: still here")
	})
	t.Run("a graceful stop still tells this server's users, in time", func(t *testing.T) {
		start := time.Now()
		a.stop(t)
		alice.expect("*** server shutting down")
		if took := time.Since(start); took > 2*time.Second+time.Second {
			t.Errorf("stopping took %v", took)
		}
	})
}

func TestClusterKindsAgree(t *testing.T) {
	pairs := []struct {
		s session.EventKind
		c cluster.Kind
	}{
		{session.EvChat, cluster.Chat}, {session.EvEmote, cluster.Emote}, {session.EvJoin, cluster.Join},
		{session.EvLeave, cluster.Leave}, {session.EvRename, cluster.Rename}, {session.EvPM, cluster.PM},
		{session.EvPMFailed, cluster.PMFailed}, {session.EvWhoisQ, cluster.WhoisQ}, {session.EvWhoisA, cluster.WhoisA},
		{session.EvHistQ, cluster.HistQ}, {session.EvHistA, cluster.HistA}, {session.EvNodeUp, cluster.NodeUp},
		{session.EvNodeLost, cluster.NodeLost}, {session.EvNickSet, cluster.NickSet}, {session.EvNickGone, cluster.NickGone},
		{session.EvClaimed, cluster.Claimed}, {session.EvTaken, cluster.Taken}, {session.EvDropped, cluster.Dropped},
		{session.EvUndelivered, cluster.Undelivered}, {session.EvLinkDown, cluster.LinkDown}, {session.EvLinkUp, cluster.LinkUp},
		{session.EvFenced, cluster.Fenced},
	}
	for _, p := range pairs {
		t.Run("the "+p.c.String()+" kind has one number in both packages", func(t *testing.T) {
			if uint8(p.s) != uint8(p.c) {
				t.Fatalf("session %d, cluster %d", p.s, p.c)
			}
		})
	}
}

func TestClusterFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string // "" = accepted
	}{
		{"no cluster flags is a single server", nil, ""},
		{"one NATS URL", []string{"-cluster", "nats://127.0.0.1:4222"}, ""},
		{"several URLs and names", []string{"-cluster", "nats://a:4222,nats://b:4222", "-cluster-name", "tea_1", "-node-name", "node-a"}, ""},
		{"a URL without a port", []string{"-cluster", "nats://127.0.0.1"}, "invalid -cluster URL"},
		{"a URL of another scheme", []string{"-cluster", "http://127.0.0.1:4222"}, "invalid -cluster URL"},
		{"a bare host:port", []string{"-cluster", "127.0.0.1:4222"}, "invalid -cluster URL"},
		{"a cluster name with a dot", []string{"-cluster", "nats://h:1", "-cluster-name", "tea.house"}, "invalid -cluster-name"},
		{"an empty cluster name", []string{"-cluster", "nats://h:1", "-cluster-name", ""}, "invalid -cluster-name"},
		{"a node name with a space", []string{"-cluster", "nats://h:1", "-node-name", "node a"}, "invalid -node-name"},
		{"a node name without -cluster", []string{"-node-name", "a"}, "need -cluster"},
		{"a cluster name without -cluster", []string{"-cluster-name", "x"}, "need -cluster"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseFlags(tc.args, new(strings.Builder))
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("got %v, want an error with %q", err, tc.want)
			}
		})
	}
}
