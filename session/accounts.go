package session

import (
	"errors"
	"fmt"
	"net/netip"
	"time"
	"unicode/utf8"

	"teahouse/session/wire"
)

// Password rules and the guessing throttle (PROTOCOL.md, Accounts).
const (
	MinPasswordLen  = 8   // characters
	MaxPasswordLen  = 128 // characters; longer is refused, not cut
	MaxWrongAnswers = 3   // wrong passwords in a row before the connection is closed

	// After GuessFree failures within GuessWindow, from one address or
	// against one account, each further try must wait twice as long as
	// the one before, from GuessBaseDelay up to GuessMaxDelay.
	GuessFree      = 5
	GuessWindow    = 10 * time.Minute
	GuessBaseDelay = time.Second
	GuessMaxDelay  = 5 * time.Minute
)

// ask is the question a session's next line answers instead of being
// parsed: input typed there is a password and goes nowhere else.
type ask uint8

const (
	askNothing         ask = iota
	askLoginPassword       // logging in with a registered nickname
	askCurrentPassword     // before /passwd or /unregister
	askNewPassword         // /register, /passwd
	askNewAgain            // the new password a second time
)

// purpose is what the answers to a prompt are for.
type purpose uint8

const (
	forLogin purpose = iota
	forRegister
	forPasswd
	forUnregister
)

// prompt is a session's pending question, and what its answers are for.
type prompt struct {
	ask     ask
	purpose purpose
	name    string // the nickname logged in with (forLogin)
	key     string // its account key
	first   string // the new password as typed the first time
	busy    bool   // the Store is checking; input waits
	ticket  uint32 // which question a late answer from the Store belongs to
	wrong   int    // wrong login passwords in a row
}

// promptText is what the user is asked. Every prompt ends in
// "password:", which is how the bundled client knows to hide the input.
func (p *prompt) text() string {
	switch p.ask {
	case askLoginPassword:
		return p.name + " is registered: password:"
	case askCurrentPassword:
		return "your current password:"
	case askNewPassword:
		return fmt.Sprintf("a new password for %s (at least %d characters; an empty line cancels): password:", p.name, MinPasswordLen)
	case askNewAgain:
		return "the same new password again: password:"
	}
	return ""
}

// askFor puts a question to s and hides what the user types next on a
// telnet client (RFC 857: the server offers to echo, and does not).
func (s *Session) askFor(p prompt) {
	p.ticket = s.prompt.ticket + 1
	s.prompt = p
	s.setEcho(false)
	s.reply(p.text())
}

// endPrompt forgets the pending question and shows typing again.
func (s *Session) endPrompt() {
	s.prompt = prompt{ticket: s.prompt.ticket + 1}
	s.setEcho(true)
}

// setEcho turns the telnet client's local echo on (true) or off. The server
// says WILL ECHO to take echoing over, and then echoes nothing; WONT ECHO
// hands it back. Raw clients are never sent telnet bytes.
func (s *Session) setEcho(local bool) {
	tn := s.framer.Telnet()
	if !tn.IsTelnet() {
		return
	}
	var b [6]byte
	var out []byte
	if local {
		out = tn.Disable(b[:0], wire.OptEcho)
	} else {
		out = tn.Enable(b[:0], wire.OptEcho)
	}
	if len(out) > 0 {
		s.TelnetReply(out)
	}
}

// answer takes a line typed at a prompt. It never reaches anyone, is never
// repeated back, and an empty line cancels.
func (s *Session) answer(line string) {
	p := &s.prompt
	if p.busy {
		s.reply("still checking the password you typed before: this line was not used")
		return
	}
	if line == "" {
		was := p.purpose
		s.endPrompt()
		if was == forLogin {
			s.reply("cancelled: type another nickname")
		} else {
			s.reply("cancelled")
		}
		return
	}
	switch p.ask {
	case askLoginPassword, askCurrentPassword:
		s.checkPassword(line)
	case askNewPassword:
		if err := checkPassword(line); err != nil {
			s.reply(err.Error() + "; try again (an empty line cancels)")
			s.reply(p.text())
			return
		}
		p.first, p.ask = line, askNewAgain
		s.reply(p.text())
	case askNewAgain:
		if line != p.first {
			p.first, p.ask = "", askNewPassword
			s.reply("the two passwords differ; start again")
			s.reply(p.text())
			return
		}
		s.storeNewPassword(line)
	}
}

// checkPassword rules on a new password.
func checkPassword(pw string) error {
	switch n := utf8.RuneCountInString(pw); {
	case n < MinPasswordLen:
		return fmt.Errorf("a password needs at least %d characters", MinPasswordLen)
	case n > MaxPasswordLen:
		return fmt.Errorf("a password has at most %d characters", MaxPasswordLen)
	}
	return nil
}

