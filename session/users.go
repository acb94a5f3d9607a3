package session

import (
	"errors"
	"fmt"
)

// The nickname index: which user holds which folded nickname, and which
// logged-in user each identity is. A name is held from login until logout;
// the identity behind it never changes hands.

// login gives s the nickname name and takes it into the lobby, once the
// password is right if name is registered: pw is the password typed on the
// login line, or "" to be asked for it.
func (t *Table) login(s *Session, name, pw string) error {
	key, err := t.claim(s, name)
	if errors.Is(err, ErrNickTaken) && CheckNick(name) == nil {
		// A registered name held by another connection to this server
		// is its owner's to take back: the password is asked for as
		// usual, and welcome then ends the other connection.
		if k := t.fold.key(name); t.accounts[k] != nil && t.users[t.nicks[k]] != nil {
			key, err = k, nil
		}
	}
	if err != nil {
		return err
	}
	if b, banned := t.nickBan(key); banned {
		t.audit(AuditEvent{Action: "login-banned", Actor: s.remote, Target: name})
		return fmt.Errorf("%s is banned%s", name, b.describe(t.now))
	}
	if t.registering(key) {
		return fmt.Errorf("%w: %s is being registered; try another", ErrNickTaken, name)
	}
	if t.accounts[key] == nil {
		if pw != "" {
			s.reply(name + " is not registered, so it needs no password")
		}
		return t.welcome(s, name, key)
	}
	s.askOrCheck(prompt{ask: askLoginPassword, purpose: forLogin, name: name, key: key}, pw)
	return nil
}

// welcome logs s in as name (key), its password checked if it has one.
func (t *Table) welcome(s *Session, name, key string) error {
	if id, taken := t.nicks[key]; taken && id != s.id {
		x := t.users[id]
		if x == nil || t.accounts[key] == nil {
			return fmt.Errorf("%w: %s is online; try another", ErrNickTaken, t.nickOf(id))
		}
		// Its owner, with the right password: the other connection (a
		// stale one, or someone who had the password) gives way.
		x.reply("you logged in as " + x.nick + " from somewhere else: this connection ends")
		t.audit(AuditEvent{Action: "replaced", Actor: s.remote, Target: x.nick, Remote: x.remote})
		t.end(x, ReasonReplaced, ReasonReplaced.String())
	}
	if wait, err := t.claimFirst(s, name, key, false); wait {
		return err
	}
	if a := t.accounts[key]; a != nil {
		s.account = key
		s.operator = a.Operator || t.opers[key]
	}
	s.nick, s.key = name, key
	t.nicks[key] = s.id
	t.users[s.id] = s
	s.state = stateChat
	t.stats.Logins.Add(1)
	t.stats.Online.Add(1)
	s.reply(fmt.Sprintf("hello %s! /help lists the commands", name))
	if !t.awaitHistory(s, t.lobby) {
		t.enterRoom(s, t.lobby)
	}
	t.remoteJoined(s, t.lobby)
	return nil
}

// rename changes a logged-in session's nickname; its room is told.
func (t *Table) rename(s *Session, name string) error {
	key, err := t.claim(s, name)
	if err != nil {
		return err
	}
	if t.accounts[key] != nil && s.account != key {
		return fmt.Errorf("%w: %s is registered; log in as %s with its password", ErrNickTaken, name, name)
	}
	if b, banned := t.nickBan(key); banned && key != s.key {
		return fmt.Errorf("%s is banned%s", name, b.describe(t.now))
	}
	if s.muted() {
		return fmt.Errorf("you are muted, so your nickname stays %s", s.nick) // a mute follows the user, not the name
	}
	if name == s.nick {
		return fmt.Errorf("you are already %s", name)
	}
	if key != s.key {
		if wait, err := t.claimFirst(s, name, key, true); wait {
			return err
		}
	}
	old, oldKey := s.nick, s.key
	delete(t.nicks, s.key)
	s.nick, s.key = name, key
	t.nicks[key] = s.id
	if s.account != key {
		s.account, s.operator = "", false // the account stays with its name
	}
	t.announce(s.room, old+" is now known as "+name)
	t.remoteRenamed(s, old, oldKey)
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
	if t.claimPending(s, key) {
		return "", fmt.Errorf("%w: %s is online; try another", ErrNickTaken, name)
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
	if p := t.rc.peers[id]; p != nil {
		return p.nick
	}
	return id.String()
}
