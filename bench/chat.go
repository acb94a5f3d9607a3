package main

// runChat is the chat scenario: everyone in one room, many senders at a
// fixed rate each, so the figure that matters is latency under steady load.
func runChat(e *env, cfg trafficConfig) (result, error) {
	return runTraffic(e, "chat", cfg)
}
