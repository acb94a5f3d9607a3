package session

// CloseReason says why a session ended. It is the one vocabulary for
// announcements ("alice left #lobby (too slow)"), logs and metrics.
type CloseReason uint8

// The reasons a session can end.
const (
	ReasonNone       CloseReason = iota // still open
	ReasonQuit                          // the user sent /quit or logout
	ReasonEOF                           // the peer closed its side
	ReasonReadError                     // reading from the socket failed (reset, timeout)
	ReasonWriteError                    // writing to the socket failed
	ReasonTooSlow                       // unsent output passed the cap (slow reader)
	ReasonIdle                          // no input for longer than the idle timeout
	ReasonShutdown                      // the server is shutting down
	ReasonRefused                       // refused at connect (connection caps)
	ReasonAuth                          // too many wrong passwords
	ReasonKicked                        // an operator kicked the user
	ReasonBanned                        // an operator banned the user or their address
	ReasonReplaced                      // the nickname's owner logged in again elsewhere
	numReasons
)

var reasonText = [numReasons]string{
	ReasonNone:       "open",
	ReasonQuit:       "quit",
	ReasonEOF:        "connection closed",
	ReasonReadError:  "read error",
	ReasonWriteError: "write error",
	ReasonTooSlow:    "too slow",
	ReasonIdle:       "idle timeout",
	ReasonShutdown:   "server shutting down",
	ReasonRefused:    "refused",
	ReasonAuth:       "too many wrong passwords",
	ReasonKicked:     "kicked",
	ReasonBanned:     "banned",
	ReasonReplaced:   "logged in again elsewhere",
}

var reasonLabel = [numReasons]string{
	ReasonNone:       "none",
	ReasonQuit:       "quit",
	ReasonEOF:        "eof",
	ReasonReadError:  "read_error",
	ReasonWriteError: "write_error",
	ReasonTooSlow:    "too_slow",
	ReasonIdle:       "idle",
	ReasonShutdown:   "shutdown",
	ReasonRefused:    "refused",
	ReasonAuth:       "auth",
	ReasonKicked:     "kicked",
	ReasonBanned:     "banned",
	ReasonReplaced:   "replaced",
}

// String is the reason as users read it in a leave announcement.
func (r CloseReason) String() string {
	if r >= numReasons {
		return "unknown"
	}
	return reasonText[r]
}

// Label is the reason as a metric label or log value: lower case, no spaces.
func (r CloseReason) Label() string {
	if r >= numReasons {
		return "unknown"
	}
	return reasonLabel[r]
}

// CloseReasons lists every reason a closed session can have, so metrics can
// be created for all of them up front.
func CloseReasons() []CloseReason {
	rs := make([]CloseReason, 0, numReasons-1)
	for r := ReasonQuit; r < numReasons; r++ {
		rs = append(rs, r)
	}
	return rs
}
