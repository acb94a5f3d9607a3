package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"teahouse/server/cluster"
	"teahouse/session"
)

// maxReasons bounds the close-reason counters; CloseReason is small.
const maxReasons = 32

// counters are the reactor's own numbers. The event loop updates them with
// atomic adds (no locks on the hot path); the collector reads them when
// Prometheus scrapes.
type counters struct {
	connsOpen  atomic.Int64
	connsTotal atomic.Uint64
	bytesIn    atomic.Uint64
	bytesOut   atomic.Uint64 // bytes handed to gnet for sending
	closes     [maxReasons]atomic.Uint64

	auditMu sync.Mutex
	audits  map[string]uint64 // operator actions and failed logins, by action
}

// audited counts one audit event. They are rare (people type them), so a
// lock is fine here.
func (m *counters) audited(action string) {
	m.auditMu.Lock()
	if m.audits == nil {
		m.audits = make(map[string]uint64)
	}
	m.audits[action]++
	m.auditMu.Unlock()
}

func (m *counters) closed(r session.CloseReason) {
	if int(r) < maxReasons {
		m.closes[r].Add(1)
	}
}

// collector turns counters and the Table's Stats into Prometheus metrics
// at scrape time. Both are atomics, so Collect may run on any goroutine.
type collector struct {
	m     *counters
	stats *session.Stats

	connsOpen, connsTotal, logins, online, linesIn, deliveries  *prometheus.Desc
	bytesIn, bytesOut, drops, rooms, closes                     *prometheus.Desc
	audits, authFailures, authThrottled, storeErrors, storeBusy *prometheus.Desc

	// cluster is the node's counters; nil for a single server, which
	// then exports no teahouse_cluster_* metric.
	cluster                                                    *cluster.Stats
	clMsgs, clDrops, clRemote, clConnected, clClaims, clFenced *prometheus.Desc
}

func newCollector(m *counters, stats *session.Stats) *collector {
	d := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc("teahouse_"+name, help, labels, nil)
	}
	return &collector{
		m:             m,
		stats:         stats,
		connsOpen:     d("connections_open", "TCP connections open now (logged in or not)."),
		connsTotal:    d("connections_total", "TCP connections accepted, refused ones included."),
		logins:        d("logins_total", "Successful logins."),
		online:        d("users_online", "Users logged in now."),
		linesIn:       d("lines_in_total", "Input lines received from sessions."),
		deliveries:    d("deliveries_total", "Lines delivered to sessions (one per recipient)."),
		bytesIn:       d("bytes_in_total", "Bytes read from connections."),
		bytesOut:      d("bytes_out_total", "Bytes queued for sending to connections."),
		drops:         d("drops_total", "Input or output dropped by a limit.", "reason"),
		rooms:         d("rooms", "Rooms that exist now."),
		closes:        d("closes_total", "Connections closed, by reason.", "reason"),
		audits:        d("audit_total", "Operator actions and login events, by action.", "action"),
		authFailures:  d("auth_failures_total", "Wrong passwords."),
		authThrottled: d("auth_throttled_total", "Password tries refused by the guessing throttle."),
		storeErrors:   d("store_errors_total", "Store operations that failed."),
		storeBusy:     d("store_busy_total", "Store operations refused because its queues were full."),
		clMsgs:        d("cluster_messages_total", "Frames exchanged with the other servers, by direction.", "dir"),
		clDrops:       d("cluster_drops_total", "Frames lost between this server and the others (overload, NATS refused), by direction.", "dir"),
		clRemote:      d("cluster_remote_users", "Users logged in on the other servers."),
		clConnected:   d("cluster_nats_connected", "1 while the NATS link is up."),
		clClaims:      d("cluster_claims_total", "Cluster-wide nickname claims, by result.", "result"),
		clFenced:      d("cluster_fencings_total", "Times this server found its cluster lease lost."),
	}
}

func (c *collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.connsOpen, c.connsTotal, c.logins, c.online, c.linesIn,
		c.deliveries, c.bytesIn, c.bytesOut, c.drops, c.rooms, c.closes,
		c.audits, c.authFailures, c.authThrottled, c.storeErrors, c.storeBusy} {
		ch <- d
	}
	if c.cluster != nil {
		for _, d := range []*prometheus.Desc{c.clMsgs, c.clDrops, c.clRemote, c.clConnected, c.clClaims, c.clFenced} {
			ch <- d
		}
	}
}

func (c *collector) Collect(ch chan<- prometheus.Metric) {
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v int64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(v))
	}
	gauge(c.connsOpen, c.m.connsOpen.Load())
	counter(c.connsTotal, c.m.connsTotal.Load())
	counter(c.bytesIn, c.m.bytesIn.Load())
	counter(c.bytesOut, c.m.bytesOut.Load())
	for _, r := range session.CloseReasons() {
		if int(r) < maxReasons {
			counter(c.closes, c.m.closes[r].Load(), r.Label())
		}
	}
	s := c.stats
	counter(c.logins, s.Logins.Load())
	gauge(c.online, s.Online.Load())
	counter(c.linesIn, s.LinesIn.Load())
	counter(c.deliveries, s.Deliveries.Load())
	counter(c.drops, s.DropsFlood.Load(), "flood")
	counter(c.drops, s.DropsLongLine.Load(), "long_line")
	counter(c.drops, s.DropsSlow.Load(), "slow_reader")
	gauge(c.rooms, s.Rooms.Load())
	counter(c.authFailures, s.AuthFailures.Load())
	counter(c.authThrottled, s.AuthThrottled.Load())
	counter(c.storeErrors, s.StoreErrors.Load())
	counter(c.storeBusy, s.StoreBusy.Load())
	if cs := c.cluster; cs != nil {
		counter(c.clMsgs, cs.InMsgs.Load(), "in")
		counter(c.clMsgs, cs.OutMsgs.Load(), "out")
		counter(c.clDrops, cs.InDrops.Load(), "in")
		counter(c.clDrops, cs.OutDrops.Load(), "out")
		gauge(c.clRemote, s.RemoteUsers.Load())
		up := int64(0)
		if cs.Connected() {
			up = 1
		}
		gauge(c.clConnected, up)
		counter(c.clClaims, cs.Claims.Load(), "won")
		counter(c.clClaims, cs.ClaimsLost.Load(), "refused")
		counter(c.clFenced, cs.Fencings.Load())
	}
	c.m.auditMu.Lock()
	for action, n := range c.m.audits {
		counter(c.audits, n, action)
	}
	c.m.auditMu.Unlock()
}

// metricsServer serves /metrics for -metrics-addr.
type metricsServer struct {
	srv  *http.Server
	addr net.Addr
	done chan struct{}
}

// startMetrics listens on addr and serves the registry there until stop.
func startMetrics(addr string, c *collector, log *slog.Logger) (*metricsServer, error) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(c,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	ms := &metricsServer{
		srv: &http.Server{
			Handler:           mux,
			ReadHeaderTimeout: 5 * time.Second,
			ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		},
		addr: ln.Addr(),
		done: make(chan struct{}),
	}
	go func() {
		defer close(ms.done)
		if err := ms.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics server stopped", "err", err)
		}
	}()
	return ms, nil
}

func (ms *metricsServer) stop(ctx context.Context) {
	if ms == nil {
		return
	}
	if err := ms.srv.Shutdown(ctx); err != nil {
		_ = ms.srv.Close()
	}
	<-ms.done
}
