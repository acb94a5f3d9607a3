package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Several nodes (-cluster N): every traffic scenario also runs against N
// teahouse servers joined through one NATS server, beside the single
// server, in the same run. The NATS server is ./bench/natsd, a child
// process rather than a part of the load generator, so its CPU is measured
// apart (it is the cluster's shared cost, not the load generator's) and a
// load generator built with -race does not slow it down. The senders are
// on node 0; every other client goes to the node with the most room left,
// in turn, so the nodes hold equal shares. Latency is reported for
// receivers on node 0 ("same node") and on the others ("cross node"), and
// server CPU per delivery per node: node i's CPU over the deliveries to
// node i's clients.

const (
	// clusterReadyTimeout bounds how long a started cluster may take until
	// every node hears a login on every other.
	clusterReadyTimeout = 30 * time.Second

	// varzTimeout bounds one question to the NATS server.
	varzTimeout = 5 * time.Second

	// natsdName and natsdPackage are the NATS server's binary and the
	// package that builds it.
	natsdName    = "natsd"
	natsdPackage = "./bench/natsd"

	// maxClusterNodes bounds -cluster.
	maxClusterNodes = 8
)

// clusterScenarios are the scenarios that spread their clients over the
// nodes; the others would put everyone on node 0.
var clusterScenarios = []string{"fanout", "chat", "crowd", "quiet"}

// checkCluster checks -cluster against the other flags, and makes the
// scenarios fanout and chat unless -scenarios named them.
func (c *config) checkCluster(fs *flag.FlagSet, scenarios *string) error {
	if c.cluster == 0 {
		return nil
	}
	switch {
	case c.cluster < 2 || c.cluster > maxClusterNodes:
		return fmt.Errorf("-cluster must be 2 to %d nodes", maxClusterNodes)
	case c.addr != "" || c.server != "teahouse":
		return fmt.Errorf("-cluster starts teahouse servers: not with -addr or -server %s", c.server)
	case c.procs > 1:
		return fmt.Errorf("-cluster spreads clients over nodes from one load-generator process: not with -procs")
	}
	named := false
	fs.Visit(func(f *flag.Flag) { named = named || f.Name == "scenarios" })
	if !named {
		*scenarios = "fanout,chat"
	}
	return nil
}

// clusterTarget is N teahouse servers and the NATS server they meet in.
type clusterTarget struct {
	nats    *natsProc
	nodes   []*target
	metrics []string // each node's /metrics URL
	dialers []*dialer
}

// natsProc is the NATS server child process.
type natsProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	url   string
	dir   string // its JetStream store, removed when it stops
	lines chan string
	done  chan struct{}
	mu    sync.Mutex // one varz question at a time
}

// natsCounters is what natsd answers to "varz".
type natsCounters struct {
	InMsgs        int64  `json:"in_msgs"`
	OutMsgs       int64  `json:"out_msgs"`
	InBytes       int64  `json:"in_bytes"`
	OutBytes      int64  `json:"out_bytes"`
	SlowConsumers int64  `json:"slow_consumers"`
	Connections   int    `json:"connections"`
	Error         string `json:"error,omitempty"`
}

// startNATS starts bin with a fresh store directory and waits for it to
// accept connections.
func startNATS(bin string) (*natsProc, error) {
	dir, err := os.MkdirTemp("", "teahouse-bench-nats-")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-store", dir)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	n := &natsProc{cmd: cmd, stdin: stdin, dir: dir, lines: make(chan string, 16), done: make(chan struct{})}
	go func() {
		defer close(n.done)
		defer close(n.lines)
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			n.lines <- sc.Text()
		}
	}()
	select {
	case line, ok := <-n.lines:
		kind, rest, _ := strings.Cut(line, " ")
		if ok && kind == "ready" {
			n.url = rest
			return n, nil
		}
		n.stop()
		return nil, fmt.Errorf("nats server: %q", line)
	case <-time.After(readyTimeout):
		n.stop()
		return nil, fmt.Errorf("nats server did not start within %s", readyTimeout)
	}
}

