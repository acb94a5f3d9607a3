package session

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"
)

// AuditEvent is something an operator did, or a login that went wrong,
// for the reactor to log (slog) and count (metrics). It never carries a
// password.
type AuditEvent struct {
	Action string // "kick", "ban", "password-wrong", …: a metric label
	Actor  string // the operator's nickname, or the peer address
	Target string // whom it was done to
	Remote string // the actor's peer address, when known
	Detail string // reason, duration, …
}

// audit hands e to Config.Audit.
func (t *Table) audit(e AuditEvent) {
	if t.cfg.Audit != nil {
		t.cfg.Audit(e)
	}
}

// fault reports an error the server caused (a store that failed) to
// Config.Fault; the user is told separately, in a line that says what did
// not happen.
func (t *Table) fault(what string, err error) {
	if errors.Is(err, ErrStoreBusy) {
		t.stats.StoreBusy.Add(1)
		return
	}
	t.stats.StoreErrors.Add(1)
	if t.cfg.Fault != nil {
		t.cfg.Fault(what, err)
	}
}

// operatorCommands are the commands for operators, in /help order.
func operatorCommands() []*Command {
	return []*Command{
		{Name: "kick", Usage: "NICK [reason]", Help: "disconnects a user; the room is told who and why",
			Requires: Operator, MinArgs: 1, Run: cmdKick},
		{Name: "ban", Usage: "NICK|ADDRESS|CIDR [DURATION] [reason]", Help: "bars a nickname and its address, or an address range (DURATION like 30m, 12h, 7d; none: for good)",
			Requires: Operator, MinArgs: 1, Run: cmdBan},
		{Name: "unban", Usage: "NICK|ADDRESS|CIDR", Help: "lifts a ban", Requires: Operator, MinArgs: 1, Run: cmdUnban},
		{Name: "bans", Help: "lists the bans, with who set each and until when", Requires: Operator, Run: cmdBans},
		{Name: "mute", Usage: "NICK [DURATION]", Help: "nobody sees the user's chat, emotes or private messages",
			Requires: Operator, MinArgs: 1, Run: cmdMute},
		{Name: "unmute", Usage: "NICK", Help: "lifts a mute", Requires: Operator, MinArgs: 1, Run: cmdUnmute},
		{Name: "op", Usage: "NICK", Help: "makes a registered user an operator", Requires: Operator, MinArgs: 1, Run: cmdOp},
		{Name: "deop", Usage: "NICK", Help: "takes operator rights back", Requires: Operator, MinArgs: 1, Run: cmdDeop},
		{Name: "wall", Usage: "text", Help: "an announcement to everyone online", Requires: Operator, MinArgs: 1, Run: cmdWall},
	}
}

// cmdKick: /kick NICK [reason]
func cmdKick(s *Session, args string) error {
	nick, reason := cutWord(args)
	x, err := s.t.find(nick)
	if err != nil {
		return err
	}
	if x == s {
		return fmt.Errorf("%w: /quit leaves", ErrSelf)
	}
	if err := s.t.owner(x.key, x.nick); err != nil {
		return err
	}
	s.t.audit(AuditEvent{Action: "kick", Actor: s.nick, Target: x.nick, Remote: s.remote, Detail: reason})
	s.t.expel(x, ReasonKicked, "kicked by "+s.nick, reason)
	s.reply("kicked " + x.nick)
	return nil
}

// expel ends x's session for an operator's action: x is told, and the room
// reads who did it and why, the why quoted as the operator's words.
func (t *Table) expel(x *Session, reason CloseReason, by, why string) {
	what := by
	if why != "" {
		what += ": " + strconv.Quote(why)
	}
	x.reply("you were " + what)
	t.end(x, reason, what)
}

