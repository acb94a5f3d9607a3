package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
)

// column is one figure of a scenario's table.
type column struct {
	head string
	key  string // the figure's name in the JSON advantage object
	get  func(r result) float64
	// better is +1 when a higher figure is better, -1 when lower is, and
	// 0 when the advantage row leaves it out.
	better int
	// process marks figures that need the server's pid.
	process bool
}

// machineLoadColumn ends every table so a reader can see when other work
// on the machine competed with the benchmark for the cores.
var machineLoadColumn = column{"other cores", "", func(r result) float64 { return r.OtherCores }, 0, false}

// trafficColumns are the fanout and chat tables.
var trafficColumns = []column{
	{"deliveries/s", "deliveries_per_s", func(r result) float64 { return r.DeliveriesPerS }, +1, false},
	{"lost", "", func(r result) float64 { return float64(r.Lost) }, 0, false},
	{"p50 ms", "p50_ms", func(r result) float64 { return lat(r).P50 }, -1, false},
	{"p99 ms", "p99_ms", func(r result) float64 { return lat(r).P99 }, -1, false},
	{"p99.9 ms", "p999_ms", func(r result) float64 { return lat(r).P999 }, -1, false},
	{"max ms", "", func(r result) float64 { return lat(r).Max }, 0, false},
	{"srv ns/delivery", "server_cpu_ns_per_delivery", func(r result) float64 { return r.ServerNsPerUnit }, -1, true},
	{"srv cores", "", func(r result) float64 { return r.ServerCores }, 0, true},
	{"srv peak MB", "server_peak_rss", func(r result) float64 { return float64(r.ServerPeakRSS) / (1 << 20) }, -1, true},
	{"load cores", "", func(r result) float64 { return r.LoadCores }, 0, false},
	{"load ns/delivery", "", func(r result) float64 { return r.LoadNsPerUnit }, 0, false},
	{"login s", "", func(r result) float64 { return r.LoginS }, 0, false},
	machineLoadColumn,
}

// idleColumns are the idle table.
var idleColumns = []column{
	{"held", "", func(r result) float64 { return float64(r.Held) }, 0, false},
	{"errors", "", func(r result) float64 { return float64(r.Errors) }, 0, false},
	{"srv KB/conn", "server_rss_per_conn", func(r result) float64 { return r.RSSPerConn / 1024 }, -1, true},
	{"srv peak MB", "server_peak_rss", func(r result) float64 { return float64(r.ServerPeakRSS) / (1 << 20) }, -1, true},
	{"load cores", "", func(r result) float64 { return r.LoadCores }, 0, false},
	machineLoadColumn,
}

// churnColumns are the churn table.
var churnColumns = []column{
	{"cycles/s", "cycles_per_s", func(r result) float64 { return r.CyclesPerS }, +1, false},
	{"errors", "", func(r result) float64 { return float64(r.Errors) }, 0, false},
	{"srv µs/cycle", "server_cpu_ns_per_cycle", func(r result) float64 { return r.ServerNsPerUnit / 1000 }, -1, true},
	{"srv cores", "", func(r result) float64 { return r.ServerCores }, 0, true},
	{"fd start", "", func(r result) float64 { return float64(r.FDStart) }, 0, true},
	{"fd end", "", func(r result) float64 { return float64(r.FDEnd) }, 0, true},
	{"load cores", "", func(r result) float64 { return r.LoadCores }, 0, false},
	machineLoadColumn,
}

// loginsColumns are the logins table: the throughput phase, then the
// chat latency with no logins and during the burst, then the server during
// the burst.
var loginsColumns = []column{
	{"logins/s", "logins_per_s", func(r result) float64 { return r.LoginsPerS }, +1, false},
	{"login p50", "login_p50_ms", func(r result) float64 { return sum(r.LoginLatency).P50 }, -1, false},
	{"login p99", "login_p99_ms", func(r result) float64 { return sum(r.LoginLatency).P99 }, -1, false},
	{"srv ms/login", "server_cpu_ms_per_login", func(r result) float64 { return r.ServerNsPerUnit / 1e6 }, -1, true},
	{"burst s", "burst_s", func(r result) float64 { return r.MeasuredS }, -1, false},
	{"burst p99", "", func(r result) float64 { return sum(r.BurstLatency).P99 }, 0, false},
	{"busy", "", func(r result) float64 { return float64(r.BusyReplies) }, 0, false},
	{"chat p50 quiet", "", func(r result) float64 { return sum(r.ChatQuiet).P50 }, 0, false},
	{"p99", "", func(r result) float64 { return sum(r.ChatQuiet).P99 }, 0, false},
	{"max", "", func(r result) float64 { return sum(r.ChatQuiet).Max }, 0, false},
	{"chat p50 burst", "chat_burst_p50_ms", func(r result) float64 { return sum(r.ChatBurst).P50 }, -1, false},
	{"p99", "chat_burst_p99_ms", func(r result) float64 { return sum(r.ChatBurst).P99 }, -1, false},
	{"max", "", func(r result) float64 { return sum(r.ChatBurst).Max }, 0, false},
	{"lost", "", func(r result) float64 { return float64(r.Lost) }, 0, false},
	{"srv cores", "", func(r result) float64 { return r.ServerCores }, 0, true},
	{"srv max MB", "server_max_rss_burst", func(r result) float64 { return float64(r.BurstMaxRSS) / (1 << 20) }, -1, true},
	{"load cores", "", func(r result) float64 { return r.LoadCores }, 0, false},
	machineLoadColumn,
}

// sum reads a latency summary that may be absent.
func sum(l *latencySummary) latencySummary {
	if l == nil {
		return latencySummary{}
	}
	return *l
}

