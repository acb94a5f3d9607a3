package main

import (
	"reflect"
	"slices"
	"strings"
)

// result is what one scenario run measured against one server. Zero
// figures that do not apply to the scenario are left out of the JSON.
type result struct {
	Scenario string `json:"scenario"`
	Server   string `json:"server"`
	Runs     int    `json:"runs"`
	// Reader is how the load generator read its clients (see -reader),
	// and Procs how many processes it spread them over (see -procs).
	Reader string `json:"reader,omitempty"`
	Procs  int    `json:"procs,omitempty"`

	// The load.
	Clients     int     `json:"clients,omitempty"`
	Senders     int     `json:"senders,omitempty"`
	Rate        float64 `json:"rate_per_sender,omitempty"`
	Window      int     `json:"window,omitempty"`
	Concurrency int     `json:"concurrency,omitempty"`
	MeasuredS   float64 `json:"measured_s,omitempty"`
	// LoginS is how long the clients' logins and the join announcements
	// they caused took: n logins into one room announce n(n+1)/2 joins.
	LoginS float64 `json:"login_s,omitempty"`

	// What users feel. Loss counters aggregate as the worst run.
	Sent           int64           `json:"sent,omitempty"`
	Expected       int64           `json:"expected,omitempty"`
	Delivered      int64           `json:"delivered,omitempty"`
	Lost           int64           `json:"lost" agg:"max"`
	DroppedClients int             `json:"dropped_clients" agg:"max"`
	OutOfOrder     int64           `json:"out_of_order" agg:"max"`
	Errors         int             `json:"errors" agg:"max"`
	DeliveriesPerS float64         `json:"deliveries_per_s,omitempty"`
	Latency        *latencySummary `json:"latency,omitempty"`
	Held           int             `json:"held,omitempty" agg:"min"`
	Cycles         int64           `json:"cycles,omitempty"`
	CyclesPerS     float64         `json:"cycles_per_s,omitempty"`

	// What operators pay. Process is false when the server's pid is
	// unknown, and then the server figures are absent.
	Process         bool    `json:"process_figures"`
	ServerCPUS      float64 `json:"server_cpu_s,omitempty"`
	ServerCores     float64 `json:"server_cores,omitempty"`
	ServerNsPerUnit float64 `json:"server_cpu_ns_per_unit,omitempty"`
	ServerPeakRSS   int64   `json:"server_peak_rss_bytes,omitempty"`
	RSSPerConn      float64 `json:"server_rss_per_conn_bytes,omitempty"`
	FDStart         int     `json:"fd_start,omitempty"`
	FDEnd           int     `json:"fd_end,omitempty"`
	FDReturned      bool    `json:"fd_returned,omitempty"`
	LoadCPUS        float64 `json:"load_cpu_s"`
	LoadCores       float64 `json:"load_cores"`
	LoadNsPerUnit   float64 `json:"load_cpu_ns_per_unit,omitempty"`
	// OtherCores is the CPU the rest of the machine used while this was
	// measured, in cores: other processes competing for the 2 cores (and
	// the server itself when its pid is unknown). Near 0 is a clean run.
	OtherCores float64 `json:"other_cores"`
	// MachineLoad is the 1-minute load average when the run started: on
	// a shared 2-core machine, anything well above the benchmark's own
	// processes means other work competed for the cores.
	MachineLoad float64 `json:"machine_load_1m"`

	// The logins scenario (logins.go): accounts are Clients, the
	// throughput phase's logins at once Concurrency, the chatters Senders
	// saying Rate lines/s in all; MeasuredS is the burst's length, and the
	// process figures are the burst's, but for ServerNsPerUnit, the
	// server's CPU per login in the throughput phase.
	Burst             int             `json:"burst,omitempty"`
	RegistrationsPerS float64         `json:"registrations_per_s,omitempty"`
	Logins            int64           `json:"logins,omitempty"`
	LoginsPerS        float64         `json:"logins_per_s,omitempty"`
	LoginLatency      *latencySummary `json:"login_latency,omitempty"`
	BurstLatency      *latencySummary `json:"burst_login_latency,omitempty"`
	BusyReplies       int64           `json:"busy_replies,omitempty"`
	ChatQuiet         *latencySummary `json:"chat_latency_quiet,omitempty"`
	ChatBurst         *latencySummary `json:"chat_latency_burst,omitempty"`
	BurstBaseRSS      int64           `json:"server_rss_before_burst_bytes,omitempty"`
	BurstMaxRSS       int64           `json:"server_max_rss_burst_bytes,omitempty"`

	// Cluster is what a several-node target measured besides (cluster.go);
	// the server figures above are then all nodes' together.
	Cluster *clusterFigures `json:"cluster,omitempty"`
	// DeliveriesPerWrite is a traffic run's deliveries over the server's
	// write system calls (node 0's with several nodes), when known.
	DeliveriesPerWrite float64 `json:"server_deliveries_per_write,omitempty"`

	Note string `json:"note,omitempty"`
}

