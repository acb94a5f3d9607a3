package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const (
	// readyTimeout bounds how long a started server may take to accept.
	readyTimeout = 15 * time.Second

	// stopTimeout is how long a server has to exit after SIGTERM before
	// it is killed.
	stopTimeout = 5 * time.Second
)

// serverPackages are the servers the load generator can build and start,
// by name, with the package that builds each.
var serverPackages = map[string]string{
	"teahouse": "./server",
	"stdlib":   "./bench/stdlib",
}

// target is a server under test.
type target struct {
	name string
	addr *net.TCPAddr
	pid  int // 0 when unknown: no server process figures

	cmd    *exec.Cmd // nil unless the load generator started it
	exited chan struct{}
	output *tailWriter // the end of its own output, when not shown as it came

	// cluster, when set, is every node of a several-node target (this
	// one is node 0) and their NATS server; stop ends them all.
	cluster *clusterTarget
}

// outputTail returns the end of a started server's output, to explain a
// failure, or "" when there is none to show.
func (t *target) outputTail() string {
	if t.output == nil {
		return ""
	}
	return t.output.String()
}

// loopbackTarget resolves addr and refuses anything that is not loopback.
func loopbackTarget(addr string) (*net.TCPAddr, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	ips, err := net.DefaultResolver.LookupIPAddr(context.Background(), host)
	if err != nil {
		return nil, err
	}
	for _, ip := range ips {
		if !ip.IP.IsLoopback() {
			return nil, fmt.Errorf("%s resolves to %s, which is not loopback: the load generator only targets this machine", addr, ip.IP)
		}
	}
	return net.ResolveTCPAddr("tcp", addr)
}

// moduleRoot returns the directory of the teahouse module's go.mod.
func moduleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("run the load generator inside the teahouse module")
	}
	return filepath.Dir(mod), nil
}

// buildServer builds the named server into dir and returns the binary.
func buildServer(ctx context.Context, name, dir string) (string, error) {
	pkg, ok := serverPackages[name]
	if !ok {
		return "", fmt.Errorf("unknown server %q", name)
	}
	return buildPackage(ctx, name, pkg, dir)
}

// buildPackage builds the package pkg into dir as name and returns the
// binary.
func buildPackage(ctx context.Context, name, pkg, dir string) (string, error) {
	root, err := moduleRoot(ctx)
	if err != nil {
		return "", err
	}
	bin := filepath.Join(dir, name)
	cmd := exec.CommandContext(ctx, "go", "build", "-o", bin, pkg)
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("build %s (%s): %w\n%s", name, pkg, err, out)
	}
	return bin, nil
}

// freeLoopbackAddr returns a loopback address with a port free right now.
func freeLoopbackAddr() (*net.TCPAddr, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr), nil
}

// startOptions say how to start a server.
type startOptions struct {
	maxClients int
	pinCPUs    []int
	output     io.Writer // the server's stdout and stderr; nil keeps only their tail
	// args are added after the load generator's own, so a later flag
	// overrides an earlier one of the same name (Go's flag package keeps
	// the last).
	args []string
}

// startServer starts bin on a free loopback port with the flood limit and
// history off, then opt.args, and waits until it accepts connections.
func startServer(name, bin string, opt startOptions) (*target, error) {
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	args := append([]string{
		"-addr", addr.String(),
		"-rate", "0",
		"-history", "0",
		"-max-clients", strconv.Itoa(opt.maxClients),
		"-max-per-ip", "0",
		"-log-level", "warn",
	}, opt.args...)
	cmd := exec.Command(bin, args...)
	var tail *tailWriter
	if opt.output == nil {
		tail = &tailWriter{}
		opt.output = tail
	}
	cmd.Stdout, cmd.Stderr = opt.output, opt.output
	if len(opt.pinCPUs) > 0 {
		cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(len(opt.pinCPUs)))
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	t := &target{name: name, addr: addr, pid: cmd.Process.Pid, cmd: cmd, exited: make(chan struct{}), output: tail}
	go func() {
		cmd.Wait()
		close(t.exited)
	}()
	if err := raiseChildFileLimit(t.pid); err != nil {
		t.stop()
		return nil, fmt.Errorf("raise %s's fd limit: %w", name, err)
	}
	if len(opt.pinCPUs) > 0 {
		if err := pin(t.pid, opt.pinCPUs); err != nil {
			t.stop()
			return nil, err
		}
	}
	if err := t.awaitReady(); err != nil {
		t.stop()
		return nil, err
	}
	return t, nil
}

// awaitReady polls until the server accepts a connection.
func (t *target) awaitReady() error {
	deadline := time.Now().Add(readyTimeout)
	for {
		c, err := net.DialTimeout("tcp", t.addr.String(), dialTimeout)
		if err == nil {
			c.Close()
			return nil
		}
		select {
		case <-t.exited:
			return fmt.Errorf("%s exited before accepting connections: %s\n%s", t.name, t.cmd.ProcessState, t.outputTail())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not accept connections within %s: %w", t.name, readyTimeout, err)
		}
		time.Sleep(pollInterval)
	}
}

// stop ends a server the load generator started: SIGTERM, then SIGKILL
// after stopTimeout. It does nothing to a server it did not start.
func (t *target) stop() {
	if t.cluster != nil {
		t.cluster.stop()
		return
	}
	if t.cmd == nil {
		return
	}
	t.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-t.exited:
	case <-time.After(stopTimeout):
		t.cmd.Process.Kill()
		<-t.exited
	}
}
