//go:build !linux

package main

import (
	"net"
	"testing"
)

// cork is a no-op off Linux: the lines and the FIN then usually, but not
// always, reach the server in one poll.
func cork(testing.TB, *net.TCPConn) {}