func lat(r result) latencySummary {
	if r.Latency == nil {
		return latencySummary{}
	}
	return *r.Latency
}

// columnsFor returns the table columns of a scenario.
func columnsFor(scenario string) []column {
	switch scenario {
	case "idle":
		return idleColumns
	case "churn":
		return churnColumns
	case "logins":
		return loginsColumns
	}
	return trafficColumns
}

// scenarioReport is one scenario's aggregated results, one per server, and
// the first server's advantage over the second.
type scenarioReport struct {
	Scenario string    `json:"scenario"`
	Results  []result  `json:"results"`
	Errors   []string  `json:"errors,omitempty"`
	Ratio    *ratioSet `json:"advantage,omitempty"`
}

// ratioSet is how many times better the first server did than the
// reference on each figure: above 1 means better, whichever way the figure
// runs.
type ratioSet struct {
	Of      string             `json:"of"`
	Over    string             `json:"over"`
	Figures map[string]float64 `json:"figures"`
}

// advantage computes a's advantage over b.
func advantage(a, b result) *ratioSet {
	rs := &ratioSet{Of: a.Server, Over: b.Server, Figures: map[string]float64{}}
	for _, c := range columnsFor(a.Scenario) {
		if c.better == 0 || (c.process && (!a.Process || !b.Process)) {
			continue
		}
		x, y := c.get(a), c.get(b)
		if x <= 0 || y <= 0 {
			continue
		}
		if c.better > 0 {
			rs.Figures[c.key] = x / y
		} else {
			rs.Figures[c.key] = y / x
		}
	}
	return rs
}

// writeJSON writes one JSON object per line.
func writeJSON(w io.Writer, rep scenarioReport) error {
	return json.NewEncoder(w).Encode(rep)
}

// writeTable writes a scenario's human table.
func writeTable(w io.Writer, rep scenarioReport) {
	if len(rep.Results) > 0 {
		head := rep.Results[0]
		for _, r := range rep.Results {
			if r.Reader != head.Reader {
				head.Reader = "" // the rows name their readers
			}
		}
		fmt.Fprintf(w, "\n%s  %s\n", rep.Scenario, describe(head))
	} else {
		fmt.Fprintf(w, "\n%s\n", rep.Scenario)
	}
	cols := columnsFor(rep.Scenario)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "server\t")
	for _, c := range cols {
		fmt.Fprintf(tw, "%s\t", c.head)
	}
	fmt.Fprintln(tw)
	for _, r := range rep.Results {
		fmt.Fprintf(tw, "%s\t", r.Server)
		for _, c := range cols {
			if c.process && !r.Process {
				fmt.Fprint(tw, "-\t")
				continue
			}
			fmt.Fprintf(tw, "%s\t", number(c.get(r)))
		}
		fmt.Fprintln(tw)
	}
	if rep.Ratio != nil {
		fmt.Fprintf(tw, "%s÷%s\t", rep.Ratio.Of, rep.Ratio.Over)
		for _, c := range cols {
			if v, ok := rep.Ratio.Figures[c.key]; ok && c.key != "" {
				fmt.Fprintf(tw, "%.2f×\t", v)
			} else {
				fmt.Fprint(tw, "\t")
			}
		}
		fmt.Fprintln(tw)
	}
	tw.Flush()
	writeClusterTable(w, rep)
	for _, r := range rep.Results {
		if r.Note != "" {
			fmt.Fprintf(w, "  %s: %s\n", r.Server, r.Note)
		}
	}
	for _, e := range rep.Errors {
		fmt.Fprintf(w, "  error: %s\n", e)
	}
	if rep.Ratio != nil {
		fmt.Fprintf(w, "  (last row: how many times better %s did than %s; above 1 is better)\n", rep.Ratio.Of, rep.Ratio.Over)
	}
}

// describe says what load a result was measured under.
func describe(r result) string {
	var b strings.Builder
	switch r.Scenario {
	case "idle":
		fmt.Fprintf(&b, "%d logged-in idle connections", r.Clients)
	case "churn":
		fmt.Fprintf(&b, "%d connect-login-say-quit cycles, %d at once", r.Clients, r.Concurrency)
	case "logins":
		fmt.Fprintf(&b, "%d registered nicknames (%.1f registrations/s); %d password logins, %d at once; "+
			"then a burst of %d at once while %d clients chat at %g lines/s in all (ms; process figures are the burst's)",
			r.Clients, r.RegistrationsPerS, r.Logins, r.Concurrency, r.Burst, r.Senders, r.Rate)
	default:
		fmt.Fprintf(&b, "%d clients, %d senders, ", r.Clients, r.Senders)
		if r.Rate > 0 {
			fmt.Fprintf(&b, "%g lines/s each (%g in all)", r.Rate, r.Rate*float64(r.Senders))
		} else {
			fmt.Fprintf(&b, "window %d lines in flight each", r.Window)
		}
		fmt.Fprintf(&b, ", %.1fs measured", r.MeasuredS)
	}
	if r.Reader != "" {
		fmt.Fprintf(&b, ", %s reader", r.Reader)
	}
	if r.Procs > 1 {
		fmt.Fprintf(&b, " in %d processes", r.Procs)
	}
	if r.Runs > 1 {
		fmt.Fprintf(&b, " (medians of %d runs)", r.Runs)
	}
	return b.String()
}

// number formats a figure with sensible precision.
func number(v float64) string {
	switch {
	case v == math.Trunc(v) && v < 100000:
		return fmt.Sprintf("%.0f", v)
	case v >= 100000:
		return fmt.Sprintf("%.3gM", v/1e6)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}
