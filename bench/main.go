// Command bench is teahouse's load generator: it measures what users feel
// (delivery rate, latency, loss) and what operators pay (server CPU per
// delivery, memory per connection), optionally side by side with a plain
// goroutine-per-connection Go server, or with variants of teahouse started
// with different flags, in the same run.
//
// With no -addr it builds ./server, starts it on a free loopback port with
// the flood limit off, runs the suite and prints a table:
//
//	go run ./bench                     # teahouse, default suite (about two minutes)
//	go run ./bench -vs stdlib -runs 3  # teahouse and the reference, medians, ratios
//	go run ./bench -addr 127.0.0.1:6666 -server-pid 1234
//	go run ./bench -scenarios crowd,quiet -variants 'default=;nocoalesce=-coalesce 0'
//	go run ./bench -scenarios fanout -reader goroutine,epoll -runs 3
//	go run ./bench -cluster 3          # fanout and chat, one node and three (cluster.go)
//
// Scenarios: fanout (1,000 clients, 10 senders as fast as a window of
// unacknowledged lines allows), chat (1,000 clients, 100 senders at 10
// lines/s), crowd (10,000 clients, 100 senders at 1 line/s), quiet (10
// clients, one line a second: latency when nothing is busy), idle (memory
// per logged-in connection) and churn (connect-login-say-quit cycles).
// Opt-in with -scenarios logins: password logins of registered nicknames
// per second, and chat latency during a burst of them (logins.go).
//
// Lanes: every scenario runs against each lane in turn, rotating which
// goes first, so lanes compared saw the same machine minutes apart. A lane
// is a server (-server, each of its -variants, the -vs reference) read by
// one reader (-reader). -server-args adds arguments to the started server;
// -variants 'NAME=ARGS;NAME=ARGS' starts it once per variant with ARGS
// after those (a later flag of the same name wins). With two lanes the
// table's last row is the first's advantage over the second.
//
// Readers: the load generator's own CPU per delivery is reported as "load
// ns/delivery". The default epoll reader waits on all connections from
// one or two loops and reads each ready one once; gnet uses gnet's client
// side; goroutine is the first reader, a goroutine per connection, kept to
// compare.
//
// It only targets loopback, bounds every phase in time, raises its own fd
// limit, and spreads connections over 127.0.0.x source addresses.
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// scenarioNames are the scenarios in suite order.
var scenarioNames = []string{"fanout", "chat", "crowd", "quiet", "idle", "churn"}

// optionalScenarios run only when -scenarios names them: logins needs
// accounts, which the reference server does not have.
var optionalScenarios = []string{"logins"}

// config is everything the flags set.
type config struct {
	addr      string
	serverPID int
	server    string
	vs        string
	scenarios []string
	runs      int
	json      bool
	// awaitQuiet is how long to wait, before each run, for the machine to
	// be quiet.
	awaitQuiet time.Duration
	// cpuProfile, when set, is where the load generator's own CPU
	// profile goes.
	cpuProfile string
	// serverOutput passes started servers' output through to stderr.
	serverOutput bool
	timeout      time.Duration
	pinServer    []int
	pinLoad      []int
	// readers are how clients are read (readerKinds), each in turn, with
	// readLoops loops.
	readers   []string
	readLoops int
	// serverArgs are added to every started server's command line;
	// variants are started servers to compare, each with its own
	// arguments added after serverArgs.
	serverArgs []string
	variants   []variant
	// procs is how many processes traffic scenarios spread clients over.
	procs int
	// cluster, when 2 or more, adds beside each teahouse lane the same
	// on that many nodes joined through NATS (cluster.go).
	cluster int

	fanout trafficConfig
	chat   trafficConfig
	crowd  trafficConfig
	quiet  trafficConfig
	idle   int
	churn  churnConfig
	logins loginsConfig
}

func main() {
	if os.Getenv(helperEnv) != "" {
		os.Exit(helperMain())
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "bench:", err)
		}
		os.Exit(1)
	}
}

