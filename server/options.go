package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"teahouse/server/cluster"
	"teahouse/server/store"
	"teahouse/session"
	"teahouse/session/wire"
)

// Defaults and limits of the server's own flags. The chat defaults (name,
// history, rate, burst, output cap, line length) come from package session.
const (
	DefaultAddr            = ":6666"
	DefaultEncoding        = "auto"
	DefaultMaxClients      = 10000           // connections at once, over all addresses
	DefaultMaxPerIP        = 16              // connections at once from one non-loopback IP
	DefaultShutdownTimeout = 5 * time.Second // notice, flush and engine stop must fit in it
	DefaultLogLevel        = "info"
	DefaultLogFormat       = "text"
	DefaultData            = "teahouse.db" // in the working directory, like ergo's ircd.db

	// DefaultCoalesce is -coalesce: how long output to a connection written
	// less than this ago is held, so that a busy window's lines leave in
	// one write. A connection quiet for that long is written at once.
	DefaultCoalesce = 2 * time.Millisecond
	// MaxCoalesce bounds -coalesce: a longer hold is a visible delay.
	MaxCoalesce = time.Second

	// TickInterval is how often the Table's housekeeping (idle timeouts,
	// deferred notices) runs on the event loop.
	TickInterval = time.Second
	// KeepAlive is the TCP keepalive idle time: a peer that vanished without
	// a FIN or RST is found dead about KeepAlive*2 later (5 probes, KeepAlive/5 apart).
	KeepAlive = time.Minute
	// MaxMOTDBytes bounds the -motd file: it is sent to every new connection.
	MaxMOTDBytes = 16 << 10
	// fdReserve is the number of file descriptors kept free of the client
	// cap for listeners, pollers, the metrics server and logs.
	fdReserve = 64
	// clusterConnectTimeout bounds joining the cluster at startup.
	clusterConnectTimeout = 10 * time.Second
)

// Options is the parsed command line. run takes it whole, so tests build one
// with defaultOptions and change what they need.
type Options struct {
	Addr            string
	Name            string
	Encoding        string
	MaxLine         int
	History         int
	Rate            float64
	Burst           int
	MaxOut          int
	MaxClients      int
	MaxPerIP        int
	Idle            time.Duration
	Coalesce        time.Duration
	Crowd           int
	MOTDFile        string
	MetricsAddr     string
	Data            string // the store's file; "" keeps everything in memory
	Opers           string // comma-separated nicknames that are operators once registered
	LogLevel        string
	LogFormat       string
	ShutdownTimeout time.Duration
	Cluster         string // NATS URLs, comma-separated; "" is a single server
	ClusterName     string // prefixes NATS subjects and buckets
	NodeName        string // this server's name in the cluster ("" = the host name)

	// leaseTTL is the cluster lease (0: cluster.DefaultLeaseTTL); tests
	// shorten it.
	leaseTTL time.Duration

	// resolved is the checked configuration, made once by config.
	resolved *session.Config
	// kdf is the password hash's cost; tests make it cheap.
	kdf store.Params
}

// defaultOptions returns the options of a plain `teahouse` with no flags.
func defaultOptions() Options {
	return Options{
		Addr:            DefaultAddr,
		Name:            session.DefaultName,
		Encoding:        DefaultEncoding,
		MaxLine:         wire.DefaultMaxLine,
		History:         session.DefaultHistory,
		Rate:            session.DefaultRate,
		Burst:           session.DefaultBurst,
		MaxOut:          session.DefaultMaxOut,
		MaxClients:      DefaultMaxClients,
		MaxPerIP:        DefaultMaxPerIP,
		Coalesce:        DefaultCoalesce,
		Crowd:           session.DefaultCrowd,
		ShutdownTimeout: DefaultShutdownTimeout,
		LogLevel:        DefaultLogLevel,
		LogFormat:       DefaultLogFormat,
		Data:            DefaultData,
		ClusterName:     cluster.DefaultClusterName,
		kdf:             store.DefaultParams,
	}
}

