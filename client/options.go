package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"time"

	"teahouse/session/wire"
)

// Defaults and limits. Each is named so that -h, the README and the tests
// agree on one value.
const (
	// defaultHost is where a bare `client` connects. A name rather than
	// 127.0.0.1, so a machine that only listens on ::1 works too.
	defaultHost = "localhost"
	// defaultPort is the server's default listen port (PROTOCOL.md, Transport).
	defaultPort = "6666"
	// dialTimeout bounds connecting, so an unreachable address fails in
	// seconds instead of after the kernel's minutes of SYN retries.
	dialTimeout = 5 * time.Second
	// writeTimeout bounds one line's write, so a server that stops reading
	// cannot freeze the keyboard for ever.
	writeTimeout = 5 * time.Second
	// defaultDrain is how long pipe mode keeps listening after stdin ends,
	// so that a script sees the replies to its last lines.
	defaultDrain = 2 * time.Second
	// quitWait is how long the client waits, after sending /quit, for the
	// server to flush and close before closing the connection itself.
	quitWait = 3 * time.Second
	// loginWait is how long pipe mode waits for the server's answer to a
	// nickname before sending the next line anyway.
	loginWait = 5 * time.Second
	// settleWait is how long a reply to a nickname may go without our join
	// line following before pipe mode takes it for a refusal. The server
	// sends its greeting reply and the join in one go, so this is generous.
	settleWait = 500 * time.Millisecond
	// maxServerLine is the longest server line the client frames. Far above
	// anything our server sends; it only bounds memory against a wrong peer.
	maxServerLine = 64 << 10
	// maxInputLine is the longest line the client sends: the server's own
	// default limit, so nothing we send is discarded as too long.
	maxInputLine = wire.DefaultMaxLine
)

// options is the parsed command line.
type options struct {
	addr    string        // host:port to dial
	nick    string        // answers the nickname prompt; empty: the user types one
	charset wire.Charset  // the session's charset on the wire
	drain   time.Duration // pipe mode: how long to listen after stdin ends
	// password answers the server's password prompts, from
	// -password-file or TEAHOUSE_PASSWORD; zero when neither is given.
	password passwordSource
}

// usageError is a bad command line, which exits with status 2.
type usageError struct{ msg string }

// Error is the problem, without the usage text.
func (e usageError) Error() string { return e.msg }

// badUsage formats a usageError.
func badUsage(format string, args ...any) error {
	return usageError{fmt.Sprintf(format, args...)}
}

// usageText comes before the flag list in -h.
const usageText = `usage: client [flags] [HOST:PORT | HOST PORT]

Chat on a teahouse server (default %s). On a terminal you get a line
editor: incoming lines appear above what you are typing, arrows edit and
recall earlier lines, Ctrl-C or Ctrl-D leaves with /quit. With stdin or
stdout redirected it reads plain lines from stdin, for scripts:

  printf 'hi\n/quit\n' | client -nick bot

A registered nickname's password is asked for with a reply ending in
"password:". On a terminal what you type then is not shown (nothing, not
even stars) nor kept for the arrow keys; an empty line cancels. Scripts
pass it with -password-file FILE or $TEAHOUSE_PASSWORD, and the client
answers each prompt itself, never printing the password. The one-line
forms (/login NAME PASSWORD, /register PASSWORD, /passwd CURRENT NEW,
/unregister PASSWORD) are shown with **** in place of the password.

Exit status: 0 after /quit, 1 when the server cannot be reached, closes
the connection or refuses a script's password, 2 for a bad command line
or password file, 128+n after signal n. Colours
are used when stdout is a terminal and NO_COLOR is not set.

flags:
`

// parseArgs reads the command line. -h prints the usage to help and returns
// flag.ErrHelp; any other problem returns a usageError.
func parseArgs(args []string, help io.Writer, getenv func(string) string) (options, error) {
	o := options{drain: defaultDrain}
	fs := flag.NewFlagSet("client", flag.ContinueOnError)
	// The flag package would print its usage on every error; we print one
	// line instead, and the usage only when asked.
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.StringVar(&o.nick, "nick", "", "answer the nickname prompt with `NAME` (default: type one)")
	enc := fs.String("encoding", "utf-8", "charset spoken with the server: `utf-8 or gbk`")
	fs.DurationVar(&o.drain, "drain", defaultDrain, "pipe mode: keep listening this long after stdin ends")
	pwFile := fs.String("password-file", "", "answer the server's password prompts with the first line of `FILE`,\nwhich must be readable by you alone (chmod 600); the password is\nnever shown. Without it, $"+passwordEnv+" is used if set")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprintf(help, usageText, net.JoinHostPort(defaultHost, defaultPort))
			fs.SetOutput(help)
			fs.PrintDefaults()
			return o, err
		}
		return o, badUsage("%v", err)
	}
	cs, err := wire.ParseCharset(*enc)
	if err != nil {
		return o, badUsage("-encoding: %v", err)
	}
	o.charset = cs
	if o.drain < 0 {
		return o, badUsage("-drain must not be negative")
	}
	if o.addr, err = parseAddr(fs.Args()); err != nil {
		return o, badUsage("%v", err)
	}
	if o.password, err = loadPassword(*pwFile, getenv); err != nil {
		return o, badUsage("%v", err)
	}
	return o, nil
}

// parseAddr turns the positional arguments, none, HOST:PORT, HOST or
// HOST PORT, into a dialable address.
func parseAddr(args []string) (string, error) {
	host, port := defaultHost, defaultPort
	switch len(args) {
	case 0:
	case 1:
		a := args[0]
		if h, p, err := net.SplitHostPort(a); err == nil {
			host, port = h, p
		} else if !strings.Contains(a, ":") || net.ParseIP(a) != nil {
			host = a // a bare name or IPv6 literal: default port
		} else if strings.HasPrefix(a, "[") && strings.HasSuffix(a, "]") {
			host = a[1 : len(a)-1]
		} else {
			return "", fmt.Errorf("bad address %q (want HOST:PORT)", a)
		}
	case 2:
		host, port = args[0], args[1]
	default:
		return "", fmt.Errorf("too many arguments %q (want HOST:PORT or HOST PORT)", args)
	}
	if host == "" {
		host = defaultHost
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", fmt.Errorf("bad port %q (want 1-65535)", port)
	}
	return net.JoinHostPort(host, port), nil
}