// parseFlags reads the command line into a config.
func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "usage: go run ./bench [flags]\n\n"+
			"Runs load scenarios against a teahouse server (built from ./server and started\n"+
			"on a free loopback port unless -addr is given) and prints what it measured.\n\n")
		fs.PrintDefaults()
	}
	fs.StringVar(&c.addr, "addr", "", "target a running server at this loopback `host:port` instead of starting one")
	fs.IntVar(&c.serverPID, "server-pid", 0, "with -addr, the server's `pid`, for its CPU, memory and fd figures")
	fs.StringVar(&c.server, "server", "teahouse", "without -addr, the server to build and start: teahouse (./server) or stdlib (./bench/stdlib)")
	fs.StringVar(&c.vs, "vs", "", "also run every scenario against this reference server, alternating, and print ratios: stdlib")
	serverArgs := fs.String("server-args", "", "extra `arguments` for the started -server (not the -vs reference), split on spaces, after the load generator's own\n(-addr -rate 0 -history 0 -max-clients N -max-per-ip 0 -log-level warn), so they win: e.g. '-history 20'")
	variants := fs.String("variants", "", "run every scenario against several variants of -server, alternating: `NAME=ARGS;NAME=ARGS`,\neach started with its ARGS after -server-args, e.g. 'default=;nocoalesce=-coalesce 0';\nwhen there are two lanes in all (variants × readers, plus -vs), the last row is the first's advantage")
	scen := fs.String("scenarios", strings.Join(scenarioNames, ","), "comma-separated `list` of scenarios to run: "+strings.Join(scenarioNames, ", ")+
		",\nand logins (registered nicknames' password logins; teahouse only, not in the default list)")
	fs.IntVar(&c.runs, "runs", 1, "runs of each scenario per server; figures are medians, loss the worst run")
	fs.BoolVar(&c.json, "json", false, "print one JSON object per scenario instead of the table")
	fs.DurationVar(&c.awaitQuiet, "await-quiet", 0, "before each run, wait up to this long for the machine's other work to fall below 0.15 cores\n(on a shared machine; each result reports the other work seen as 'other cores')")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write the load generator's own CPU profile (pprof) to this `file`")
	fs.BoolVar(&c.serverOutput, "server-output", false, "show started servers' own output as it comes (otherwise only its end, after a failure)")
	fs.DurationVar(&c.timeout, "timeout", 15*time.Minute, "stop everything after this long")
	pinServer := fs.String("pin-server", "", "pin started servers to this CPU `list`, e.g. 1 or 0-1")
	pinLoad := fs.String("pin-load", "", "pin the load generator to this CPU `list`, e.g. 0")
	readers := fs.String("reader", readerEpoll, "how the load generator reads its clients: epoll (a few epoll loops, one read per ready\nconnection), gnet (gnet's client side) or goroutine (a goroutine per connection, the first reader);\na comma-separated `list` runs every scenario with each, alternating, e.g. goroutine,epoll")
	fs.IntVar(&c.procs, "procs", 1, "fanout, chat, crowd and quiet: spread the clients over this many load-generator `processes`\n(this one holds the senders; each other holds an equal share), for more connections than one\nprocess's fd limit or more cores for reading; their CPU counts as the load generator's")
	fs.IntVar(&c.cluster, "cluster", 0, "also run every scenario against this many teahouse `nodes` joined through one NATS server\n(./bench/natsd), all on loopback, senders on node 0, the other clients spread evenly; reports latency\nfor receivers on node 0 and on the others, CPU per delivery per node, NATS messages/s and drops.\nScenarios default to fanout,chat; only fanout, chat, crowd and quiet spread over nodes")
	fs.IntVar(&c.readLoops, "read-loops", 0, "epoll and gnet readers: read `loops`; 0: one per core the load generator may use, at most 2")

	warmup := fs.Duration("warmup", 2*time.Second, "fanout, chat, crowd and quiet: load before the measured window")
	measure := fs.Duration("duration", 5*time.Second, "fanout, chat and crowd: the measured window")
	payload := fs.Int("payload", 16, "fanout, chat, crowd and quiet: padding `bytes` added to each line")
	fs.IntVar(&c.fanout.Clients, "fanout-clients", 1000, "fanout: clients in the room")
	fs.IntVar(&c.fanout.Senders, "fanout-senders", 10, "fanout: how many of them send")
	fs.IntVar(&c.fanout.Window, "fanout-window", 4, "fanout: lines each sender may have in flight, unacknowledged")
	fs.Float64Var(&c.fanout.Rate, "fanout-rate", 0, "fanout: lines per second per sender instead of the window; 0: window")
	fs.IntVar(&c.chat.Clients, "chat-clients", 1000, "chat: clients in the room")
	fs.IntVar(&c.chat.Senders, "chat-senders", 100, "chat: how many of them send")
	fs.Float64Var(&c.chat.Rate, "chat-rate", 10, "chat: lines per second per sender")
	fs.IntVar(&c.crowd.Clients, "crowd-clients", 10000, "crowd: clients in the room (logging them in announces n(n+1)/2 joins)")
	fs.IntVar(&c.crowd.Senders, "crowd-senders", 100, "crowd: how many of them send")
	fs.Float64Var(&c.crowd.Rate, "crowd-rate", 1, "crowd: lines per second per sender")
	fs.IntVar(&c.quiet.Clients, "quiet-clients", 10, "quiet: clients in the room")
	fs.IntVar(&c.quiet.Senders, "quiet-senders", 1, "quiet: how many of them send")
	fs.Float64Var(&c.quiet.Rate, "quiet-rate", 1, "quiet: lines per second per sender")
	quietMeasure := fs.Duration("quiet-duration", 10*time.Second, "quiet: the measured window (at 1 line/s, 5 s would be only 5 lines)")
	fs.IntVar(&c.idle, "idle-clients", 2000, "idle: logged-in idle connections to hold (every join is announced to\nthe room, so n logins cost the server n(n+1)/2 deliveries: 10000 takes a while)")
	fs.IntVar(&c.churn.Cycles, "churn-cycles", 30000, "churn: connect-login-say-quit cycles")
	fs.IntVar(&c.churn.Concurrency, "churn-concurrency", 64, "churn: cycles at once")
	fs.IntVar(&c.logins.Accounts, "logins-accounts", 100, "logins: nicknames registered before measuring (each registration is one argon2id hash)")
	fs.IntVar(&c.logins.Logins, "logins-count", 300, "logins: password logins in the throughput phase")
	fs.IntVar(&c.logins.Concurrency, "logins-concurrency", 16, "logins: throughput phase logins under way at once (at most -logins-accounts)")
	fs.IntVar(&c.logins.Burst, "logins-burst", 100, "logins: password logins sent at the same moment in the burst (at most -logins-accounts)")
	fs.IntVar(&c.logins.ChatClients, "logins-chat-clients", 4, "logins: unregistered clients chatting before and during the burst")
	fs.Float64Var(&c.logins.ChatRate, "logins-chat-rate", 20, "logins: the chatters' lines per second, all together")
	fs.DurationVar(&c.logins.Quiet, "logins-quiet", 5*time.Second, "logins: chat measured with no logins, before the burst")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if err := c.checkCluster(fs, scen); err != nil {
		return c, err
	}
	if c.addr != "" {
		if _, err := loopbackTarget(c.addr); err != nil {
			return c, fmt.Errorf("-addr: %w", err)
		}
	}
	for _, s := range strings.Split(*scen, ",") {
		if s = strings.TrimSpace(s); !slices.Contains(scenarioNames, s) && !slices.Contains(optionalScenarios, s) {
			return c, fmt.Errorf("unknown scenario %q (have %s)", s, strings.Join(append(slices.Clone(scenarioNames), optionalScenarios...), ", "))
		}
		c.scenarios = append(c.scenarios, s)
	}
	if _, ok := serverPackages[c.server]; !ok || (c.vs != "" && serverPackages[c.vs] == "") {
		return c, fmt.Errorf("servers are teahouse or stdlib")
	}
	if c.runs < 1 || c.fanout.Window < 1 || *payload < 0 {
		return c, fmt.Errorf("-runs and -fanout-window must be at least 1, -payload at least 0")
	}
	for _, r := range strings.Split(*readers, ",") {
		if r = strings.TrimSpace(r); !slices.Contains(readerKinds, r) || slices.Contains(c.readers, r) {
			return c, fmt.Errorf("-reader: %q is not one of %s, or is named twice", r, strings.Join(readerKinds, ", "))
		}
		c.readers = append(c.readers, r)
	}
	c.serverArgs = strings.Fields(*serverArgs)
	var err error
	if c.variants, err = parseVariants(*variants); err != nil {
		return c, err
	}
	if c.addr != "" && (len(c.variants) > 0 || len(c.serverArgs) > 0) {
		return c, fmt.Errorf("-variants and -server-args start servers; with -addr the server is already running")
	}
	if _, err := c.lanes(); err != nil {
		return c, err
	}
	if c.procs < 1 || c.procs > maxProcs {
		return c, fmt.Errorf("-procs must be 1 to %d", maxProcs)
	}
	if c.readLoops < 0 || c.readLoops > 64 {
		return c, fmt.Errorf("-read-loops must be 0 to 64")
	}
	if c.chat.Rate <= 0 || c.crowd.Rate <= 0 || c.quiet.Rate <= 0 {
		return c, fmt.Errorf("-chat-rate, -crowd-rate and -quiet-rate must be above 0")
	}
	for _, t := range []*trafficConfig{&c.fanout, &c.chat, &c.crowd, &c.quiet} {
		t.Warmup, t.Measure, t.Payload = *warmup, *measure, *payload
	}
	c.quiet.Measure = *quietMeasure
	c.chat.Window = c.fanout.Window
	if err := c.checkBounds(); err != nil {
		return c, err
	}
	if *pinServer != "" {
		if c.pinServer, err = parseCPUList(*pinServer); err != nil {
			return c, err
		}
	}
	if *pinLoad != "" {
		if c.pinLoad, err = parseCPUList(*pinLoad); err != nil {
			return c, err
		}
	}
	return c, nil
}