const usageHead = `teahouse: a telnet chat server.

Usage:
  teahouse [flags]
  teahouse [flags] HOST PORT [flags]    (same as -addr HOST:PORT)

Flags may come before or after HOST PORT; arguments after -- are not flags.

Connect with: telnet localhost 6666

Flags:
`

// parseFlags reads the command line. It returns flag.ErrHelp after
// printing the usage to stdout for -h, and otherwise a one-line error for
// any bad flag or value.
func parseFlags(args []string, stdout io.Writer) (Options, error) {
	o := defaultOptions()
	fs := flag.NewFlagSet("teahouse", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // errors are returned as one line; -h prints below
	fs.StringVar(&o.Addr, "addr", o.Addr, "listen `address` host:port (also as two arguments: HOST PORT)")
	fs.StringVar(&o.Name, "name", o.Name, "server `name` in the welcome line")
	fs.StringVar(&o.Encoding, "encoding", o.Encoding, "charset of new sessions: utf-8, gbk, or auto (UTF-8, switching to GBK on the first GBK line)")
	fs.IntVar(&o.MaxLine, "max-line", o.MaxLine, "longest input line in `bytes`; longer lines are dropped and the sender told")
	fs.IntVar(&o.History, "history", o.History, "`lines` of room history replayed on entering a room (0 = none)")
	fs.Float64Var(&o.Rate, "rate", o.Rate, "flood limit in `lines/s` per session (0 = off)")
	fs.IntVar(&o.Burst, "burst", o.Burst, "`lines` a session may send at once before the rate applies")
	fs.IntVar(&o.MaxOut, "max-out", o.MaxOut, "unsent output in `bytes` before a session is dropped as too slow (0 = off)")
	fs.IntVar(&o.MaxClients, "max-clients", o.MaxClients, "connections at once (0 = no cap but the file descriptor limit)")
	fs.IntVar(&o.MaxPerIP, "max-per-ip", o.MaxPerIP, "connections at once from one IP address (IPv6: one /64); loopback is exempt (0 = off)")
	fs.DurationVar(&o.Idle, "idle", o.Idle, "disconnect a session after this long without input, e.g. 30m (default 0 = off)")
	fs.DurationVar(&o.Coalesce, "coalesce", o.Coalesce, "hold output to a connection written less than this ago, so a busy `window`'s lines leave in one write; a quiet connection is written at once (0 = write after every poll)")
	fs.IntVar(&o.Crowd, "crowd", o.Crowd, "room size in `members` past which joins and leaves are summed up in one line per room a second instead of a line per person (0 = never)")
	fs.StringVar(&o.MOTDFile, "motd", o.MOTDFile, "`file` whose lines are sent after the welcome line (default none)")
	fs.StringVar(&o.MetricsAddr, "metrics-addr", o.MetricsAddr, "serve Prometheus /metrics on this `address`, e.g. 127.0.0.1:9100 (default off)")
	fs.StringVar(&o.Data, "data", o.Data, "`file` that keeps accounts, operators, bans, mutes and room history across restarts (\"\" = memory only, nothing kept)")
	fs.StringVar(&o.Opers, "opers", o.Opers, "operator `nicknames`, comma-separated; one not yet registered can be registered only from this machine")
	fs.StringVar(&o.LogLevel, "log-level", o.LogLevel, "log `level`: debug, info, warn or error")
	fs.StringVar(&o.LogFormat, "log-format", o.LogFormat, "log `format`: text or json")
	fs.StringVar(&o.Cluster, "cluster", o.Cluster, "join other teahouse servers through the NATS `urls` nats://HOST:PORT[,nats://…] (JetStream on; default off: a single server)")
	fs.StringVar(&o.ClusterName, "cluster-name", o.ClusterName, "`name` of the cluster: prefixes its NATS subjects and buckets, so clusters can share a NATS")
	fs.StringVar(&o.NodeName, "node-name", o.NodeName, "this server's `name` in the cluster (default the host name)")
	fs.DurationVar(&o.ShutdownTimeout, "shutdown-timeout", o.ShutdownTimeout, "on SIGINT/SIGTERM, time allowed to notify, flush and stop")

	rest, err := parseInterspersed(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		fmt.Fprint(stdout, usageHead)
		fs.SetOutput(stdout)
		fs.PrintDefaults()
		return o, err
	}
	if err != nil {
		return o, err
	}
	addrSet := false
	fs.Visit(func(f *flag.Flag) { addrSet = addrSet || f.Name == "addr" })
	switch len(rest) {
	case 0:
	case 2:
		if addrSet {
			return o, errors.New("give the address either as -addr or as HOST PORT, not both")
		}
		o.Addr = net.JoinHostPort(rest[0], rest[1])
	default:
		return o, fmt.Errorf("unexpected arguments %q: want none, or HOST PORT", strings.Join(rest, " "))
	}
	_, err = o.config()
	return o, err
}

// parseInterspersed parses args with fs, taking flags wherever they are
// (`teahouse ::1 6666 -log-level warn`), and returns the other arguments in
// order. The flag package stops at the first non-flag argument, so parsing
// resumes after each one. A "--" ends the flags: everything after it is an
// argument. (A "--" given as a flag's value, as in `-name --`, is taken
// for the end of the flags too; the flag package itself cannot tell us.)
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		left := fs.Args()
		if len(left) == 0 {
			return rest, nil
		}
		if used := len(args) - len(left); used > 0 && args[used-1] == "--" {
			return append(rest, left...), nil
		}
		rest = append(rest, left[0])
		args = left[1:]
	}
}

