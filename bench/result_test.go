package main

import (
	"math"
	"testing"
)

func TestAggregate(t *testing.T) {
	runs := []result{
		{Scenario: "fanout", Server: "s", DeliveriesPerS: 3, Lost: 0, Process: true, FDReturned: true, Latency: &latencySummary{P99: 5}, Note: "a"},
		{Scenario: "fanout", Server: "s", DeliveriesPerS: 1, Lost: 7, Process: true, FDReturned: false, Latency: &latencySummary{P99: 1}},
		{Scenario: "fanout", Server: "s", DeliveriesPerS: 2, Lost: 2, Process: true, FDReturned: true, Latency: &latencySummary{P99: 9}, Note: "a"},
	}
	got := aggregate(runs)
	tests := []struct {
		name string
		ok   bool
	}{
		{"rates are the median", got.DeliveriesPerS == 2},
		{"latency percentiles are the median", got.Latency != nil && got.Latency.P99 == 5},
		{"loss is the worst run", got.Lost == 7},
		{"a flag holds only if it held in every run", got.Process && !got.FDReturned},
		{"runs are counted", got.Runs == 3},
		{"repeated notes are kept once", got.Note == "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !tt.ok {
				t.Errorf("aggregate = %+v", got)
			}
		})
	}
}

func TestAdvantageIsAboveOneWhenBetter(t *testing.T) {
	a := result{Scenario: "fanout", Server: "teahouse", Process: true, DeliveriesPerS: 4e6, ServerNsPerUnit: 100}
	b := result{Scenario: "fanout", Server: "stdlib", Process: true, DeliveriesPerS: 2e6, ServerNsPerUnit: 400}
	got := advantage(a, b).Figures
	tests := []struct {
		name string
		key  string
		want float64
	}{
		{"twice the rate is 2", "deliveries_per_s", 2},
		{"a quarter of the CPU is 4", "server_cpu_ns_per_delivery", 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if math.Abs(got[tt.key]-tt.want) > 1e-9 {
				t.Errorf("advantage[%s] = %v, want %v", tt.key, got[tt.key], tt.want)
			}
		})
	}
}
