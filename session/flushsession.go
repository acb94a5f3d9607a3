package session

// FlushSession writes s's queued output to its connection now, ahead of the
// deferred Flush, and leaves everyone else's queued for it. A reactor calls
// it when a connection is about to close in the same poll that produced its
// output (the peer's lines and its FIN read together): the Flush would come
// after the close and find the session gone. The connection may then fail
// the write; as for any Write, the reactor reports that close itself. Only
// the write is done: closing after /quit and the slow-reader check are
// Flush's, and pointless for a connection that is closing anyway.
func (t *Table) FlushSession(s *Session) {
	if s.phase == phaseGone || len(s.out) == 0 {
		return
	}
	out := s.out
	s.out = nil // s stays on the dirty list; Flush finds nothing left to write
	_ = s.conn.Write(out)
	t.putBuf(out)
}
