package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestNodeLayout(t *testing.T) {
	tests := []struct {
		name                    string
		clients, senders, nodes int
		want                    []int // clients per node
	}{
		{"three nodes share the clients equally", 12, 2, 3, []int{4, 4, 4}},
		{"the first nodes take the remainder", 14, 2, 3, []int{5, 5, 4}},
		{"the senders alone may be more than node 0's share", 12, 6, 3, []int{6, 3, 3}},
		{"every client a sender puts everyone on node 0", 4, 4, 2, []int{4, 0}},
		{"two nodes split a thousand clients", 1000, 100, 2, []int{500, 500}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := nodeLayout(tt.clients, tt.senders, tt.nodes)
			if len(out) != tt.clients {
				t.Fatalf("%d placements for %d clients", len(out), tt.clients)
			}
			got := make([]int, tt.nodes)
			for i, n := range out {
				if i < tt.senders && n != 0 {
					t.Errorf("sender %d on node %d, want node 0", i, n)
				}
				got[n]++
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("clients per node %v, want %v", got, tt.want)
			}
		})
	}
}

func TestClusterFlags(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		ok        bool
		scenarios []string
	}{
		{"three nodes run fanout and chat by default", []string{"-cluster", "3"}, true, []string{"fanout", "chat"}},
		{"named scenarios are kept", []string{"-cluster", "2", "-scenarios", "quiet"}, true, []string{"quiet"}},
		{"no cluster keeps the whole suite", nil, true, scenarioNames},
		{"one node is not a cluster", []string{"-cluster", "1"}, false, nil},
		{"a negative count is refused", []string{"-cluster", "-2"}, false, nil},
		{"more nodes than the bound are refused", []string{"-cluster", "9"}, false, nil},
		{"a running target cannot be made a cluster", []string{"-cluster", "3", "-addr", "127.0.0.1:6666"}, false, nil},
		{"the reference server has no cluster", []string{"-cluster", "3", "-server", "stdlib"}, false, nil},
		{"clients are not also spread over processes", []string{"-cluster", "3", "-procs", "2"}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseFlags(tt.args, io.Discard)
			if (err == nil) != tt.ok {
				t.Fatalf("parseFlags(%q) error %v, want ok %v", tt.args, err, tt.ok)
			}
			if tt.ok && !slices.Equal(c.scenarios, tt.scenarios) {
				t.Errorf("scenarios %v, want %v", c.scenarios, tt.scenarios)
			}
		})
	}
}

func TestClusterLanes(t *testing.T) {
	c, err := parseFlags([]string{"-cluster", "3"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	lanes, err := c.lanes()
	if err != nil {
		t.Fatal(err)
	}
	if len(lanes) != 2 || lanes[0].nodes != 0 || lanes[1].nodes != 3 || lanes[1].name != "teahouse×3" {
		t.Errorf("lanes %+v, want the single server then teahouse×3", lanes)
	}
}

// TestSmokeCluster runs fanout and chat, tiny, against one server and
// three nodes, and checks what must hold whatever the machine: no loss,
// both latencies measured, figures for every node and NATS, no cluster
// drops, and the NATS store removed after. Performance is never checked.
func TestSmokeCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts a NATS server and four teahouse servers")
	}
	stores := func() []string {
		m, _ := filepath.Glob(filepath.Join(os.TempDir(), "teahouse-bench-nats-*"))
		return m
	}
	storesBefore := stores()
	ctx, cancel := context.WithTimeout(context.Background(), smokeTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	args := []string{"-json", "-cluster", "3", "-warmup", "200ms", "-duration", "1s",
		"-fanout-clients", "12", "-fanout-senders", "2", "-fanout-window", "2",
		"-chat-clients", "12", "-chat-senders", "3", "-chat-rate", "10"}
	if err := run(ctx, args, &stdout, &stderr); err != nil {
		t.Fatalf("run %q: %v\nstdout:\n%s\nstderr:\n%s", args, err, &stdout, &stderr)
	}
	reps := decodeReports(t, stdout.Bytes())
	var names []string
	for _, rep := range reps {
		names = append(names, rep.Scenario)
		if len(rep.Errors) > 0 || len(rep.Results) != 2 {
			t.Fatalf("%s: errors %q, %d results, want 2", rep.Scenario, rep.Errors, len(rep.Results))
		}
	}
	if !slices.Equal(names, []string{"fanout", "chat"}) {
		t.Fatalf("reports for %v, want fanout and chat", names)
	}
	for _, rep := range reps {
		single, several := rep.Results[0], rep.Results[1]
		f := several.Cluster
		if f == nil {
			t.Fatalf("%s: %s has no cluster figures", rep.Scenario, several.Server)
		}
		checks := []struct {
			name string
			err  error
		}{
			{"the single server delivers everything", noLoss(single)},
			{"the cluster delivers everything, across nodes too", noLoss(several)},
			{"the single server has no cluster figures", expect(single.Cluster == nil, "%+v", single.Cluster)},
			{"the clients are spread equally over three nodes",
				expect(f.Nodes == 3 && slices.Equal(f.NodeClients, []float64{4, 4, 4}), "nodes %d, clients %v", f.Nodes, f.NodeClients)},
			{"latency is measured on the senders' node and on the others",
				expect(f.SameNode != nil && f.SameNode.P50 > 0 && f.CrossNode != nil && f.CrossNode.P50 > 0, "same %+v, cross %+v", f.SameNode, f.CrossNode)},
			{"every node has its CPU per delivery",
				expect(len(f.NodeNsPerDelivery) == 3 && !slices.Contains(f.NodeNsPerDelivery, 0), "%v", f.NodeNsPerDelivery)},
			{"NATS carried the lines", expect(f.NATSInPerS > 0 && f.NATSOutPerS > 0, "in %g/s, out %g/s", f.NATSInPerS, f.NATSOutPerS)},
			{"no frame was dropped between the nodes and NATS",
				expect(f.DropsIn == 0 && f.DropsOut == 0 && f.NATSSlowConsumers == 0, "drops in %d, out %d, slow consumers %d", f.DropsIn, f.DropsOut, f.NATSSlowConsumers)},
			{"the server figures are the nodes' together", expect(several.Process && several.ServerNsPerUnit > 0, "%+v", several)},
		}
		for _, c := range checks {
			t.Run(rep.Scenario+": "+c.name, func(t *testing.T) {
				if c.err != nil {
					t.Error(c.err)
				}
			})
		}
	}
	t.Run("the table shows the cluster figures", func(t *testing.T) {
		var table bytes.Buffer
		writeTable(&table, reps[0])
		for _, want := range []string{"teahouse×3", "cross node p50", "node 2:", "NATS:"} {
			if !strings.Contains(table.String(), want) {
				t.Errorf("table lacks %q:\n%s", want, &table)
			}
		}
	})
	t.Run("the NATS store is removed", func(t *testing.T) {
		for _, d := range stores() {
			if !slices.Contains(storesBefore, d) {
				t.Errorf("%s is left behind", d)
			}
		}
	})
}
