// Package session is teahouse's protocol core: everything a user of the
// chat server experiences, decided without a socket in sight.
//
// # The asynchat lineage
//
// Python's asynchat gave every connection two hooks: collect_incoming_data,
// which buffers bytes as they arrive, and found_terminator, which handles
// one complete line. The "virtual tea party" chat built on it moved each
// session through a LoginRoom, a ChatRoom and a LogoutRoom. Here:
//
//   - Session.CollectIncomingData is collect_incoming_data. It runs a
//     Framer: one byte-at-a-time state machine that removes telnet commands
//     (answering option requests with refusals) and splits the rest at
//     CRLF, LF, CR NUL or a lone CR, holding at most Config.MaxLine bytes of
//     a partial line whatever the peer sends.
//   - Session.FoundTerminator is found_terminator. It decodes the line in
//     the session's charset (UTF-8 or GBK, auto-detected), sanitizes it
//     (controls, escape sequences, bidi overrides), applies the flood
//     bucket and acts on it according to the session's phase: login (the
//     LoginRoom), chat (the ChatRoom), closing (the LogoutRoom).
//   - Table is the dispatcher's socket map plus the book's ChatServer: every
//     session, the nickname index and the rooms, which broadcast.
//
// # One owner
//
// One event loop owns a Table and every Session in it. Nothing in this
// package starts a goroutine, takes a lock or touches a socket: output
// leaves through the Conn interface the reactor implements, and tests plug
// in a recorder. That is what makes every behaviour here testable with
// plain byte slices, and what makes a broadcast to 10,000 sessions a loop
// over a slice. The only exception is Stats, whose atomic counters a
// metrics scrape may read from another goroutine.
//
// # Output
//
// Messages are typed (chat, emote, private, announcement, reply) and kept
// in UTF-8; each is rendered at the edge for its recipient's charset and
// timestamp setting, once per combination per broadcast rather than once
// per recipient. Output is queued per session and written with one
// Conn.Write per session per flush, so a burst of lines costs each
// recipient one system call; a session whose unsent output passes
// Config.MaxOut is dropped as too slow, and nobody else waits for it.
package session
