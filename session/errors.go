package session

import "errors"

// Errors a user causes. Each becomes one "-> " reply line; none closes the
// connection. Handlers wrap them with the detail the user needs
// (fmt.Errorf("%w: %s", ErrNoSuchUser, nick)).
var (
	// ErrNoSuchUser: the named nickname is not online.
	ErrNoSuchUser = errors.New("no such user")
	// ErrNickTaken: someone online already has a nickname that folds to the same key.
	ErrNickTaken = errors.New("nickname is taken")
	// ErrBadNick: the nickname breaks the nickname rules.
	ErrBadNick = errors.New("nickname not allowed")
	// ErrBadRoom: the room name breaks the room name rules.
	ErrBadRoom = errors.New("room name not allowed")
	// ErrNotLoggedIn: the command needs a nickname first.
	ErrNotLoggedIn = errors.New("log in first: type a nickname")
	// ErrUnknownCommand: no command has that name or alias.
	ErrUnknownCommand = errors.New("unknown command")
	// ErrNotOperator: the command is for operators only.
	ErrNotOperator = errors.New("only operators can do that")
	// ErrStoreBusy: the Store's queues are full; the user should try again.
	// It is load, not a fault: counted, not logged.
	ErrStoreBusy = errors.New("the server is busy; try again in a moment")
	// ErrSelf: the command cannot be aimed at yourself.
	ErrSelf = errors.New("that is you")
)

// usageError is returned when a command's arguments do not fit its grammar;
// it renders as "usage: /msg NICK text".
type usageError struct{ usage string }

func (e usageError) Error() string { return "usage: " + e.usage }
