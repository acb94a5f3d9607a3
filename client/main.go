// Command client is teahouse's bundled chat client: the friendly way in
// for people who would rather not use telnet, and a scriptable one.
//
//	go run ./client [-nick NAME] [-encoding utf-8|gbk] [-password-file FILE] [HOST:PORT | HOST PORT]
//
// On a terminal it runs a line editor: incoming lines print above what is
// being typed, with colours for nicknames, announcements and private
// messages. With stdin or stdout redirected it reads and writes plain
// lines. See -h, and the README's "Bundled client" section.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"golang.org/x/term"
)

// main wires the real process to run: its signals, streams and exit status.
func main() {
	ctx, stop := watchSignals()
	code := run(ctx, os.Args[1:], osStdio())
	stop()
	os.Exit(code)
}

// stdio is where a run reads and writes. tty is set when both stdin and
// stdout are terminals: then the session is interactive.
type stdio struct {
	in       io.Reader
	out, err io.Writer
	ttyIn    *os.File            // stdin, when interactive
	ttyOut   *os.File            // stdout, when interactive
	colour   bool                // stdout is a terminal and NO_COLOR is not set
	getenv   func(string) string // the environment (TEAHOUSE_PASSWORD); nil: empty
}

// osStdio describes the process's own standard streams.
func osStdio() stdio {
	s := stdio{in: os.Stdin, out: os.Stdout, err: os.Stderr, getenv: os.Getenv}
	outTerm := term.IsTerminal(int(os.Stdout.Fd()))
	if outTerm && term.IsTerminal(int(os.Stdin.Fd())) {
		s.ttyIn, s.ttyOut = os.Stdin, os.Stdout
	}
	// https://no-color.org: set and not empty means no colour.
	s.colour = outTerm && os.Getenv("NO_COLOR") == ""
	return s
}

// run is the whole program but for os.Exit, so tests can drive it.
func run(ctx context.Context, args []string, s stdio) int {
	opts, err := parseArgs(args, s.out, s.getenv)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case err != nil:
		fmt.Fprintf(s.err, "teahouse: %v (see -h)\n", err)
		return exitUsage
	}
	l, err := dial(opts.addr, opts.charset)
	if err != nil {
		fmt.Fprintf(s.err, "teahouse: %v\n", err)
		return exitFail
	}
	defer l.close()
	c := newClient(l, opts, s.colour)
	var o outcome
	if s.ttyIn != nil {
		c.interactive = true
		o = c.runTerminal(ctx, s.ttyIn, s.ttyOut)
	} else {
		c.out = &linePrinter{w: s.out}
		c.start()
		o = c.runPipe(ctx, s.in, s.err)
	}
	if o.msg != "" {
		fmt.Fprintf(s.err, "teahouse: %s\n", o.msg)
	}
	return o.code
}

// signalled is the cause of a context cancelled by a signal.
type signalled struct{ sig os.Signal }

// Error names the signal.
func (s signalled) Error() string { return "got " + s.sig.String() }

// watchSignals returns a context cancelled, with a signalled cause, at the
// first SIGINT, SIGTERM or SIGHUP, so the client can say /quit and restore
// the terminal rather than die mid-line. In raw mode Ctrl-C is a key, not
// a signal; these come from kill or a closing terminal window.
func watchSignals() (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
	go func() {
		select {
		case s := <-ch:
			cancel(signalled{s})
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		cancel(nil)
	}
}