// checkPassword asks the Store whether pw is the prompt's account password,
// unless the guessing throttle says to wait.
func (s *Session) checkPassword(pw string) {
	t, p := s.t, &s.prompt
	if wait := t.guesses.wait(t.now, s.addrKey(), "acct:"+p.key); wait > 0 {
		t.stats.AuthThrottled.Add(1)
		s.reply(fmt.Sprintf("too many wrong passwords for %s or from your address: try again in %s", p.name, wait.Round(time.Second)))
		s.reply(p.text()) // the question stands: every reply that keeps it open ends with it
		return
	}
	p.busy = true
	ticket := p.ticket
	t.cfg.Store.Verify(p.key, pw, func(ok bool, err error) {
		if !s.Alive() || s.prompt.ticket != ticket {
			return // the user left or gave up meanwhile
		}
		s.prompt.busy = false
		switch {
		case errors.Is(err, ErrStoreBusy):
			s.t.fault("verify", err)
			s.reply("the server is busy checking passwords; type your password again in a moment")
			s.reply(s.prompt.text())
		case err != nil:
			s.t.fault("verify", err)
			s.endPrompt()
			s.reply("cannot check passwords right now; try again later")
		case !ok:
			s.wrongPassword()
		default:
			s.t.guesses.forget("acct:" + s.prompt.key)
			s.rightPassword(pw)
		}
	})
}

// wrongPassword counts a wrong answer: the third in a row closes the
// connection.
func (s *Session) wrongPassword() {
	t, p := s.t, &s.prompt
	t.stats.AuthFailures.Add(1)
	t.guesses.fail(t.now, s.addrKey(), "acct:"+p.key)
	t.audit(AuditEvent{Action: "password-wrong", Actor: s.remote, Target: p.name})
	p.wrong++
	if p.wrong >= MaxWrongAnswers {
		s.endPrompt()
		s.reply("wrong password; goodbye")
		t.end(s, ReasonAuth, ReasonAuth.String())
		return
	}
	s.reply("wrong password; try again (an empty line cancels)")
	s.reply(p.text())
}

// rightPassword goes on with what the checked password was for.
func (s *Session) rightPassword(pw string) {
	p := s.prompt
	switch p.purpose {
	case forLogin:
		s.endPrompt()
		s.check(s.t.welcome(s, p.name, p.key))
	case forPasswd:
		if p.first != "" { // the one-line form gave the new password already
			s.storeNewPassword(p.first)
			return
		}
		s.askFor(prompt{ask: askNewPassword, purpose: forPasswd, name: s.nick, key: s.key})
	case forUnregister:
		s.endPrompt()
		s.unregister()
	}
}

// storeNewPassword has the Store keep a new password, for /register or
// /passwd, and says so once it is on disk.
func (s *Session) storeNewPassword(pw string) {
	p := s.prompt
	s.endPrompt()
	if p.purpose == forRegister {
		s.register(pw)
		return
	}
	ticket := s.prompt.ticket
	s.t.cfg.Store.SetPassword(p.key, pw, func(err error) {
		if !s.Alive() || s.prompt.ticket != ticket {
			return
		}
		if err != nil {
			s.t.fault("set password", err)
			s.reply("your password was not changed: the server could not store it")
			return
		}
		s.reply("password changed for " + p.name)
	})
}

// register makes s's nickname an account with password pw.
func (s *Session) register(pw string) {
	t := s.t
	a := Account{Key: s.key, Display: s.nick, Operator: t.opers[s.key]}
	nick, key := s.nick, s.key
	t.pendingRegs[key] = s.id
	t.cfg.Store.Register(a, pw, func(err error) {
		delete(t.pendingRegs, key)
		if err != nil {
			if s.Alive() {
				s.reply(fmt.Sprintf("%s was not registered: %v", nick, err))
			}
			return
		}
		t.accounts[key] = &a
		t.audit(AuditEvent{Action: "register", Actor: nick, Remote: s.remote})
		if !s.Alive() || s.key != key {
			return
		}
		s.account = key
		s.operator = a.Operator
		msg := "registered " + nick + ": logging in as " + nick + " now asks for this password"
		if a.Operator {
			msg += "; you are an operator (/help lists the operator commands)"
		}
		s.reply(msg)
	})
}

// unregister drops the account of s's nickname.
func (s *Session) unregister() {
	t, key, nick := s.t, s.key, s.nick
	t.cfg.Store.Unregister(key, func(err error) {
		if err != nil {
			t.fault("unregister", err)
			if s.Alive() {
				s.reply(nick + " is still registered: the server could not store the change")
			}
			return
		}
		delete(t.accounts, key)
		t.audit(AuditEvent{Action: "unregister", Actor: nick, Remote: s.remote})
		for _, x := range t.users {
			if x.account == key {
				x.account, x.operator = "", false
			}
		}
		if s.Alive() {
			s.reply(nick + " is no longer registered")
		}
	})
}

// registering reports whether key's registration is being stored.
func (t *Table) registering(key string) bool {
	_, ok := t.pendingRegs[key]
	return ok
}

// addrKey is the throttle key of the session's peer address: the address
// itself, or its /64 for IPv6, as the reactor's per-IP cap counts it.
func (s *Session) addrKey() string {
	ap, err := netip.ParseAddrPort(s.remote)
	if err != nil {
		return "addr:" + s.remote
	}
	a := ap.Addr().Unmap()
	if a.Is6() && !a.IsLoopback() {
		if p, err := a.WithZone("").Prefix(64); err == nil {
			return "addr:" + p.String()
		}
	}
	return "addr:" + a.String()
}

