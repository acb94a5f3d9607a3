package main

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

func TestGnetLogger(t *testing.T) {
	var buf bytes.Buffer
	g := newGnetLogger(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelWarn})))

	t.Run("gnet's stale-event warning is only debug", func(t *testing.T) {
		buf.Reset()
		g.Warnf("received event[fd=%d|ev=%d|flags=%d] of a stale connection from event-loop(%d)", 9, 1, 0, 0)
		if buf.Len() != 0 {
			t.Errorf("logged at warn: %s", buf.String())
		}
	})
	t.Run("other gnet warnings stay warnings", func(t *testing.T) {
		buf.Reset()
		g.Warnf("failed to do %s", "something")
		if !strings.Contains(buf.String(), "level=WARN") || !strings.Contains(buf.String(), "failed to do something") {
			t.Errorf("got %q", buf.String())
		}
	})
}
