// Command stdlib is the reference chat server that the teahouse load generator
// measures teahouse against, in the same run and on the same machine.
//
// It is written the way most Go programmers would write a chat server with
// nothing but the standard library: a goroutine per connection reading lines
// with bufio, a writer goroutine per client fed by a bounded queue, and a
// client whose queue is full dropped as a slow reader. It speaks the subset of
// the teahouse protocol the load generator uses: a welcome line and a nickname
// prompt, a nickname line to log in, `*** NICK joined #lobby` to everyone,
// `NICK: text` to everyone but the sender, and `/quit [reason]`.
//
// It accepts the teahouse flags the load generator passes; only -addr matters.
package main

import (
	"errors"
	"flag"
	"fmt"
	"log"
	"net"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	addr := flag.String("addr", defaultAddr, "listen address")
	flag.Int("rate", 0, "accepted for teahouse compatibility; there is no flood limit")
	flag.Int("history", 0, "accepted for teahouse compatibility; there is no history")
	flag.Int("max-clients", 0, "accepted for teahouse compatibility; there is no cap")
	flag.Int("max-per-ip", 0, "accepted for teahouse compatibility; there is no cap")
	flag.String("log-level", "warn", "accepted for teahouse compatibility")
	flag.Parse()

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	go func() {
		sig := make(chan os.Signal, 1)
		signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
		<-sig
		ln.Close()
	}()
	h := newHub()
	for {
		conn, err := ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "accept:", err)
			continue
		}
		go h.serve(conn)
	}
}
