package session

// Conn is the session's way out: the reactor implements it on a real
// connection, tests implement it with a recorder. Every method is called on
// the event loop that owns the Table.
type Conn interface {
	// Write queues p for sending and must not block or keep p. It returns an
	// error when the connection is already gone; the reactor may then call
	// Table.Closed for it before Write returns. Without Config.DeferFlush
	// that can happen inside Table.Open, before the reactor has the
	// *Session: it must then call Table.Closed once Open returns.
	Write(p []byte) error
	// Buffered reports the bytes accepted by Write that the peer has not
	// yet taken: the measure of a slow reader.
	Buffered() int
	// Close closes the connection after a best-effort flush of what was
	// written, for the given reason. It must not call back into the Table
	// before it returns; the reactor reports the close later with
	// Table.Closed.
	Close(reason CloseReason)
}