// cmdBan: /ban NICK|ADDRESS|CIDR [DURATION] [reason]
func cmdBan(s *Session, args string) error {
	t := s.t
	target, rest := cutWord(args)
	b := Ban{SetBy: s.nick, Set: t.now}
	if d, more, ok := cutDuration(rest); ok {
		b.Until, rest = t.now.Add(d), more
	} else if word, _ := cutWord(rest); looksLikeDuration(word) {
		return fmt.Errorf("%q is not a duration: use 90s, 30m, 12h, 7d or 2w (none: for good)", word)
	}
	b.Reason = rest
	bans := []Ban{b}
	var online *Session
	if p, ok := parsePrefix(target); ok {
		bans[0].Prefix = p
	} else {
		if err := CheckNick(target); err != nil || strings.Trim(target, "0123456789.") == "" {
			return fmt.Errorf("%s is neither a nickname, an address nor a CIDR range", target)
		}
		bans[0].Nick = t.fold.key(target)
		if err := t.owner(bans[0].Nick, target); err != nil {
			return err
		}
		if x, err := t.find(target); err == nil {
			online = x
			if x == s {
				return fmt.Errorf("%w: you cannot ban yourself", ErrSelf)
			}
			if a, ok := addrOf(x.remote); ok {
				ab := b
				ab.Prefix = netip.PrefixFrom(a, a.BitLen())
				bans = append(bans, ab)
			}
		}
	}
	for _, nb := range bans {
		if nb.Prefix.IsValid() && nb.Prefix.Contains(addrOrZero(s.remote)) {
			return fmt.Errorf("%w: that would ban your own address %s", ErrSelf, nb.Target())
		}
		if nb.Prefix.IsValid() && coversLoopback(nb.Prefix) && !t.opers[s.key] {
			// The server's own machine is how its owner gets in (an
			// -opers name registers only from there): only the owner may
			// close it.
			return fmt.Errorf("%s covers the server's own machine: only an operator of the server's -opers flag can ban it", nb.Target())
		}
		for _, x := range t.users {
			if nb.Prefix.IsValid() && nb.Prefix.Contains(addrOrZero(x.remote)) {
				if err := t.owner(x.key, x.nick); err != nil {
					return fmt.Errorf("that would ban the address of %s, %v", x.nick, err)
				}
			}
		}
	}
	pending := len(bans)
	var failed error
	for _, nb := range bans {
		t.cfg.Store.AddBan(nb, func(err error) {
			if err != nil {
				failed = err
			}
			if pending--; pending > 0 {
				return
			}
			if failed != nil {
				t.fault("ban", failed)
				if s.Alive() {
					s.reply("not banned: the server could not store the ban")
				}
				return
			}
			t.setBans(bans...)
			t.audit(AuditEvent{Action: "ban", Actor: s.nick, Target: target, Remote: s.remote, Detail: b.describe(t.now) + " " + b.Reason})
			if s.Alive() {
				s.reply("banned " + target + b.describe(t.now))
			}
			if online != nil && online.Alive() {
				t.expel(online, ReasonBanned, "banned by "+s.nick, b.Reason)
			}
			t.expelBanned(bans, s.nick, b.Reason)
		})
	}
	return nil
}

// expelBanned disconnects whoever is connected from a newly banned range.
func (t *Table) expelBanned(bans []Ban, by, why string) {
	for _, x := range slices.Clone(t.sessions) {
		if !x.Alive() {
			continue
		}
		a, ok := addrOf(x.remote)
		if !ok {
			continue
		}
		for _, b := range bans {
			if b.Prefix.IsValid() && b.Prefix.Contains(a) {
				t.expel(x, ReasonBanned, "banned by "+by, why)
				break
			}
		}
	}
}

// setBans adds bans to the table's list, replacing bans of the same target.
func (t *Table) setBans(bans ...Ban) {
	for _, b := range bans {
		t.bans = slices.DeleteFunc(t.bans, func(x Ban) bool { return x.Target() == b.Target() })
		t.bans = append(t.bans, b)
	}
}

// cmdUnban: /unban NICK|ADDRESS|CIDR
func cmdUnban(s *Session, args string) error {
	t := s.t
	target, _ := cutWord(args)
	key := target
	if p, ok := parsePrefix(target); ok {
		key = Ban{Prefix: p}.Target()
	} else {
		key = t.fold.key(target)
	}
	i := slices.IndexFunc(t.bans, func(b Ban) bool { return b.Target() == key })
	if i < 0 {
		return fmt.Errorf("%s is not banned", target)
	}
	b := t.bans[i]
	t.cfg.Store.RemoveBan(b, func(err error) {
		if err != nil {
			t.fault("unban", err)
			if s.Alive() {
				s.reply(target + " is still banned: the server could not store the change")
			}
			return
		}
		t.bans = slices.DeleteFunc(t.bans, func(x Ban) bool { return x.Target() == key })
		t.audit(AuditEvent{Action: "unban", Actor: s.nick, Target: target, Remote: s.remote})
		if s.Alive() {
			s.reply("unbanned " + target)
		}
	})
	return nil
}

