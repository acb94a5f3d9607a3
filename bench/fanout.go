package main

// runFanout is the fanout scenario: everyone in one room, a few senders
// each keeping a bounded window of lines in flight (or sending at a fixed
// rate), so the server's delivery rate is the limit.
func runFanout(e *env, cfg trafficConfig) (result, error) {
	return runTraffic(e, "fanout", cfg)
}
