package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"
)

// quietCores is the most CPU, in cores, other work may use for the machine
// to count as quiet; quietSample is how long it is watched for.
const (
	quietCores  = 0.15
	quietSample = time.Second
)

// serverSlack is how many connections beyond a scenario's clients a started
// server is told to accept.
const serverSlack = 256

// suite runs scenarios against one or two servers.
type suite struct {
	ctx    context.Context
	cfg    config
	log    io.Writer
	tmp    string            // where servers are built
	bins   map[string]string // built server binaries by name
	names  []string          // the servers in comparison order
	runSeq int
}

// newSuite builds the servers it will start.
func newSuite(ctx context.Context, c config, log io.Writer) (*suite, error) {
	s := &suite{ctx: ctx, cfg: c, log: log, bins: map[string]string{}}
	var build []string
	if c.addr != "" {
		s.names = []string{"target"}
	} else {
		s.names = []string{c.server}
		build = append(build, c.server)
	}
	if c.vs != "" {
		s.names = append(s.names, c.vs)
		build = append(build, c.vs)
	}
	if len(build) > 0 {
		dir, err := os.MkdirTemp("", "teahouse-bench-")
		if err != nil {
			return nil, err
		}
		s.tmp = dir
		for _, name := range build {
			fmt.Fprintf(log, "bench: building %s (%s)\n", name, serverPackages[name])
			bin, err := buildServer(ctx, name, dir)
			if err != nil {
				s.close()
				return nil, err
			}
			s.bins[name] = bin
		}
	}
	return s, nil
}

// close removes the built binaries.
func (s *suite) close() {
	if s.tmp != "" {
		os.RemoveAll(s.tmp)
	}
}

// runScenario runs one scenario cfg.runs times per server, alternating which
// server goes first, and aggregates.
func (s *suite) runScenario(name string) scenarioReport {
	rep := scenarioReport{Scenario: name}
	byServer := map[string][]result{}
	for run := range s.cfg.runs {
		order := s.names
		if run%2 == 1 && len(order) == 2 {
			order = []string{order[1], order[0]}
		}
		for _, srv := range order {
			if s.ctx.Err() != nil {
				break
			}
			r, err := s.runOnce(name, srv)
			if err != nil {
				rep.Errors = append(rep.Errors, fmt.Sprintf("%s run %d: %v", srv, run+1, err))
				continue
			}
			byServer[srv] = append(byServer[srv], r)
		}
		if s.ctx.Err() != nil {
			break
		}
	}
	for _, srv := range s.names {
		if rs := byServer[srv]; len(rs) > 0 {
			rep.Results = append(rep.Results, aggregate(rs))
		}
	}
	if len(rep.Results) == 2 {
		rep.Ratio = advantage(rep.Results[0], rep.Results[1])
	}
	return rep
}

// runOnce runs one scenario against one server, starting a fresh one when
// the suite owns it so that each run's memory and fd figures are its own.
func (s *suite) runOnce(name, srv string) (result, error) {
	if s.cfg.awaitQuiet > 0 {
		s.awaitQuiet()
	}
	t, err := s.targetFor(name, srv)
	if err != nil {
		return result{}, err
	}
	defer t.stop()
	addr := t.addr
	s.runSeq++
	e := &env{
		ctx:        s.ctx,
		target:     t,
		dialer:     &dialer{target: addr},
		nickPrefix: fmt.Sprintf("%s%d", randomTag(), s.runSeq),
		progress:   s.log,
	}
	load := machineLoad()
	e.logf("%s run starting (machine load %.2f)", name, load)
	var r result
	switch name {
	case "fanout":
		r, err = runFanout(e, s.cfg.fanout)
	case "chat":
		r, err = runChat(e, s.cfg.chat)
	case "idle":
		r, err = runIdle(e, s.cfg.idle)
	case "churn":
		r, err = runChurn(e, s.cfg.churn)
	}
	r.Server, r.Runs, r.MachineLoad = srv, 1, load
	if err == nil && t.cmd != nil {
		select {
		case <-t.exited:
			err = fmt.Errorf("%s exited during the run: %s\n%s", srv, t.cmd.ProcessState, t.outputTail())
		default:
		}
	}
	if err != nil && t.outputTail() != "" {
		err = fmt.Errorf("%w\n%s's last output:\n%s", err, srv, t.outputTail())
	}
	return r, err
}

// targetFor starts the server srv for scenario name, or returns the
// running target.
func (s *suite) targetFor(name, srv string) (*target, error) {
	if srv == "target" {
		addr, err := loopbackTarget(s.cfg.addr)
		if err != nil {
			return nil, err
		}
		return &target{name: srv, addr: addr, pid: s.cfg.serverPID}, nil
	}
	clients := map[string]int{
		"fanout": s.cfg.fanout.Clients,
		"chat":   s.cfg.chat.Clients,
		"idle":   s.cfg.idle,
		"churn":  s.cfg.churn.Concurrency,
	}[name]
	opt := startOptions{maxClients: clients + serverSlack, pinCPUs: s.cfg.pinServer}
	if s.cfg.serverOutput {
		opt.output = s.log
	}
	return startServer(srv, s.bins[srv], opt)
}

// awaitQuiet waits until the machine's CPUs were busy less than quietCores
// over a quietSample, or cfg.awaitQuiet has passed.
func (s *suite) awaitQuiet() {
	deadline := time.Now().Add(s.cfg.awaitQuiet)
	for s.ctx.Err() == nil {
		b0, err := machineBusy()
		if err != nil {
			return
		}
		time.Sleep(quietSample)
		b1, err := machineBusy()
		if err != nil {
			return
		}
		busy := (b1 - b0).Seconds() / quietSample.Seconds()
		if busy < quietCores {
			return
		}
		if time.Now().After(deadline) {
			fmt.Fprintf(s.log, "bench: the machine is still busy (%.2f cores); running anyway\n", busy)
			return
		}
	}
}
