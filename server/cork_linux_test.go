package main

import (
	"net"
	"testing"

	"golang.org/x/sys/unix"
)

// cork holds back everything written to c until it is uncorked or its
// writing side is shut down. Linux then sends the held data and the FIN in
// one segment, so the server reads the lines and the end of input in the
// same event-loop poll, every time.
func cork(t testing.TB, c *net.TCPConn) {
	t.Helper()
	rc, err := c.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.IPPROTO_TCP, unix.TCP_CORK, 1)
	}); err != nil {
		t.Fatal(err)
	}
	if serr != nil {
		t.Fatalf("TCP_CORK: %v", serr)
	}
}