// validate checks every value, so that a bad one is a one-line error at
// startup rather than a surprise later.
func (o *Options) validate() error {
	_, port, err := net.SplitHostPort(o.Addr)
	if err != nil {
		return fmt.Errorf("invalid -addr %q: %v", o.Addr, err)
	}
	if p, err := strconv.ParseUint(port, 10, 16); err != nil || (p == 0 && port != "0") {
		return fmt.Errorf("invalid port %q in address %q", port, o.Addr)
	}
	switch {
	case strings.TrimSpace(o.Name) == "" || !utf8.ValidString(o.Name):
		return errors.New("-name must be non-empty UTF-8 text")
	case o.MaxLine < 1:
		return fmt.Errorf("-max-line must be at least 1, not %d", o.MaxLine)
	case o.History < 0:
		return fmt.Errorf("-history must not be negative, not %d", o.History)
	case o.Rate < 0 || o.Rate != o.Rate:
		return fmt.Errorf("-rate must not be negative, not %v", o.Rate)
	case o.Rate > 0 && o.Burst < 1:
		return fmt.Errorf("-burst must be at least 1 when -rate is on, not %d", o.Burst)
	case o.MaxOut < 0:
		return fmt.Errorf("-max-out must not be negative, not %d", o.MaxOut)
	case o.MaxClients < 0:
		return fmt.Errorf("-max-clients must not be negative, not %d", o.MaxClients)
	case o.MaxPerIP < 0:
		return fmt.Errorf("-max-per-ip must not be negative, not %d", o.MaxPerIP)
	case o.Idle < 0:
		return fmt.Errorf("-idle must not be negative, not %v", o.Idle)
	case o.Coalesce < 0 || o.Coalesce > MaxCoalesce:
		return fmt.Errorf("-coalesce must be between 0 and %v, not %v", MaxCoalesce, o.Coalesce)
	case o.Crowd < 0:
		return fmt.Errorf("-crowd must not be negative, not %d", o.Crowd)
	case o.ShutdownTimeout <= 0:
		return fmt.Errorf("-shutdown-timeout must be positive, not %v", o.ShutdownTimeout)
	}
	if _, _, err := wire.ParseEncoding(o.Encoding); err != nil {
		return fmt.Errorf("-encoding: %v", err)
	}
	if _, err := parseLevel(o.LogLevel); err != nil {
		return err
	}
	if o.LogFormat != "text" && o.LogFormat != "json" {
		return fmt.Errorf("-log-format must be text or json, not %q", o.LogFormat)
	}
	if o.MetricsAddr != "" {
		if _, _, err := net.SplitHostPort(o.MetricsAddr); err != nil {
			return fmt.Errorf("invalid -metrics-addr %q: %v", o.MetricsAddr, err)
		}
	}
	if err := o.validateCluster(); err != nil {
		return err
	}
	for _, n := range o.operNames() {
		if err := session.CheckNick(n); err != nil {
			return fmt.Errorf("-opers: %v", err)
		}
	}
	return nil
}

