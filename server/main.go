package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
)

// Exit codes.
const (
	exitOK     = 0 // served and shut down cleanly
	exitError  = 1 // could not listen, or the engine failed; also a second signal
	exitUsage  = 2 // bad flag or value
	exitForced = 1 // a second SIGINT/SIGTERM during shutdown: exit at once
)

func main() {
	os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
}

// handleSignals cancels the server on the first signal and calls exit on
// the second.
func handleSignals(sigs <-chan os.Signal, cancel func(), exit func(int), log *slog.Logger) {
	s, ok := <-sigs
	if !ok {
		return
	}
	log.Info("signal received, shutting down (send it again to exit at once)", "signal", s.String())
	cancel()
	if s, ok = <-sigs; !ok {
		return
	}
	log.Warn("second signal, exiting now", "signal", s.String())
	exit(exitForced)
}

func realMain(args []string, stdout, stderr io.Writer) int {
	opts, err := parseFlags(args, stdout)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintf(stderr, "teahouse: %v (see teahouse -h)\n", err)
		return exitUsage
	}
	log := newLogger(opts, stderr)

	// The first SIGINT/SIGTERM starts a graceful shutdown; a second one
	// ends the process at once.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go handleSignals(sigs, cancel, os.Exit, log)

	if err := run(ctx, opts, log, nil); err != nil {
		log.Error("teahouse failed", "err", err)
		return exitError
	}
	return exitOK
}
