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
//     wire.Framer: one byte-at-a-time state machine that removes telnet commands
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
// Users are known by identity (UserID), never by pointer or by name: an
// identity outlives renames and is never reused, so ignores, /reply and
// room history follow the person, not whoever holds the name next.
//
// # How a line travels
//
// From the reactor's read to every recipient's write, a line passes
// through, in order:
//
//  1. Session.CollectIncomingData: the reactor hands over the bytes it read.
//  2. wire.Framer.Feed: telnet commands out, lines split at their
//     terminators; each complete line goes to
//  3. Session.FoundTerminator: charset detection, wire.Codec.Decode,
//     wire.Sanitize, then
//  4. Session.parse: the line becomes a request, a *Command and its
//     arguments (chat, "@nick", "//" and unknown names included);
//  5. Session.admit: the flood limit (quitting always passes);
//  6. Session.dispatch: the command's Requirement and MinArgs are checked
//     in one place (Session.permit), then Command.Run runs it;
//  7. Table.route: every message between users (room talk, announcements,
//     private messages) passes here: history, then Table.broadcast or the
//     receiver, skipping whoever ignores the sender (Session.hides);
//  8. broadcastCache.line renders the message once per render key
//     (Settings.render: charset and timestamps) and Session.send queues the
//     bytes on each recipient;
//  9. Table.flushDirty, when the entry point returns (or in Flush, when the
//     reactor asked for Config.DeferFlush): one Conn.Write per recipient,
//     or, with Config.Coalesce, for a recipient written less than a window
//     ago, one when its window ends (Table.hold; the reactor's one timer,
//     Config.Schedule, calls Flush then).
//
// Replies to the sender alone (Session.reply) skip route: they never
// concern anyone else. Work done off the loop (a password hash, a store
// write, a cluster claim) comes back through Table.Complete, an entry point
// like the others. A cluster (Config.Cluster, remote.go) plugs in at
// Table.route, where what this server's users say is published once per
// line, and at Table.Remote, the entry point through which other servers'
// lines enter route like local ones, to be rendered here per recipient;
// an account store plugs in at Table.login and Table.claim, through
// Complete.
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
// Config.MaxOut is dropped as too slow, and nobody else waits for it. With
// Config.Coalesce a busy session is written at most once per window and a
// quiet one at once (output.go). Rooms past Config.Crowd members hear of
// joins and leaves in one summary a tick (crowd.go), so a crowd arriving
// or leaving costs O(n) output, not O(n²).
package session