// run is the whole program; main only wires it to the process.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	c, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	stderr = &lockedWriter{w: stderr}
	ctx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	if _, err := raiseFileLimit(); err != nil {
		return fmt.Errorf("raise fd limit: %w", err)
	}
	if len(c.pinLoad) > 0 {
		if err := pin(selfPID, c.pinLoad); err != nil {
			return err
		}
		runtime.GOMAXPROCS(len(c.pinLoad))
	}

	if c.cpuProfile != "" {
		f, err := os.Create(c.cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}

	s, err := newSuite(ctx, c, stderr)
	if err != nil {
		return err
	}
	defer s.close()
	if !c.json {
		fmt.Fprintf(stdout, "machine: %s\n", machineDescription())
	}
	failed := false
	for _, name := range c.scenarios {
		rep := s.runScenario(name)
		failed = failed || len(rep.Errors) > 0
		if c.json {
			if err := writeJSON(stdout, rep); err != nil {
				return err
			}
		} else {
			writeTable(stdout, rep)
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
	}
	if failed {
		return errors.New("some scenario runs failed")
	}
	return nil
}

// randomTag returns a short random nickname prefix.
func randomTag() string {
	const letters = "abcdefghijklmnopqrstuvwxyz"
	b := make([]byte, 4)
	rand.Read(b)
	for i := range b {
		b[i] = letters[int(b[i])%len(letters)]
	}
	return string(b)
}

const (
	// fdReserve is how many of the load generator's file descriptors are
	// kept for things other than client connections.
	fdReserve = 64

	// maxChurnCycles and maxPhase bound what one invocation may ask for.
	maxChurnCycles = 10_000_000
	maxPhase       = 10 * time.Minute
)

// checkBounds refuses loads the load generator could not hold or that would
// not end in reasonable time.
func (c *config) checkBounds() error {
	var lim unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &lim); err != nil {
		return err
	}
	maxConns := int(min(lim.Max, 1<<30)) - fdReserve
	procs := max(1, c.procs)
	for _, n := range []struct {
		flag   string
		v      int
		spread bool // spread over -procs processes
	}{
		{"-fanout-clients", c.fanout.Clients, true},
		{"-chat-clients", c.chat.Clients, true},
		{"-crowd-clients", c.crowd.Clients, true},
		{"-quiet-clients", c.quiet.Clients, true},
		{"-idle-clients", c.idle, false},
		{"-churn-concurrency", c.churn.Concurrency, false},
	} {
		most := maxConns
		if n.spread {
			most = maxConns * procs
		}
		if n.v < 1 || n.v > most {
			return fmt.Errorf("%s must be 1 to %d (the fd limit, %d, less %d, per process; traffic scenarios may use -procs)", n.flag, most, lim.Max, fdReserve)
		}
	}
	if err := c.logins.check(maxConns); err != nil {
		return err
	}
	if c.churn.Cycles < 1 || c.churn.Cycles > maxChurnCycles {
		return fmt.Errorf("-churn-cycles must be 1 to %d", maxChurnCycles)
	}
	for _, t := range []trafficConfig{c.fanout, c.quiet} {
		if t.Warmup < 0 || t.Measure <= 0 || t.Warmup+t.Measure > maxPhase {
			return fmt.Errorf("-warmup plus -duration or -quiet-duration must be above 0 and at most %s", maxPhase)
		}
	}
	return nil
}