// isLoopback reports whether the session comes from the server's own
// machine.
func (s *Session) isLoopback() bool {
	ap, err := netip.ParseAddrPort(s.remote)
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

// guesses is the password-guessing throttle: recent failures per address
// and per account.
type guesses map[string]*guessLog

// guessLog is one key's recent failures.
type guessLog struct {
	first time.Time // start of the current window
	n     int       // failures since first
	last  time.Time // the latest failure
}

// wait returns how long the next try from any of keys must wait, or 0.
func (g guesses) wait(now time.Time, keys ...string) time.Duration {
	var longest time.Duration
	for _, k := range keys {
		l := g[k]
		if l == nil || now.Sub(l.first) > GuessWindow || l.n < GuessFree {
			continue
		}
		d := GuessBaseDelay << min(l.n-GuessFree, 20)
		d = min(d, GuessMaxDelay)
		if w := l.last.Add(d).Sub(now); w > longest {
			longest = w
		}
	}
	return longest
}

// fail records a failure against every key.
func (g guesses) fail(now time.Time, keys ...string) {
	for _, k := range keys {
		l := g[k]
		if l == nil || now.Sub(l.first) > GuessWindow {
			l = &guessLog{first: now}
			g[k] = l
		}
		l.n++
		l.last = now
	}
}

// forget clears the account's record after a right password; the address
// keeps its record, so one right password cannot launder many guesses.
func (g guesses) forget(account string) { delete(g, account) }

// expire forgets windows that have passed, so the throttle's memory is
// bounded by the failures of the last GuessWindow plus GuessMaxDelay.
func (g guesses) expire(now time.Time) {
	for k, l := range g {
		if now.Sub(l.last) > GuessWindow+GuessMaxDelay {
			delete(g, k)
		}
	}
}

// accountCommands are the commands of registered nicknames, in /help
// order; a Table has them when it has a Store.
func accountCommands() []*Command {
	return []*Command{
		{Name: "register", Usage: "[PASSWORD]", Help: "registers your nickname: logging in with it then asks for the password",
			Requires: LoggedIn, Secret: true, Run: cmdRegister},
		{Name: "passwd", Usage: "[CURRENT NEW]", Help: "changes your registered nickname's password",
			Requires: LoggedIn, Secret: true, Run: cmdPasswd},
		{Name: "unregister", Usage: "[PASSWORD]", Help: "drops your nickname's registration",
			Requires: LoggedIn, Secret: true, Run: cmdUnregister},
	}
}

// cmdRegister: /register [PASSWORD]
func cmdRegister(s *Session, args string) error {
	t := s.t
	switch {
	case t.accounts[s.key] != nil:
		return fmt.Errorf("%s is registered already (/passwd changes the password)", s.nick)
	case t.opers[s.key] && !s.isLoopback():
		t.audit(AuditEvent{Action: "register-refused", Actor: s.nick, Remote: s.remote, Detail: "operator name from a remote address"})
		return fmt.Errorf("%s is reserved for an operator: register it from the server's own machine", s.nick)
	case t.registering(s.key):
		return fmt.Errorf("%s is being registered already", s.nick)
	}
	if args == "" {
		s.askFor(prompt{ask: askNewPassword, purpose: forRegister, name: s.nick, key: s.key})
		return nil
	}
	if err := checkPassword(args); err != nil {
		return err
	}
	s.register(args)
	return nil
}

// cmdPasswd: /passwd [CURRENT NEW]
func cmdPasswd(s *Session, args string) error {
	if err := s.ownAccount(); err != nil {
		return err
	}
	if args == "" {
		s.askFor(prompt{ask: askCurrentPassword, purpose: forPasswd, name: s.nick, key: s.key})
		return nil
	}
	current, next := cutWord(args)
	if next == "" {
		return usageError{"/passwd [CURRENT NEW]"}
	}
	if err := checkPassword(next); err != nil {
		return err
	}
	s.askOrCheck(prompt{ask: askCurrentPassword, purpose: forPasswd, name: s.nick, key: s.key, first: next}, current)
	return nil
}

// cmdUnregister: /unregister [PASSWORD]
func cmdUnregister(s *Session, args string) error {
	if err := s.ownAccount(); err != nil {
		return err
	}
	s.askOrCheck(prompt{ask: askCurrentPassword, purpose: forUnregister, name: s.nick, key: s.key}, args)
	return nil
}

// askOrCheck puts p's question, or, when the password came on the command
// line already, checks it as the answer.
func (s *Session) askOrCheck(p prompt, pw string) {
	if pw == "" {
		s.askFor(p)
		return
	}
	p.ticket = s.prompt.ticket + 1
	s.prompt = p
	s.checkPassword(pw)
}

// ownAccount reports why s is not logged in to its nickname's account.
func (s *Session) ownAccount() error {
	switch {
	case s.account != s.key || s.account == "":
		return fmt.Errorf("%s is not registered (/register registers it)", s.nick)
	}
	return nil
}
