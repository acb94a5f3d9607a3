package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
)

// smokeTimeout bounds one smoke run; it usually takes a few seconds.
const smokeTimeout = 90 * time.Second

// smokeArgs is a suite small enough for CI: about 50 clients per scenario.
var smokeArgs = []string{
	"-json",
	"-warmup", "200ms", "-duration", "1s",
	"-fanout-clients", "50", "-fanout-senders", "5", "-fanout-window", "4",
	"-chat-clients", "50", "-chat-senders", "10", "-chat-rate", "20",
	"-crowd-clients", "60", "-crowd-senders", "6", "-crowd-rate", "5",
	"-quiet-clients", "4", "-quiet-senders", "1", "-quiet-rate", "20", "-quiet-duration", "500ms",
	"-idle-clients", "50",
	"-churn-cycles", "300", "-churn-concurrency", "8",
}

func TestSmokeAgainstReference(t *testing.T) {
	smoke(t, "stdlib")
}

func TestSmokeAgainstTeahouse(t *testing.T) {
	root, err := moduleRoot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", t.TempDir()+"/teahouse", "./server")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("./server does not build, so there is no teahouse to smoke-test: %v\n%s", err, out)
	}
	smoke(t, "teahouse")
}

// smoke runs the whole suite, small, against server, and checks what must
// hold whatever the machine: well-formed JSON, one report per scenario, no
// loss, no errors, and the fd count back at its start after churn.
// Performance figures are never checked.
func smoke(t *testing.T, server string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), smokeTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	err := run(ctx, append([]string{"-server", server}, smokeArgs...), &stdout, &stderr)
	if err != nil {
		t.Fatalf("run: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	reports := decodeReports(t, stdout.Bytes())

	var names []string
	for _, rep := range reports {
		names = append(names, rep.Scenario)
	}
	if !slices.Equal(names, scenarioNames) {
		t.Fatalf("reports for %v, want one each for %v", names, scenarioNames)
	}

	checks := []struct {
		name     string
		scenario string // "" for every scenario
		check    func(r result) error
	}{
		{"every scenario ran without errors", "", func(r result) error {
			return expect(r.Errors == 0, "%d errors: %s", r.Errors, r.Note)
		}},
		{"every scenario has the server's process figures", "", func(r result) error {
			return expect(r.Process, "no process figures")
		}},
		{"fanout delivers every line to every other client", "fanout", noLoss},
		{"chat delivers every line to every other client", "chat", noLoss},
		{"chat measures latency", "chat", func(r result) error {
			return expect(r.Latency != nil && r.Latency.P50 > 0, "latency %+v", r.Latency)
		}},
		{"crowd delivers every line to every other client", "crowd", noLoss},
		{"crowd logs everyone in and says how long it took", "crowd", func(r result) error {
			return expect(r.Clients == 60 && r.LoginS > 0, "%d clients, login %.2fs", r.Clients, r.LoginS)
		}},
		{"quiet delivers every line to every other client", "quiet", noLoss},
		{"quiet measures latency", "quiet", func(r result) error {
			return expect(r.Latency != nil && r.Latency.P50 > 0, "latency %+v", r.Latency)
		}},
		{"every traffic scenario says which reader read it", "", func(r result) error {
			if r.Scenario == "churn" {
				return nil
			}
			return expect(r.Reader == readerEpoll, "reader %q", r.Reader)
		}},
		{"idle holds every connection", "idle", func(r result) error {
			return expect(r.Held == 50 && r.RSSPerConn != 0, "held %d, %.0f bytes each", r.Held, r.RSSPerConn)
		}},
		{"churn completes every cycle", "churn", func(r result) error {
			return expect(r.Cycles == 300, "%d cycles", r.Cycles)
		}},
		{"churn leaves the fd count where it started", "churn", func(r result) error {
			return expect(r.FDReturned && r.FDEnd <= r.FDStart, "fds %d -> %d", r.FDStart, r.FDEnd)
		}},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			for _, rep := range reports {
				if c.scenario != "" && rep.Scenario != c.scenario {
					continue
				}
				if len(rep.Errors) > 0 || len(rep.Results) != 1 {
					t.Fatalf("%s: errors %q, %d results", rep.Scenario, rep.Errors, len(rep.Results))
				}
				if err := c.check(rep.Results[0]); err != nil {
					t.Errorf("%s against %s: %v", rep.Scenario, server, err)
				}
			}
		})
	}
}

