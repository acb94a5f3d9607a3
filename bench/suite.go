package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	lanes  []lane            // in comparison order
	runSeq int
}

// newSuite builds the servers it will start.
func newSuite(ctx context.Context, c config, log io.Writer) (*suite, error) {
	s := &suite{ctx: ctx, cfg: c, log: log, bins: map[string]string{}}
	lanes, err := c.lanes()
	if err != nil {
		return nil, err
	}
	s.lanes = lanes
	var build []string
	for _, l := range lanes {
		if l.server != "target" && !slices.Contains(build, l.server) {
			build = append(build, l.server)
		}
	}
	if c.cluster >= 2 {
		build = append(build, natsdName)
	}
	if len(build) > 0 {
		dir, err := os.MkdirTemp("", "teahouse-bench-")
		if err != nil {
			return nil, err
		}
		s.tmp = dir
		for _, name := range build {
			fmt.Fprintf(log, "bench: building %s\n", name)
			pkg := serverPackages[name]
			if name == natsdName {
				pkg = natsdPackage
			}
			bin, err := buildPackage(ctx, name, pkg, dir)
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

// runScenario runs one scenario cfg.runs times per lane, rotating which
// lane goes first, and aggregates.
func (s *suite) runScenario(name string) scenarioReport {
	rep := scenarioReport{Scenario: name}
	byLane := map[string][]result{}
	for run := range s.cfg.runs {
		k := run % len(s.lanes)
		order := append(slices.Clone(s.lanes[k:]), s.lanes[:k]...)
		for _, l := range order {
			if s.ctx.Err() != nil {
				break
			}
			if name == "logins" && !loginsSupported(l) {
				if run == 0 {
					rep.Errors = append(rep.Errors, fmt.Sprintf("%s: skipped: it has no registered nicknames", l.name))
				}
				continue
			}
			if l.nodes >= 2 && !slices.Contains(clusterScenarios, name) {
				if run == 0 {
					rep.Errors = append(rep.Errors, fmt.Sprintf("%s: skipped: only %s spread their clients over nodes", l.name, strings.Join(clusterScenarios, ", ")))
				}
				continue
			}
			r, err := s.runOnce(name, l)
			if err != nil {
				rep.Errors = append(rep.Errors, fmt.Sprintf("%s run %d: %v", l.name, run+1, err))
				continue
			}
			byLane[l.name] = append(byLane[l.name], r)
		}
		if s.ctx.Err() != nil {
			break
		}
	}
	for _, l := range s.lanes {
		if rs := byLane[l.name]; len(rs) > 0 {
			rep.Results = append(rep.Results, aggregate(rs))
		}
	}
	if len(rep.Results) == 2 && len(s.lanes) == 2 {
		rep.Ratio = advantage(rep.Results[0], rep.Results[1])
	}
	return rep
}

// runOnce runs one scenario against one server, starting a fresh one when
// the suite owns it so that each run's memory and fd figures are its own.
func (s *suite) runOnce(name string, l lane) (result, error) {
	srv := l.name
	if s.cfg.awaitQuiet > 0 {
		s.awaitQuiet()
	}
	t, err := s.targetFor(name, l)
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
		reader:     l.reader,
		readLoops:  s.cfg.readLoops,
		procs:      s.cfg.procs,
		cluster:    t.cluster,
	}
	if e.readLoops == 0 {
		e.readLoops = defaultReadLoops()
	}
	load := machineLoad()
	e.logf("%s run starting (machine load %.2f)", name, load)
	var r result
	switch name {
	case "fanout":
		r, err = runFanout(e, s.cfg.fanout)
	case "chat":
		r, err = runChat(e, s.cfg.chat)
	case "crowd":
		r, err = runCrowd(e, s.cfg.crowd)
	case "quiet":
		r, err = runQuiet(e, s.cfg.quiet)
	case "idle":
		r, err = runIdle(e, s.cfg.idle)
	case "churn":
		r, err = runChurn(e, s.cfg.churn)
	case "logins":
		r, err = runLogins(e, s.cfg.logins)
	}
	r.Server, r.Runs, r.MachineLoad = srv, 1, load
	if err == nil && t.cluster != nil {
		err = t.cluster.exited()
	}
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

// targetFor starts lane l's server for scenario name, or returns the
// running target.
func (s *suite) targetFor(name string, l lane) (*target, error) {
	srv := l.name
	if l.server == "target" {
		addr, err := loopbackTarget(s.cfg.addr)
		if err != nil {
			return nil, err
		}
		return &target{name: srv, addr: addr, pid: s.cfg.serverPID}, nil
	}
	clients := map[string]int{ // the server is started for this many
		"fanout": s.cfg.fanout.Clients,
		"chat":   s.cfg.chat.Clients,
		"crowd":  s.cfg.crowd.Clients,
		"quiet":  s.cfg.quiet.Clients,
		"idle":   s.cfg.idle,
		"churn":  s.cfg.churn.Concurrency,
		"logins": max(s.cfg.logins.Concurrency, s.cfg.logins.Burst) + s.cfg.logins.ChatClients + regConns,
	}[name]
	args := l.args
	if l.server == "teahouse" {
		// The store: never the default teahouse.db in the working
		// directory (the repository). Memory only, except for logins,
		// whose accounts go to a fresh file as they would in use; the
		// lane's own arguments come after, so a -data there wins.
		data := ""
		if name == "logins" {
			data = filepath.Join(s.tmp, fmt.Sprintf("logins-%d.db", s.runSeq+1))
		}
		args = append([]string{"-data", data}, l.args...)
	}
	opt := startOptions{maxClients: clients + serverSlack, pinCPUs: s.cfg.pinServer, args: args}
	if s.cfg.serverOutput {
		opt.output = s.log
	}
	if l.nodes >= 2 {
		return startCluster(s.ctx, srv, s.bins[l.server], s.bins[natsdName], l.nodes, opt)
	}
	return startServer(srv, s.bins[l.server], opt)
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
