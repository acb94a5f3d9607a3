// Package store keeps what teahouse must not lose across a restart:
// accounts (registered nicknames, their password hashes and operator
// flags), bans, mutes and each room's recent history.
//
// Open("teahouse.db") is a Bolt store on one bbolt file; Open("") is a
// Memory store that persists nothing (the -data "" flag). Both implement
// Store and pass the same tests.
//
// Every method blocks: on a write until it is committed and fsynced, so
// what a user is told is done ("registered", "banned") is on disk when the
// reply is sent. They are safe from many goroutines at once and must be
// called from workers, never from the event loop, whose results come back
// through the server's completion entry point. History is the caller's to
// batch: AppendHistory takes every room's new lines in one transaction.
//
// Keys (nicknames, room names) arrive folded by the session; the store
// compares bytes. Passwords are hashed with argon2id (Hash, Verify), also
// off the loop; neither the password nor its hash is ever logged here.
//
// The file's layout, the record format and the schema migrations are
// described in bolt.go and codec.go. A file that is locked, unreadable,
// truncated, damaged, another program's or of a newer schema is an error
// naming it at Open, never an empty start.
package store