func TestSmokeVariantsGetTheirOwnServerArguments(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts two servers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), smokeTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	// -history is a flag every teahouse has; an unknown flag would make
	// the server exit before it accepts, and the run fail.
	mustBuildTeahouse(t)
	args := []string{"-json", "-scenarios", "quiet",
		"-quiet-clients", "3", "-quiet-rate", "20", "-warmup", "100ms", "-quiet-duration", "300ms",
		"-server-args", "-history 3", "-variants", "plain=;h20=-history 20"}
	if err := run(ctx, args, &stdout, &stderr); err != nil {
		t.Fatalf("run %q: %v\nstdout:\n%s\nstderr:\n%s", args, err, &stdout, &stderr)
	}
	reps := decodeReports(t, stdout.Bytes())
	if len(reps) != 1 || len(reps[0].Results) != 2 || reps[0].Ratio == nil {
		t.Fatalf("want one report with two lanes and a ratio, got %+v", reps)
	}
	for _, r := range reps[0].Results {
		if err := noLoss(r); err != nil {
			t.Errorf("%s: %v", r.Server, err)
		}
	}

	t.Run("an argument the server does not know fails the run, so arguments do reach it", func(t *testing.T) {
		stdout.Reset()
		stderr.Reset()
		bad := []string{"-json", "-server", "stdlib", "-scenarios", "quiet", "-quiet-clients", "2",
			"-warmup", "0s", "-quiet-duration", "100ms", "-server-args", "-no-such-flag"}
		err := run(ctx, bad, &stdout, &stderr)
		if err == nil || !strings.Contains(stdout.String(), "no-such-flag") {
			t.Errorf("run %q: %v\nstdout:\n%s", bad, err, &stdout)
		}
	})
}

func TestSmokeClientsSpreadOverProcesses(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), smokeTimeout)
	defer cancel()
	var stdout, stderr bytes.Buffer
	args := []string{"-json", "-server", "stdlib", "-scenarios", "crowd", "-procs", "3",
		"-crowd-clients", "31", "-crowd-senders", "4", "-crowd-rate", "20", "-warmup", "100ms", "-duration", "500ms"}
	if err := run(ctx, args, &stdout, &stderr); err != nil {
		t.Fatalf("run %q: %v\nstdout:\n%s\nstderr:\n%s", args, err, &stdout, &stderr)
	}
	reps := decodeReports(t, stdout.Bytes())
	if len(reps) != 1 || len(reps[0].Results) != 1 {
		t.Fatalf("want one report with one result, got %+v", reps)
	}
	r := reps[0].Results[0]
	checks := []struct {
		name string
		err  error
	}{
		{"every line reaches every client in every process", noLoss(r)},
		{"the helpers' latencies are merged in", expect(r.Latency != nil && r.Latency.P50 > 0, "latency %+v", r.Latency)},
		{"the result says it was spread", expect(r.Procs == 3, "procs %d", r.Procs)},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if c.err != nil {
				t.Error(c.err)
			}
		})
	}
}

func TestSpreadShares(t *testing.T) {
	tests := []struct {
		name     string
		n, procs int
		own      int
		helpers  [][2]int
	}{
		{"one process holds everyone", 10, 1, 10, nil},
		{"the first process takes the remainder", 10, 3, 4, [][2]int{{4, 3}, {7, 3}}},
		{"shares cover every client once", 20000, 2, 10000, [][2]int{{10000, 10000}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			own, helpers := spreadShares(tt.n, tt.procs)
			if own != tt.own || !slices.Equal(helpers, tt.helpers) {
				t.Errorf("spreadShares(%d, %d) = %d, %v; want %d, %v", tt.n, tt.procs, own, helpers, tt.own, tt.helpers)
			}
		})
	}
}

// mustBuildTeahouse fails the test unless ./server builds: a smoke test of
// the server that does not build is a failure, not a skip.
func mustBuildTeahouse(t *testing.T) {
	t.Helper()
	root, err := moduleRoot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	build := exec.Command("go", "build", "-o", t.TempDir()+"/teahouse", "./server")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("./server does not build: %v\n%s", err, out)
	}
}

// noLoss checks that everything sent arrived, once.
func noLoss(r result) error {
	return expect(r.Sent > 0 && r.Lost == 0 && r.Delivered == r.Expected &&
		r.DroppedClients == 0 && r.OutOfOrder == 0,
		"sent %d, expected %d, delivered %d, lost %d, dropped %d clients, %d out of order",
		r.Sent, r.Expected, r.Delivered, r.Lost, r.DroppedClients, r.OutOfOrder)
}

// expect returns an error made of format and args unless ok.
func expect(ok bool, format string, args ...any) error {
	if ok {
		return nil
	}
	return fmt.Errorf(format, args...)
}

// decodeReports parses one JSON object per line, strictly.
func decodeReports(t *testing.T, out []byte) []scenarioReport {
	t.Helper()
	var reps []scenarioReport
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		dec := json.NewDecoder(bytes.NewReader(sc.Bytes()))
		dec.DisallowUnknownFields()
		var rep scenarioReport
		if err := dec.Decode(&rep); err != nil {
			t.Fatalf("line %q is not a scenario report: %v", sc.Text(), err)
		}
		reps = append(reps, rep)
	}
	return reps
}
