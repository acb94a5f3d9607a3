package main

const (
	// defaultAddr is where the server listens without -addr.
	defaultAddr = "127.0.0.1:6667"

	// maxPending is how many bytes may wait for a client's writer
	// goroutine. A client whose queue would pass it is dropped as a slow
	// reader. It is teahouse's default output cap (-max-out), so that both
	// servers drop the same readers.
	maxPending = 1 << 20

	// readBufferSize is the bufio.Reader size per connection; it is also the
	// longest line accepted.
	readBufferSize = 4096

	// writeBufferSize is the bufio.Writer size per connection.
	writeBufferSize = 4096

	// maxNickLen is the longest nickname, in characters.
	maxNickLen = 16

	// room is the one room this server has.
	room = "#lobby"

	// welcome and prompt are sent on connect.
	welcome = "Welcome to teahouse-stdlib, the reference server!\r\n"
	prompt  = "Please enter your nickname:\r\n"
)
