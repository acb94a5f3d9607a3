package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
)

// newLogger builds the process logger from -log-level and -log-format.
func newLogger(o Options, w io.Writer) *slog.Logger {
	level, err := parseLevel(o.LogLevel)
	if err != nil {
		level = slog.LevelInfo
	}
	ho := &slog.HandlerOptions{Level: level}
	if o.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, ho))
	}
	return slog.New(slog.NewTextHandler(w, ho))
}

// gnetLogger routes gnet's own log lines into slog under component=gnet,
// so the operator sees one log stream in one format. gnet's Info lines
// (its launch banner) are demoted to debug: the startup line is ours.
type gnetLogger struct{ l *slog.Logger }

func newGnetLogger(l *slog.Logger) gnetLogger { return gnetLogger{l.With("component", "gnet")} }

func (g gnetLogger) log(level slog.Level, format string, args []any) {
	if !g.l.Enabled(context.Background(), level) {
		return
	}
	g.l.Log(context.Background(), level, fmt.Sprintf(format, args...))
}

func (g gnetLogger) Debugf(format string, args ...any) { g.log(slog.LevelDebug, format, args) }
func (g gnetLogger) Infof(format string, args ...any)  { g.log(slog.LevelDebug, format, args) }
func (g gnetLogger) Warnf(format string, args ...any) {
	level := slog.LevelWarn
	if strings.Contains(format, staleEventWarning) {
		// Benign: epoll reported an event for a connection the loop closed
		// earlier in the same poll. Under load gnet says so thousands of
		// times a second, which would drown the warnings that matter.
		level = slog.LevelDebug
	}
	g.log(level, format, args)
}

// staleEventWarning is the part of gnet v2.10.0's warning about an event
// for an already closed connection (reactor_default.go).
const staleEventWarning = "of a stale connection"

func (g gnetLogger) Errorf(format string, args ...any) { g.log(slog.LevelError, format, args) }

// Fatalf is logged as an error; gnet does not call it on our code paths,
// and the process should leave through run's shutdown, not from a library.
func (g gnetLogger) Fatalf(format string, args ...any) { g.log(slog.LevelError, format, args) }