// cmdBans: /bans
func cmdBans(s *Session, _ string) error {
	t := s.t
	if len(t.bans) == 0 {
		s.reply("no bans")
		return nil
	}
	s.reply(plural(len(t.bans), "ban") + ":")
	for _, b := range t.bans {
		kind := "nickname"
		if b.Prefix.IsValid() {
			kind = "address"
			if !b.Prefix.IsSingleIP() {
				kind = "range"
			}
		}
		line := fmt.Sprintf("  %s (%s), set by %s%s", b.Target(), kind, b.SetBy, b.describe(t.now))
		if b.Reason != "" {
			line += ": " + strconv.Quote(b.Reason)
		}
		s.reply(line)
	}
	return nil
}

// describe says until when the ban lasts, for replies.
func (b Ban) describe(now time.Time) string {
	return until(b.Until, now)
}

// until formats an end time for replies: " until 2026-11-30 15:04 (in 2h0m)"
// or " for good".
func until(end, now time.Time) string {
	if end.IsZero() {
		return " for good"
	}
	return fmt.Sprintf(" until %s (in %s)", end.Format("2006-01-02 15:04"), end.Sub(now).Round(time.Second))
}

// nickBan returns the ban on the nickname key, if one is in force.
func (t *Table) nickBan(key string) (Ban, bool) {
	for _, b := range t.bans {
		if b.Nick == key && !b.expired(t.now) {
			return b, true
		}
	}
	return Ban{}, false
}

// AddrBan returns the ban in force on a, if any: the reactor refuses a
// connection from a banned address before it has a session.
func (t *Table) AddrBan(a netip.Addr) (Ban, bool) {
	a = a.Unmap().WithZone("") // as peers' addresses are compared everywhere
	now := t.cfg.Now()
	for _, b := range t.bans {
		if b.Prefix.IsValid() && b.Prefix.Contains(a) && !b.expired(now) {
			return b, true
		}
	}
	return Ban{}, false
}

// BanNotice is the one line a connection from a banned address reads.
func BanNotice(b Ban, now time.Time) string {
	s := "you are banned from this server" + until(b.Until, now)
	if b.Reason != "" {
		s += ": " + strconv.Quote(b.Reason)
	}
	return s
}

// cmdMute: /mute NICK [DURATION]
func cmdMute(s *Session, args string) error {
	t := s.t
	nick, rest := cutWord(args)
	if err := CheckNick(nick); err != nil {
		return err
	}
	m := Mute{Key: t.fold.key(nick), SetBy: s.nick, Set: t.now}
	if rest != "" {
		d, more, ok := cutDuration(rest)
		if !ok || more != "" {
			return usageError{"/mute NICK [DURATION]"}
		}
		m.Until = t.now.Add(d)
	}
	if m.Key == s.key {
		return fmt.Errorf("%w: you cannot mute yourself", ErrSelf)
	}
	if err := t.owner(m.Key, nick); err != nil {
		return err
	}
	mutes := []Mute{m}
	if x := t.users[t.nicks[m.Key]]; x != nil {
		// The address is muted with the name, as a ban bans both, so that
		// reconnecting under another name does not end the mute.
		// Not a loopback address: everyone who reaches the server from its
		// own machine (over ssh, say) shares it.
		if a, ok := addrOf(x.remote); ok && !a.IsLoopback() {
			am := m
			am.Key = addrMuteKey(a)
			mutes = append(mutes, am)
		}
	}
	pending := len(mutes)
	var failed error
	for _, mm := range mutes {
		t.cfg.Store.AddMute(mm, func(err error) {
			if err != nil {
				failed = err
			}
			if pending--; pending == 0 {
				t.muteStored(s, nick, mutes, failed)
			}
		})
	}
	return nil
}

// addrMuteKey is the key under which a muted address is kept beside muted
// nicknames: '@' starts no nickname.
func addrMuteKey(a netip.Addr) string { return "@" + a.String() }

