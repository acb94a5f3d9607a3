package main

// runCrowd is the crowd scenario: a big room (10,000 by default) where
// few lines are said (100 senders, 1 line/s each) but each goes to
// everyone, so one line is 9,999 deliveries. It shows what a server does
// with a room much larger than its write batches, and its login phase is
// the n(n+1)/2 join announcements of a crowd arriving (reported as
// "login s").
func runCrowd(e *env, cfg trafficConfig) (result, error) {
	return runTraffic(e, "crowd", cfg)
}

// runQuiet is the quiet-room scenario: 10 clients, one line a second. A
// server that batches or delays output to save system calls under load
// must not make an idle room wait for it; this is where that would show,
// as latency well above a loopback round trip.
func runQuiet(e *env, cfg trafficConfig) (result, error) {
	return runTraffic(e, "quiet", cfg)
}
