// Command natsd is the NATS server (with JetStream) the load generator's
// -cluster runs start as a child process: loopback only, a random port,
// its store in the directory given, gone when the process ends.
//
// It runs as its own process, rather than inside the load generator, so
// that its CPU is measured apart from the load generator's (it is the
// cluster's shared cost), and so that a load generator built with -race
// does not slow it tenfold.
//
// The conversation is lines on stdin and stdout: it prints
// "ready nats://127.0.0.1:PORT" once it accepts connections (or "fail
// ERROR"), then answers every "varz" line with "varz JSON" (the server's
// message, byte and slow-consumer counters); when stdin ends, it shuts
// down and exits.
//
//	go build -o natsd ./bench/natsd && ./natsd -store /tmp/x
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/nats-io/nats-server/v2/server"
)

// readyTimeout bounds how long the server may take to accept connections.
const readyTimeout = 15 * time.Second

// counters are the varz figures the load generator reads.
type counters struct {
	InMsgs        int64  `json:"in_msgs"`
	OutMsgs       int64  `json:"out_msgs"`
	InBytes       int64  `json:"in_bytes"`
	OutBytes      int64  `json:"out_bytes"`
	SlowConsumers int64  `json:"slow_consumers"`
	Connections   int    `json:"connections"`
	Error         string `json:"error,omitempty"`
}

func main() {
	store := flag.String("store", "", "JetStream store `directory` (required; the caller removes it)")
	flag.Parse()
	if *store == "" {
		fmt.Println("fail -store is required")
		os.Exit(2)
	}
	s, err := server.NewServer(&server.Options{
		Host: "127.0.0.1", Port: server.RANDOM_PORT, JetStream: true, StoreDir: *store,
		NoSigs: true, NoLog: true,
	})
	if err != nil {
		fmt.Printf("fail %v\n", err)
		os.Exit(1)
	}
	s.Start()
	if !s.ReadyForConnections(readyTimeout) {
		fmt.Printf("fail not ready within %s\n", readyTimeout)
		s.Shutdown()
		os.Exit(1)
	}
	fmt.Printf("ready nats://127.0.0.1:%d\n", s.Addr().(*net.TCPAddr).Port)
	in := bufio.NewScanner(os.Stdin)
	for in.Scan() {
		if in.Text() != "varz" {
			continue
		}
		var c counters
		if v, err := s.Varz(nil); err != nil {
			c.Error = err.Error()
		} else {
			c = counters{InMsgs: v.InMsgs, OutMsgs: v.OutMsgs, InBytes: v.InBytes, OutBytes: v.OutBytes,
				SlowConsumers: v.SlowConsumers, Connections: v.Connections}
		}
		b, _ := json.Marshal(c)
		fmt.Printf("varz %s\n", b)
	}
	s.Shutdown()
	s.WaitForShutdown()
}