// muteStored applies mutes once the store has them all, and tells.
func (t *Table) muteStored(s *Session, nick string, mutes []Mute, failed error) {
	if failed != nil {
		t.fault("mute", failed)
		if s.Alive() {
			s.reply(nick + " is not muted: the server could not store the mute")
		}
		return
	}
	m := mutes[0]
	for _, mm := range mutes {
		t.mutes[mm.Key] = mm
	}
	t.audit(AuditEvent{Action: "mute", Actor: s.nick, Target: nick, Remote: s.remote, Detail: until(m.Until, t.now)})
	if s.Alive() {
		s.reply("muted " + nick + until(m.Until, t.now))
	}
	if x := t.users[t.nicks[m.Key]]; x != nil {
		x.reply("you are muted" + until(m.Until, t.now) + ": nobody sees your chat, emotes or private messages")
		x.toldMuted = true
	}
}

// cmdUnmute: /unmute NICK|ADDRESS
//
// A nickname's mute goes with the address mute set with it.
func cmdUnmute(s *Session, args string) error {
	t := s.t
	key := t.fold.key(args)
	if a, err := netip.ParseAddr(args); err == nil {
		key = addrMuteKey(a.Unmap().WithZone(""))
	}
	nm, ok := t.mutes[key]
	if !ok {
		return fmt.Errorf("%s is not muted", args)
	}
	keys := []string{key}
	for k, am := range t.mutes {
		if k != key && k[0] == '@' && key[0] != '@' && am.Set.Equal(nm.Set) && am.SetBy == nm.SetBy {
			keys = append(keys, k)
		}
	}
	pending := len(keys)
	var failed error
	for _, k := range keys {
		t.cfg.Store.RemoveMute(k, func(err error) {
			if err != nil {
				failed = err
			}
			if pending--; pending > 0 {
				return
			}
			if failed != nil {
				t.fault("unmute", failed)
				if s.Alive() {
					s.reply(args + " is still muted: the server could not store the change")
				}
				return
			}
			for _, k := range keys {
				delete(t.mutes, k)
			}
			t.audit(AuditEvent{Action: "unmute", Actor: s.nick, Target: args, Remote: s.remote})
			if s.Alive() {
				s.reply("unmuted " + args)
			}
			if x := t.users[t.nicks[key]]; x != nil {
				x.toldMuted = false
				x.reply("you are no longer muted")
			}
		})
	}
	return nil
}

// muted reports whether s may not be heard now, telling s once.
func (s *Session) muted() bool {
	if len(s.t.mutes) == 0 {
		return false // the common case, on every line said: no parsing
	}
	key := s.key
	m, ok := s.t.mutes[key]
	if !ok {
		if a, isAddr := addrOf(s.remote); isAddr {
			key = addrMuteKey(a)
			m, ok = s.t.mutes[key]
		}
	}
	if !ok {
		return false
	}
	if m.expired(s.t.now) {
		delete(s.t.mutes, key)
		s.t.cfg.Store.RemoveMute(key, func(err error) {
			if err != nil {
				s.t.fault("expire mute", err)
			}
		})
		return s.muted() // the other key may hold a mute still
	}
	if !s.toldMuted {
		s.toldMuted = true
		s.reply("you are muted" + until(m.Until, s.t.now) + ": nobody sees your chat, emotes or private messages")
	}
	return true
}

// cmdOp: /op NICK
func cmdOp(s *Session, args string) error { return s.setOperator(args, true) }

// cmdDeop: /deop NICK
func cmdDeop(s *Session, args string) error { return s.setOperator(args, false) }