// varz asks the NATS server for its counters.
func (n *natsProc) varz() (natsCounters, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	var c natsCounters
	if _, err := io.WriteString(n.stdin, "varz\n"); err != nil {
		return c, err
	}
	timeout := time.After(varzTimeout)
	for {
		select {
		case line, ok := <-n.lines:
			if !ok {
				return c, errors.New("nats server exited")
			}
			kind, rest, _ := strings.Cut(line, " ")
			if kind != "varz" {
				continue
			}
			if err := json.Unmarshal([]byte(rest), &c); err != nil {
				return c, err
			}
			if c.Error != "" {
				return c, errors.New(c.Error)
			}
			return c, nil
		case <-timeout:
			return c, fmt.Errorf("nats server did not answer varz within %s", varzTimeout)
		}
	}
}

// stop ends the NATS server (its stdin closing is its signal to shut
// down) and removes its store.
func (n *natsProc) stop() {
	n.stdin.Close()
	select {
	case <-n.done:
	case <-time.After(stopTimeout):
		n.cmd.Process.Kill()
	}
	n.cmd.Wait()
	os.RemoveAll(n.dir)
}

// startCluster starts the NATS server and nodes teahouse servers joined
// to it, each with opt (and its own -cluster, -node-name and
// -metrics-addr after), and waits until every node hears a login on node
// 0 and node 0 hears one on every node. It returns node 0 as the target,
// carrying the whole cluster.
func startCluster(ctx context.Context, name, bin, natsBin string, nodes int, opt startOptions) (*target, error) {
	nats, err := startNATS(natsBin)
	if err != nil {
		return nil, err
	}
	ct := &clusterTarget{nats: nats}
	ok := false
	defer func() {
		if !ok {
			ct.stop()
		}
	}()
	base := opt.args
	for i := range nodes {
		maddr, err := freeLoopbackAddr()
		if err != nil {
			return nil, err
		}
		o := opt
		o.args = append(append([]string(nil), base...),
			"-cluster", nats.url, "-node-name", "n"+strconv.Itoa(i), "-metrics-addr", maddr.String())
		t, err := startServer(fmt.Sprintf("%s node %d", name, i), bin, o)
		if err != nil {
			return nil, err
		}
		ct.nodes = append(ct.nodes, t)
		ct.metrics = append(ct.metrics, "http://"+maddr.String()+"/metrics")
		ct.dialers = append(ct.dialers, &dialer{target: t.addr})
	}
	if err := ct.awaitJoined(ctx); err != nil {
		return nil, err
	}
	ok = true
	n0 := ct.nodes[0]
	return &target{name: name, addr: n0.addr, pid: n0.pid, cmd: n0.cmd, exited: n0.exited, output: n0.output, cluster: ct}, nil
}

// awaitJoined logs a probe in on node 0 and one on every other node, and
// waits until the probe on node 0 hears each of the others join and
// leave: then lines cross between every node and node 0 both ways (a
// join on node k reaches node 0 only once node k is in the cluster, and
// node 0's own probe is in the room node k's users see).
func (ct *clusterTarget) awaitJoined(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, clusterReadyTimeout)
	defer cancel()
	tag := randomTag()
	p0, err := login(ctx, ct.dialers[0], tag+"p0", bufio.NewReaderSize(nil, readBufferSize))
	if err != nil {
		return fmt.Errorf("cluster probe on node 0: %w", err)
	}
	defer p0.closeAbruptly()
	deadline, _ := ctx.Deadline()
	p0.conn.SetReadDeadline(deadline)
	for k := 1; k < len(ct.nodes); k++ {
		nick := tag + "p" + strconv.Itoa(k)
		pk, err := login(ctx, ct.dialers[k], nick, bufio.NewReaderSize(nil, readBufferSize))
		if err != nil {
			return fmt.Errorf("cluster probe on node %d: %w", k, err)
		}
		pk.closeAbruptly()
		for _, want := range []string{"*** " + nick + joinSuffix, "*** " + nick + " left"} {
			for {
				line, err := readLine(p0.r)
				if err != nil {
					return fmt.Errorf("node 0 did not hear %q from node %d: %w", want, k, err)
				}
				if strings.HasPrefix(string(line), want) {
					break
				}
			}
		}
	}
	return nil
}

