package session

import (
	"fmt"
)

// The nickname index: which user holds which folded nickname, and which
// logged-in user each identity is. A name is held from login until logout;
// the identity behind it never changes hands.

// login gives s the nickname name and takes it into the lobby.
func (t *Table) login(s *Session, name string) error {
	key, err := t.claim(s, name)
	if err != nil {
		return err
	}
	s.nick, s.key = name, key
	t.nicks[key] = s.id
	t.users[s.id] = s
	s.state = stateChat
	t.stats.Logins.Add(1)
	t.stats.Online.Add(1)
	s.reply(fmt.Sprintf("hello %s! /help lists the commands", name))
	t.enterRoom(s, t.lobby)
	return nil
}

// rename changes a logged-in session's nickname; its room is told.
func (t *Table) rename(s *Session, name string) error {
	key, err := t.claim(s, name)
	if err != nil {
		return err
	}
	if name == s.nick {
		return fmt.Errorf("you are already %s", name)
	}
	old := s.nick
	delete(t.nicks, s.key)
	s.nick, s.key = name, key
	t.nicks[key] = s.id
	t.announce(s.room, old+" is now known as "+name)
	return nil
}

// claim checks that s may take the nickname name and returns its key.
func (t *Table) claim(s *Session, name string) (string, error) {
	if err := CheckNick(name); err != nil {
		return "", err
	}
	key := t.fold.key(name)
	if id, taken := t.nicks[key]; taken && id != s.id {
		return "", fmt.Errorf("%w: %s is online; try another", ErrNickTaken, t.nickOf(id))
	}
	return key, nil
}

// logout frees a leaving session's nickname and identity.
func (t *Table) logout(s *Session) {
	delete(t.nicks, s.key)
	delete(t.users, s.id)
	t.stats.Online.Add(-1)
}

// find returns the online user with nickname nick.
func (t *Table) find(nick string) (*Session, error) {
	if CheckNick(nick) == nil {
		if s := t.users[t.nicks[t.fold.key(nick)]]; s != nil {
			return s, nil
		}
	}
	return nil, fmt.Errorf("%w: %s", ErrNoSuchUser, nick)
}

// nickOf returns the current nickname of the online user id.
func (t *Table) nickOf(id UserID) string {
	if s := t.users[id]; s != nil {
		return s.nick
	}
	return id.String()
}