// validateCluster checks -cluster, -cluster-name and -node-name.
func (o *Options) validateCluster() error {
	if o.Cluster == "" {
		if o.NodeName != "" || (o.ClusterName != "" && o.ClusterName != cluster.DefaultClusterName) {
			return errors.New("-cluster-name and -node-name need -cluster")
		}
		return nil
	}
	for _, s := range strings.Split(o.Cluster, ",") {
		u, err := url.Parse(strings.TrimSpace(s))
		if err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Hostname() == "" || u.Port() == "" {
			return fmt.Errorf("invalid -cluster URL %q: want nats://HOST:PORT", s)
		}
	}
	if !validClusterWord(o.ClusterName, 32) {
		return fmt.Errorf("invalid -cluster-name %q: 1-32 characters of A-Z a-z 0-9 _ -", o.ClusterName)
	}
	if o.NodeName != "" && !validClusterWord(o.NodeName, 64) {
		return fmt.Errorf("invalid -node-name %q: 1-64 characters of A-Z a-z 0-9 _ -", o.NodeName)
	}
	return nil
}

// validClusterWord reports whether s can name a cluster or a node: NATS
// bucket names and subject tokens allow only these characters.
func validClusterWord(s string, max int) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, r := range s {
		if !('a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// operNames splits -opers into nicknames.
func (o *Options) operNames() []string {
	var names []string
	for _, n := range strings.Split(o.Opers, ",") {
		if n = strings.TrimSpace(n); n != "" {
			names = append(names, n)
		}
	}
	return names
}

// parseLevel reads -log-level.
func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("-log-level must be debug, info, warn or error, not %q", s)
	}
	return l, nil
}

// readMOTD reads the -motd file into lines, without line ends or a
// trailing empty line.
func readMOTD(name string) ([]string, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("-motd: %v", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, MaxMOTDBytes+1))
	if err != nil {
		return nil, fmt.Errorf("-motd: %v", err)
	}
	if len(b) > MaxMOTDBytes {
		return nil, fmt.Errorf("-motd: %s is larger than %d bytes", name, MaxMOTDBytes)
	}
	text := strings.ToValidUTF8(string(b), "\uFFFD")
	text = strings.TrimRight(strings.ReplaceAll(text, "\r\n", "\n"), "\n")
	if text == "" {
		return nil, nil
	}
	return strings.Split(text, "\n"), nil
}

// config returns the Table's configuration. The first call validates the
// options and reads the -motd file; parseFlags makes it at startup, so a
// bad value is a usage error, and run reuses its result. Tests that build
// Options by hand get the same checks from run.
func (o *Options) config() (session.Config, error) {
	if o.resolved == nil {
		if err := o.validate(); err != nil {
			return session.Config{}, err
		}
		cfg, err := o.sessionConfig()
		if err != nil {
			return cfg, err
		}
		o.resolved = &cfg
	}
	return *o.resolved, nil
}

// sessionConfig turns valid options into the Table's configuration.
func (o *Options) sessionConfig() (session.Config, error) {
	cfg := session.DefaultConfig()
	cs, auto, err := wire.ParseEncoding(o.Encoding)
	if err != nil {
		return cfg, err
	}
	cfg.Name = o.Name
	cfg.Charset, cfg.AutoCharset = cs, auto
	cfg.MaxLine = o.MaxLine
	cfg.History = o.History
	cfg.Rate = o.Rate
	cfg.Burst = o.Burst
	cfg.MaxOut = o.MaxOut
	cfg.Idle = o.Idle
	cfg.Coalesce = o.Coalesce
	cfg.Crowd = o.Crowd
	cfg.Opers = o.operNames()
	if o.MOTDFile != "" {
		if cfg.MOTD, err = readMOTD(o.MOTDFile); err != nil {
			return cfg, err
		}
	}
	return cfg, nil
}