// exited reports a node that has exited, or nil.
func (ct *clusterTarget) exited() error {
	for _, t := range ct.nodes {
		select {
		case <-t.exited:
			return fmt.Errorf("%s exited during the run: %s\n%s", t.name, t.cmd.ProcessState, t.outputTail())
		default:
		}
	}
	return nil
}

// stop ends every node, at once, then the NATS server.
func (ct *clusterTarget) stop() {
	var wg sync.WaitGroup
	for _, t := range ct.nodes {
		wg.Go(t.stop)
	}
	wg.Wait()
	if ct.nats != nil {
		ct.nats.stop()
	}
}

// writeCalls returns how many write system calls (write, writev) process
// pid has made, syscw in /proc/PID/io: the server's cost per delivery is
// mostly the kernel's per write, so deliveries per write explain it.
func writeCalls(pid int) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/io", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "syscw: "); ok {
			return strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, errors.New("proc io: no syscw")
}

// clusterSnapshot is the cluster's side of a snapshot.
type clusterSnapshot struct {
	nodeWrites []int64
	nodeCPU    []time.Duration
	natsCPU    time.Duration
	nats       natsCounters
	delivered  []int64 // to each node's clients
	err        error
}

// sample reads every node's and the NATS server's CPU and the NATS
// counters; perNode, when set, counts the deliveries to each node's
// clients.
func (ct *clusterTarget) sample(perNode func() []int64) clusterSnapshot {
	var s clusterSnapshot
	var errs []error
	for _, t := range ct.nodes {
		cpu, err := cpuTime(t.pid)
		errs = append(errs, err)
		s.nodeCPU = append(s.nodeCPU, cpu)
		w, err := writeCalls(t.pid)
		errs = append(errs, err)
		s.nodeWrites = append(s.nodeWrites, w)
	}
	var err error
	s.natsCPU, err = cpuTime(ct.nats.cmd.Process.Pid)
	errs = append(errs, err)
	s.nats, err = ct.nats.varz()
	errs = append(errs, err)
	if perNode != nil {
		s.delivered = perNode()
	}
	s.err = errors.Join(errs...)
	return s
}

// clusterFigures are what a run against several nodes measured beyond
// the single server's figures. Per-node slices are indexed by node.
type clusterFigures struct {
	Nodes int `json:"nodes"`
	// SameNode is the latency of receivers on node 0, with the senders;
	// CrossNode of receivers on the other nodes.
	SameNode  *latencySummary `json:"same_node_latency,omitempty"`
	CrossNode *latencySummary `json:"cross_node_latency,omitempty"`
	// Per node: its clients, deliveries per second to them in the
	// measured window, its CPU in cores, and its CPU per delivery to its
	// clients.
	NodeClients        []float64 `json:"node_clients"`
	NodeDeliveriesPerS []float64 `json:"node_deliveries_per_s"`
	NodeCores          []float64 `json:"node_cores"`
	NodeNsPerDelivery  []float64 `json:"node_cpu_ns_per_delivery"`
	// NodeDeliveriesPerWrite is deliveries to a node's clients over its
	// write system calls in the window.
	NodeDeliveriesPerWrite []float64 `json:"node_deliveries_per_write"`
	// The NATS server: its CPU, in cores and per delivery to a client;
	// messages in (published) and out (delivered to subscribers) per
	// second; slow consumers it cut off in the run.
	NATSCores         float64 `json:"nats_cores"`
	NATSNsPerDelivery float64 `json:"nats_cpu_ns_per_delivery"`
	NATSInPerS        float64 `json:"nats_in_msgs_per_s"`
	NATSOutPerS       float64 `json:"nats_out_msgs_per_s"`
	NATSSlowConsumers int64   `json:"nats_slow_consumers" agg:"max"`
	// Drops are the nodes' teahouse_cluster_drops_total at the end of the
	// run, summed, by direction: frames lost between a node and NATS.
	DropsIn  int64 `json:"drops_in" agg:"max"`
	DropsOut int64 `json:"drops_out" agg:"max"`
}