// setOperator grants or takes back operator rights of a registered nick.
func (s *Session) setOperator(nick string, op bool) error {
	t := s.t
	key := t.fold.key(nick)
	a := t.accounts[key]
	switch {
	case CheckNick(nick) != nil || a == nil:
		return fmt.Errorf("%s is not registered: only registered nicknames can be operators", nick)
	case !op && t.opers[key]:
		return fmt.Errorf("%s is an operator by the server's -opers flag, which only the server's owner can change", a.Display)
	case a.Operator == op:
		if op {
			return fmt.Errorf("%s is an operator already", a.Display)
		}
		return fmt.Errorf("%s is not an operator", a.Display)
	}
	t.cfg.Store.SetOperator(key, op, func(err error) {
		if err != nil {
			t.fault("op", err)
			if s.Alive() {
				s.reply("nothing changed: the server could not store it")
			}
			return
		}
		a.Operator = op
		action, news := "deop", "you are no longer an operator"
		if op {
			action, news = "op", "you are now an operator (/help lists the operator commands)"
		}
		t.audit(AuditEvent{Action: action, Actor: s.nick, Target: a.Display, Remote: s.remote})
		if x := t.users[t.nicks[key]]; x != nil && x.account == key {
			x.operator = op || t.opers[key]
			if x != s {
				x.reply(news)
			}
		}
		if s.Alive() {
			s.reply(action + " " + a.Display + ": done")
		}
	})
	return nil
}

// cmdWall: /wall text
func cmdWall(s *Session, args string) error {
	t := s.t
	t.audit(AuditEvent{Action: "wall", Actor: s.nick, Remote: s.remote, Detail: args})
	t.tellAll("announcement from "+s.nick+": "+args, (*Session).loggedIn)
	return nil
}

// owner reports an error if key is one of the server owner's -opers
// names: other operators cannot kick, ban or mute them, or the owner could
// be locked out of their own server.
func (t *Table) owner(key, nick string) error {
	if t.opers[key] {
		return fmt.Errorf("%s is an operator by the server's -opers flag, which only the server's owner can change", nick)
	}
	return nil
}

// looksLikeDuration reports whether word was meant as a duration: it
// starts with a digit or a sign. A nickname cannot.
func looksLikeDuration(word string) bool {
	return word != "" && (word[0] >= '0' && word[0] <= '9' || word[0] == '-' || word[0] == '+')
}

// cutDuration reads a leading duration from s and returns it with the
// rest: 90s, 30m, 12h, 7d, 2w, or anything time.ParseDuration takes.
func cutDuration(s string) (time.Duration, string, bool) {
	word, rest := cutWord(s)
	if d, ok := parseDuration(word); ok {
		return d, rest, true
	}
	return 0, s, false
}

// maxDays bounds a duration in days or weeks, well inside time.Duration.
const maxDays = 100 * 365

// parseDuration reads one duration word; it must be positive.
func parseDuration(word string) (time.Duration, bool) {
	if n := len(word); n > 1 && (word[n-1] == 'd' || word[n-1] == 'w') {
		k, err := strconv.Atoi(word[:n-1])
		if word[n-1] == 'w' {
			k *= 7
		}
		if err != nil || k <= 0 || k > maxDays {
			return 0, false
		}
		return time.Duration(k) * 24 * time.Hour, true
	}
	d, err := time.ParseDuration(word)
	return d, err == nil && d > 0
}

// parsePrefix reads an address ("192.0.2.7", "2001:db8::1") as a
// single-address prefix, or a CIDR range, masked. An IPv4-mapped IPv6 range
// (::ffff:192.0.2.0/120) is the IPv4 range it maps, since peers' addresses
// are unmapped before they are compared.
func parsePrefix(s string) (netip.Prefix, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap().WithZone("")
		return netip.PrefixFrom(a, a.BitLen()), true
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, false
	}
	if a := p.Addr(); a.Is4In6() && p.Bits() >= 96 {
		p = netip.PrefixFrom(a.Unmap(), p.Bits()-96)
	}
	return p.Masked(), true
}

// coversLoopback reports whether p holds a loopback address (127.0.0.1 or
// ::1).
func coversLoopback(p netip.Prefix) bool {
	return p.Contains(netip.MustParseAddr("127.0.0.1")) || p.Contains(netip.IPv6Loopback())
}

// addrOf returns the address of a "host:port" peer string.
func addrOf(remote string) (netip.Addr, bool) {
	ap, err := netip.ParseAddrPort(remote)
	if err != nil {
		return netip.Addr{}, false
	}
	return ap.Addr().Unmap().WithZone(""), true
}

// addrOrZero is addrOf without the flag: the zero Addr is in no prefix.
func addrOrZero(remote string) netip.Addr {
	a, _ := addrOf(remote)
	return a
}