// aggregate combines runs of one scenario against one server: each figure
// is the median over runs, except those tagged agg:"max" (the worst run)
// or agg:"min", flags that must hold in every run, and notes, which are
// all kept.
func aggregate(runs []result) result {
	out := runs[0]
	aggregateInto(reflect.ValueOf(&out).Elem(), func(i int) reflect.Value {
		return reflect.ValueOf(&runs[i]).Elem()
	}, len(runs))
	out.Runs = len(runs)
	var notes []string
	for _, r := range runs {
		if r.Note != "" && !slices.Contains(notes, r.Note) {
			notes = append(notes, r.Note)
		}
	}
	out.Note = strings.Join(notes, "; ")
	return out
}

// aggregateInto sets each numeric or boolean field of out from the same
// field of the n values run(i).
func aggregateInto(out reflect.Value, run func(i int) reflect.Value, n int) {
	typ := out.Type()
	for f := range typ.NumField() {
		field := out.Field(f)
		vals := make([]float64, 0, n)
		all := true
		for i := range n {
			v := run(i).Field(f)
			switch v.Kind() {
			case reflect.Int, reflect.Int64:
				vals = append(vals, float64(v.Int()))
			case reflect.Float64:
				vals = append(vals, v.Float())
			case reflect.Bool:
				all = all && v.Bool()
			case reflect.Pointer:
				if v.IsNil() {
					all = false
				}
			}
		}
		switch field.Kind() {
		case reflect.Int, reflect.Int64:
			field.SetInt(int64(pick(vals, typ.Field(f).Tag.Get("agg"))))
		case reflect.Float64:
			field.SetFloat(pick(vals, typ.Field(f).Tag.Get("agg")))
		case reflect.Bool:
			field.SetBool(all)
		case reflect.Slice:
			if field.Type().Elem().Kind() == reflect.Float64 {
				field.Set(reflect.ValueOf(pickEach(func(i int) []float64 { return run(i).Field(f).Interface().([]float64) }, n, typ.Field(f).Tag.Get("agg"))))
			}
		case reflect.Pointer:
			if !all {
				continue
			}
			elem := reflect.New(field.Type().Elem())
			aggregateInto(elem.Elem(), func(i int) reflect.Value { return run(i).Field(f).Elem() }, n)
			field.Set(elem)
		}
	}
}

// pickEach picks each element of n slices (see pick), as far as the
// shortest goes.
func pickEach(run func(i int) []float64, n int, how string) []float64 {
	shortest := len(run(0))
	for i := range n {
		shortest = min(shortest, len(run(i)))
	}
	out := make([]float64, shortest)
	for j := range out {
		vals := make([]float64, n)
		for i := range n {
			vals[i] = run(i)[j]
		}
		out[j] = pick(vals, how)
	}
	return out
}

// pick returns the median of vals, or their max or min when how says so.
func pick(vals []float64, how string) float64 {
	s := slices.Clone(vals)
	slices.Sort(s)
	switch how {
	case "max":
		return s[len(s)-1]
	case "min":
		return s[0]
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