// fillCluster sets r's cluster figures from the window's two snapshots
// and the two latency histograms, and makes r's server figures the sum
// over the nodes. It reads the drop counters now, after the drain.
func (e *env) fillCluster(r *result, before, after snapshot, same, cross latencySummary) error {
	ct := e.cluster
	cb, ca := before.cluster, after.cluster
	if cb.err != nil || ca.err != nil {
		return fmt.Errorf("cluster figures: %w", errors.Join(cb.err, ca.err))
	}
	wall := after.wall.Sub(before.wall).Seconds()
	n := len(ct.nodes)
	f := &clusterFigures{Nodes: n, SameNode: &same, CrossNode: &cross}
	var cpu time.Duration
	var units int64
	var peak int64
	for i := range n {
		c := ca.nodeCPU[i] - cb.nodeCPU[i]
		d := ca.delivered[i] - cb.delivered[i]
		cpu += c
		units += d
		f.NodeDeliveriesPerS = append(f.NodeDeliveriesPerS, float64(d)/wall)
		f.NodeCores = append(f.NodeCores, c.Seconds()/wall)
		ns := 0.0
		if d > 0 {
			ns = float64(c.Nanoseconds()) / float64(d)
		}
		f.NodeNsPerDelivery = append(f.NodeNsPerDelivery, ns)
		perWrite := 0.0
		if w := ca.nodeWrites[i] - cb.nodeWrites[i]; w > 0 {
			perWrite = float64(d) / float64(w)
		}
		f.NodeDeliveriesPerWrite = append(f.NodeDeliveriesPerWrite, perWrite)
		if m, err := memoryOf(ct.nodes[i].pid); err == nil {
			peak += m.peak
		}
	}
	for _, node := range e.nodeOf {
		for len(f.NodeClients) <= node {
			f.NodeClients = append(f.NodeClients, 0)
		}
		f.NodeClients[node]++
	}
	natsCPU := ca.natsCPU - cb.natsCPU
	f.NATSCores = natsCPU.Seconds() / wall
	if units > 0 {
		f.NATSNsPerDelivery = float64(natsCPU.Nanoseconds()) / float64(units)
	}
	f.NATSInPerS = float64(ca.nats.InMsgs-cb.nats.InMsgs) / wall
	f.NATSOutPerS = float64(ca.nats.OutMsgs-cb.nats.OutMsgs) / wall
	if v, err := ct.nats.varz(); err == nil {
		f.NATSSlowConsumers = v.SlowConsumers
	}
	for _, url := range ct.metrics {
		m, err := scrapeDrops(url)
		if err != nil {
			return err
		}
		f.DropsIn += m[0]
		f.DropsOut += m[1]
	}
	r.Cluster = f
	// The server figures of the main table are the nodes' together; the
	// NATS server is shown apart.
	if r.Process {
		r.ServerCPUS = cpu.Seconds()
		r.ServerCores = cpu.Seconds() / wall
		r.ServerNsPerUnit = 0
		if units > 0 {
			r.ServerNsPerUnit = float64(cpu.Nanoseconds()) / float64(units)
		}
		r.ServerPeakRSS = peak
		other := after.machine - before.machine - (after.loadCPU - before.loadCPU) - cpu - natsCPU
		r.OtherCores = max(0, other.Seconds()/wall)
	}
	return nil
}

// scrapeDrops reads a node's teahouse_cluster_drops_total, in and out.
func scrapeDrops(url string) ([2]int64, error) {
	client := http.Client{Timeout: varzTimeout}
	resp, err := client.Get(url)
	if err != nil {
		return [2]int64{}, err
	}
	defer resp.Body.Close()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		return [2]int64{}, fmt.Errorf("%s: %w", url, err)
	}
	f, ok := fams["teahouse_cluster_drops_total"]
	if !ok {
		return [2]int64{}, fmt.Errorf("%s: no teahouse_cluster_drops_total", url)
	}
	var out [2]int64
	for _, m := range f.GetMetric() {
		for _, l := range m.GetLabel() {
			if l.GetName() != "dir" {
				continue
			}
			switch l.GetValue() {
			case "in":
				out[0] += int64(m.GetCounter().GetValue())
			case "out":
				out[1] += int64(m.GetCounter().GetValue())
			}
		}
	}
	return out, nil
}

