package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"

	"teahouse/server/store"
	"teahouse/session"
)

// listening is what run reports once clients can connect.
type listening struct {
	Addr    net.Addr // the chat listener (the real port when -addr asked for 0)
	Metrics net.Addr // the /metrics listener, nil when off
	// crash ends this server's cluster membership as a crash would (no
	// goodbye, the lease left to expire), for tests; nil without -cluster.
	crash func()
}

// run serves until ctx is cancelled, then shuts down gracefully: every
// session is told, output is flushed, the engine stops. It sends the bound
// addresses on ready (if not nil) once clients can connect. main and the
// tests both use it.
func run(ctx context.Context, opts Options, log *slog.Logger, ready chan<- listening) error {
	cfg, err := opts.config()
	if err != nil {
		return err
	}
	// gnet reports a busy port as an unrelated setsockopt error, so try
	// the address first for a message an operator can act on.
	probe, err := net.Listen("tcp", opts.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	probe.Close()
	db, err := store.Open(opts.Data, store.WithHistoryMax(opts.History))
	if err != nil {
		return err // it names the file and what is wrong with it
	}
	if cfg.Saved, err = loadSaved(db); err != nil {
		db.Close()
		return fmt.Errorf("store %s: %w", opts.Data, err)
	}
	var link *clusterLink
	if opts.Cluster != "" {
		cctx, cancel := context.WithTimeout(ctx, clusterConnectTimeout)
		link, err = connectCluster(cctx, opts, log)
		cancel()
		if err != nil {
			db.Close()
			return fmt.Errorf("cluster: %w", err)
		}
		cfg.Cluster = link
		defer func() { // on every way out; after a graceful stop it does nothing
			c, cancel := context.WithTimeout(context.Background(), time.Second)
			defer cancel()
			_ = link.stop(c)
		}()
		log.Info("joined the cluster", "nats", opts.Cluster, "cluster", opts.ClusterName, "node", link.ID())
	}
	r := newReactor(opts, cfg, log, db)
	if link != nil {
		link.table, r.link = r.table, link
	}
	defer func() {
		if err := r.persist.close(); err != nil {
			log.Error("closing the store", "data", opts.Data, "err", err)
		}
	}()
	logStore(log, opts, cfg)
	if fc := r.fileCap; fc > 0 && (opts.MaxClients == 0 || opts.MaxClients > fc) {
		log.Warn("the open-file limit caps connections below -max-clients; more are refused (raise it with ulimit -n)",
			"max_clients", opts.MaxClients, "open_file_cap", fc)
	}

	var ms *metricsServer
	if opts.MetricsAddr != "" {
		col := newCollector(r.m, r.table.Stats())
		if link != nil {
			col.cluster = link.node.Stats()
		}
		if ms, err = startMetrics(opts.MetricsAddr, col, log); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
	}
	stopMetrics := func() {
		c, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		ms.stop(c)
	}

	engineDone := make(chan error, 1)
	go func() {
		engineDone <- gnet.Run(r, "tcp://"+opts.Addr,
			gnet.WithMulticore(false),
			gnet.WithNumEventLoop(1),
			gnet.WithTicker(true),
			gnet.WithReuseAddr(true),
			gnet.WithTCPKeepAlive(KeepAlive),
			gnet.WithTCPNoDelay(gnet.TCPNoDelay),
			gnet.WithLogger(newGnetLogger(log)),
		)
	}()
	select {
	case err := <-engineDone:
		stopMetrics()
		if err == nil {
			err = fmt.Errorf("engine stopped while starting")
		}
		return fmt.Errorf("listen on %s: %w", opts.Addr, err)
	case <-r.booted:
	}

	startAttrs := []any{
		"addr", r.addr.String(), "name", opts.Name, "encoding", opts.Encoding,
		"max_line", opts.MaxLine, "history", opts.History, "rate", opts.Rate, "burst", opts.Burst,
		"max_out", opts.MaxOut, "max_clients", opts.MaxClients, "open_file_cap", r.fileCap, "max_per_ip", opts.MaxPerIP,
		"idle", opts.Idle.String(), "coalesce", opts.Coalesce.String(), "crowd", opts.Crowd, "shutdown_timeout", opts.ShutdownTimeout.String(),
	}
	if ms != nil {
		startAttrs = append(startAttrs, "metrics", "http://"+ms.addr.String()+"/metrics")
	}
	log.Info("teahouse listening", startAttrs...)
	if ready != nil {
		l := listening{Addr: r.addr}
		if link != nil {
			l.crash = link.crash
		}
		if ms != nil {
			l.Metrics = ms.addr
		}
		ready <- l
	}

	select {
	case err := <-engineDone:
		stopMetrics()
		if err == nil {
			return errors.New("engine stopped unexpectedly (see its error above)")
		}
		return fmt.Errorf("engine stopped: %w", err)
	case <-ctx.Done():
	}
	start := time.Now()
	shutdown(r, engineDone, opts.ShutdownTimeout, log)
	stopMetrics()
	log.Info("stopped", "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// logStore says where the store is and which -opers names can still be
// claimed: those only from this machine.
func logStore(log *slog.Logger, opts Options, cfg session.Config) {
	where := opts.Data
	if where == "" {
		where = "memory only (-data \"\"): nothing is kept across restarts"
	}
	log.Info("store", "data", where, "accounts", len(cfg.Saved.Accounts), "bans", len(cfg.Saved.Bans),
		"mutes", len(cfg.Saved.Mutes), "rooms_with_history", len(cfg.Saved.History))
	registered := make(map[string]bool, len(cfg.Saved.Accounts))
	for _, a := range cfg.Saved.Accounts {
		registered[a.Key] = true
	}
	for _, n := range cfg.Opers {
		if !registered[session.NameKey(n)] {
			log.Warn("operator nickname not registered yet: until it is, only a connection from this machine can register it",
				"nick", n)
		}
	}
}

// shutdown tells every session, waits until every connection is closed or
// timeout has passed, then stops the engine and waits for gnet.Run to
// return (engineDone).
func shutdown(r *reactor, engineDone <-chan error, timeout time.Duration, log *slog.Logger) {
	log.Info("shutting down", "sessions", r.m.connsOpen.Load(), "timeout", timeout.String())
	deadline, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if r.link != nil {
		// First leave the cluster: the other servers announce this one's
		// users as left and their names are free at once. With NATS
		// unreachable this would wait, so it gets half the time at most:
		// this server's own users are told in any case.
		lctx, lcancel := context.WithTimeout(deadline, timeout/2)
		if err := r.link.stop(lctx); err != nil {
			log.Warn("leaving the cluster", "err", err)
		}
		lcancel()
	}
	r.beginShutdown()
	if r.loop.Load() != nil {
		select {
		case <-r.drained:
		case <-deadline.Done():
			log.Warn("connections still open at the shutdown timeout", "open", r.m.connsOpen.Load())
		}
	}
	// Whatever is left is closed by the engine as it stops. Give Stop at
	// least a moment even when draining used the whole timeout. Stop polls
	// every half second; gnet.Run returning is the earlier sign.
	stopCtx := deadline
	if deadline.Err() != nil {
		var cancelStop context.CancelFunc
		stopCtx, cancelStop = context.WithTimeout(context.Background(), time.Second)
		defer cancelStop()
	}
	go func() { _ = r.eng.Stop(stopCtx) }()
	select {
	case <-engineDone:
	case <-stopCtx.Done():
		log.Warn("engine did not stop in time")
	}
	r.flushTimer.Stop()
}

// fileCap is how many connections the open-file limit leaves room for
// (0: no limit). gnet stops its acceptor for good when accept fails with
// EMFILE, so connections are refused well before that can happen. It is
// read again every tick, since the limit can be raised on a running
// process (prlimit).
func fileCap() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil || lim.Cur > 1<<31 {
		return 0
	}
	return max(int(lim.Cur)-fdReserve, 1)
}
