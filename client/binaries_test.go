package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// buildDir holds the binaries built for this test run.
var buildDir string

// TestMain gives the run a directory for built binaries and removes it after.
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "teahouse-client-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	buildDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// built remembers each package's build, so it happens once per run.
var built sync.Map // package path -> *buildResult

type buildResult struct {
	once sync.Once
	path string
	err  error
}

// binary builds the module's package pkg ("teahouse/server") once.
func binary(pkg string) (string, error) {
	v, _ := built.LoadOrStore(pkg, &buildResult{})
	b := v.(*buildResult)
	b.once.Do(func() {
		b.path = filepath.Join(buildDir, filepath.Base(pkg))
		out, err := exec.Command("go", "build", "-o", b.path, pkg).CombinedOutput()
		if err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	return b.path, b.err
}

// clientBinary is this package, built.
func clientBinary(t *testing.T) string {
	t.Helper()
	p, err := binary("teahouse/client")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// serverBinary is the real server, built; the test is skipped while the
// server package does not build, as during its first development.
func serverBinary(t *testing.T) string {
	t.Helper()
	p, err := binary("teahouse/server")
	if err != nil {
		t.Skipf("the real server does not build, so it cannot be tested against: %v", err)
	}
	return p
}

// freePort finds a loopback port nobody listens on: listen on port 0,
// note the port, close. Another process could take it in between; on a
// test machine that is rare enough.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