// nodeLayout places clients on nodes: the senders (the first senders
// clients) on node 0, and each other client on the node with the most
// room left, taking the nodes in turn, so that each node ends with an
// equal share of all the clients (node 0 more if the senders alone are
// more than its share).
func nodeLayout(clients, senders, nodes int) []int {
	out := make([]int, clients)
	room := make([]int, nodes)
	for k := range room {
		room[k] = clients / nodes
		if k < clients%nodes {
			room[k]++
		}
	}
	room[0] -= min(senders, clients)
	k := 0
	for i := senders; i < clients; i++ {
		best := k
		for j := range nodes {
			if c := (k + j) % nodes; room[c] > room[best] {
				best = c
			}
		}
		out[i] = best
		room[best]--
		k = (best + 1) % nodes
	}
	return out
}

// perNodeDelivered returns a counter of each node's clients' deliveries.
func (t *traffic) perNodeDelivered(nodeOf []int, nodes int) func() []int64 {
	return func() []int64 {
		out := make([]int64, nodes)
		for i := range t.stats {
			out[nodeOf[i]] += t.stats[i].received.Load()
		}
		return out
	}
}

// writeClusterTable writes, under a traffic table with several-node
// results, what only those have: latency by where the receiver is, the
// cost per node and of NATS, NATS traffic and drops.
func writeClusterTable(w io.Writer, rep scenarioReport) {
	var rows []result
	for _, r := range rep.Results {
		if r.Cluster != nil {
			rows = append(rows, r)
		}
	}
	if len(rows) == 0 {
		return
	}
	fmt.Fprintf(w, "  several nodes (senders on node 0; ms; srv ns/delivery is node i's CPU over the deliveries to its clients):\n")
	for _, r := range rep.Results {
		f := r.Cluster
		if f == nil {
			fmt.Fprintf(w, "    %s: one node: p50 %s, p99 %s ms; %s srv ns/delivery, %s deliveries/write\n", r.Server,
				number(lat(r).P50), number(lat(r).P99), number(r.ServerNsPerUnit), number(r.DeliveriesPerWrite))
			continue
		}
		fmt.Fprintf(w, "    %s: same node p50 %s, p99 %s; cross node p50 %s, p99 %s\n", r.Server,
			number(sum(f.SameNode).P50), number(sum(f.SameNode).P99), number(sum(f.CrossNode).P50), number(sum(f.CrossNode).P99))
		for i := range f.NodeNsPerDelivery {
			clients := 0.0
			if i < len(f.NodeClients) {
				clients = f.NodeClients[i]
			}
			perWrite := 0.0
			if i < len(f.NodeDeliveriesPerWrite) {
				perWrite = f.NodeDeliveriesPerWrite[i]
			}
			fmt.Fprintf(w, "      node %d: %s clients, %s deliveries/s, %s cores, %s srv ns/delivery, %s deliveries/write\n", i,
				number(clients), number(f.NodeDeliveriesPerS[i]), number(f.NodeCores[i]), number(f.NodeNsPerDelivery[i]), number(perWrite))
		}
		fmt.Fprintf(w, "      all nodes: %s srv ns/delivery; NATS: %s cores, %s ns/delivery, %s msgs/s in, %s out, %d slow consumers; cluster drops in %d, out %d; lost %d\n",
			number(r.ServerNsPerUnit), number(f.NATSCores), number(f.NATSNsPerDelivery),
			number(f.NATSInPerS), number(f.NATSOutPerS), f.NATSSlowConsumers, f.DropsIn, f.DropsOut, r.Lost)
	}
}
