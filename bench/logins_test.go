package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// smokeLoginsArgs is the logins scenario at its smallest: every
// registration and login is a real argon2id hash (64 MiB, ~60 ms) on the
// server, which has no flag to make it cheaper, so three of each.
var smokeLoginsArgs = []string{
	"-json", "-scenarios", "logins",
	"-logins-accounts", "3", "-logins-count", "3", "-logins-concurrency", "2", "-logins-burst", "3",
	"-logins-chat-clients", "2", "-logins-chat-rate", "200", "-logins-quiet", "300ms",
}

func TestSmokeLogins(t *testing.T) {
	mustBuildTeahouse(t)
	ctx, cancel := context.WithTimeout(context.Background(), smokeTimeout)
	defer cancel()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	_, statErr := os.Stat(filepath.Join(wd, "teahouse.db"))
	hadDB := statErr == nil
	var stdout, stderr bytes.Buffer
	if err := run(ctx, smokeLoginsArgs, &stdout, &stderr); err != nil {
		t.Fatalf("run %q: %v\nstdout:\n%s\nstderr:\n%s", smokeLoginsArgs, err, &stdout, &stderr)
	}
	reps := decodeReports(t, stdout.Bytes())
	if len(reps) != 1 || len(reps[0].Results) != 1 || len(reps[0].Errors) > 0 {
		t.Fatalf("want one logins report with one result and no errors, got %+v", reps)
	}
	r := reps[0].Results[0]
	measured := func(l *latencySummary) bool { return l != nil && l.P50 > 0 && l.Max >= l.P99 && l.P99 >= l.P50 }
	checks := []struct {
		name string
		err  error
	}{
		{"every throughput login succeeds and is counted", expect(r.Logins == 3 && r.LoginsPerS > 0, "%d logins at %.1f/s", r.Logins, r.LoginsPerS)},
		{"the registrations are timed", expect(r.RegistrationsPerS > 0, "%.1f registrations/s", r.RegistrationsPerS)},
		{"login latency is measured", expect(measured(r.LoginLatency), "%+v", r.LoginLatency)},
		{"the burst's login latency is measured", expect(measured(r.BurstLatency) && r.MeasuredS > 0, "%+v over %.2fs", r.BurstLatency, r.MeasuredS)},
		{"chat latency is measured with no logins", expect(measured(r.ChatQuiet), "%+v", r.ChatQuiet)},
		{"chat latency is measured during the burst", expect(measured(r.ChatBurst), "%+v", r.ChatBurst)},
		{"every chat line reaches every other chatter", expect(r.Sent > 0 && r.Lost == 0 && r.Delivered == r.Expected,
			"sent %d, expected %d, delivered %d", r.Sent, r.Expected, r.Delivered)},
		{"the server's CPU and memory during the burst are measured", expect(r.Process && r.ServerCPUS > 0 && r.BurstMaxRSS > 0,
			"process %v, %.2f CPU s, %d bytes", r.Process, r.ServerCPUS, r.BurstMaxRSS)},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.err != nil {
				t.Error(c.err)
			}
		})
	}
	t.Run("the server keeps its accounts out of the working directory", func(t *testing.T) {
		if _, err := os.Stat(filepath.Join(wd, "teahouse.db")); err == nil && !hadDB {
			t.Errorf("a started server left teahouse.db in %s", wd)
		}
	})
}

func TestLoginsSkipsServersWithoutAccounts(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), smokeTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	args := append([]string{"-server", "stdlib"}, smokeLoginsArgs...)
	err := run(ctx, args, &stdout, &stderr)
	if err == nil || !strings.Contains(stdout.String(), "no registered nicknames") {
		t.Errorf("run %q: %v, want a failed run that says why\nstdout:\n%s", args, err, &stdout)
	}
}

func TestLoginsConfigBounds(t *testing.T) {
	good := loginsConfig{Accounts: 100, Logins: 300, Concurrency: 16, Burst: 100, ChatClients: 4, ChatRate: 20, Quiet: 5 * time.Second}
	tests := []struct {
		name   string
		change func(c *loginsConfig)
		flag   string // "" when the config is fine
	}{
		{"the defaults are accepted", func(*loginsConfig) {}, ""},
		{"no accounts is refused", func(c *loginsConfig) { c.Accounts = 0 }, "-logins-accounts"},
		{"too many accounts are refused", func(c *loginsConfig) { c.Accounts = maxAccounts + 1 }, "-logins-accounts"},
		{"no logins is refused", func(c *loginsConfig) { c.Logins = 0 }, "-logins-count"},
		{"more logins at once than accounts is refused", func(c *loginsConfig) { c.Concurrency = 101 }, "-logins-concurrency"},
		{"no concurrency is refused", func(c *loginsConfig) { c.Concurrency = 0 }, "-logins-concurrency"},
		{"a burst larger than the accounts is refused", func(c *loginsConfig) { c.Burst = 101 }, "-logins-burst"},
		{"an empty burst is refused", func(c *loginsConfig) { c.Burst = 0 }, "-logins-burst"},
		{"one chatter, who would hear nobody, is refused", func(c *loginsConfig) { c.ChatClients = 1 }, "-logins-chat-clients"},
		{"a zero chat rate is refused", func(c *loginsConfig) { c.ChatRate = 0 }, "-logins-chat-rate"},
		{"a chat rate that is not a number is refused", func(c *loginsConfig) { c.ChatRate = math.NaN() }, "-logins-chat-rate"},
		{"a quiet window of nothing is refused", func(c *loginsConfig) { c.Quiet = 0 }, "-logins-quiet"},
		{"a quiet window past the phase bound is refused", func(c *loginsConfig) { c.Quiet = maxPhase + 1 }, "-logins-quiet"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := good
			tt.change(&c)
			err := c.check(10_000)
			switch {
			case tt.flag == "" && err != nil:
				t.Errorf("check: %v, want nil", err)
			case tt.flag != "" && (err == nil || !strings.Contains(err.Error(), tt.flag)):
				t.Errorf("check: %v, want an error naming %s", err, tt.flag)
			}
		})
	}
}

func TestIsBusy(t *testing.T) {
	tests := []struct {
		name string
		line string
		want bool
	}{
		{"a login whose hash queue was full is busy", "-> cannot check passwords right now; try again later", true},
		{"a registration whose hash queue was full is busy", "-> zz1 was not registered: the server is busy; try again in a moment", true},
		{"a wrong password is not busy", "-> wrong password; try again (an empty line cancels)", false},
		{"the greeting after a login is not busy", "-> hello zz1! /help lists the commands", false},
		{"an empty line is not busy", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := isBusy([]byte(tt.line)); got != tt.want {
				t.Errorf("isBusy(%q) = %v, want %v", tt.line, got, tt.want)
			}
		})
	}
}
