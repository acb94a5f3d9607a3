package session

// route is the one place every message between users passes through, the
// shape of ssh-chat's Room.HandleMsg: room talk goes to the room's history
// and then to its members, an announcement to its room,
// a private message to its receiver. A cluster observes here what this
// server's users say and injects here what other servers' users said.
// Replies to one session (Session.reply) do not pass: they never leave the
// server and are nobody else's business.
func (t *Table) route(m *Message) {
	switch m.Kind {
	case Chat, Emote:
		r := t.rooms[m.Room]
		if r == nil {
			return
		}
		r.history.add(*m)
		if t.cfg.Store != nil {
			t.cfg.Store.SaveHistory(r.key, *m)
		}
		t.broadcast(r.members, m)
		t.remoteTalk(m, r)
	case Announce:
		if r := t.rooms[m.Room]; r != nil {
			t.broadcast(r.members, m)
		}
	case PrivateFrom:
		if to := t.users[m.ToID]; to != nil && !to.hides(m) {
			to.deliver(m)
			to.lastFrom = userRef{id: m.FromID, nick: m.From}
		}
	}
}

// broadcast queues m for every session in to that should see it. The line
// is rendered once per render key (charset, timestamps), not once per
// recipient.
func (t *Table) broadcast(to []*Session, m *Message) {
	t.cache.reset(m)
	n := 0
	for _, s := range to {
		if (s.id == m.FromID && !s.settings.Echo) || ((s.settings.HideTalk || len(s.ignoring) > 0) && s.hides(m)) {
			continue
		}
		s.send(t.cache.line(&t.render, s.settings.render()))
		n++
	}
	t.deliveries += uint64(n)
}

// tellAll sends the announcement text to every session keep accepts, with
// the broadcast cache: rendered once per render key, not per session.
func (t *Table) tellAll(text string, keep func(*Session) bool) {
	m := &Message{Kind: Announce, Text: text, Time: t.now}
	t.cache.reset(m)
	n := 0
	for _, s := range t.sessions {
		if keep(s) {
			s.send(t.cache.line(&t.render, s.settings.render()))
			n++
		}
	}
	t.deliveries += uint64(n)
}

// announce tells every member of r.
func (t *Table) announce(r *Room, text string) {
	t.route(&Message{Kind: Announce, Room: r.key, Text: text, Time: t.now})
}

// talk says text (chat or emote) from s to its room.
func (t *Table) talk(s *Session, kind Kind, text string) {
	if s.muted() {
		return
	}
	t.route(&Message{Kind: kind, From: s.nick, FromID: s.id, Room: s.room.key, Text: text, Time: t.now})
}

// private sends text from s to the user to; s gets the "[PM to …]" copy.
func (t *Table) private(s, to *Session, text string) {
	if s.muted() {
		return
	}
	t.route(&Message{Kind: PrivateFrom, From: s.nick, FromID: s.id, To: to.nick, ToID: to.id, Text: text, Time: t.now})
	s.deliver(&Message{Kind: PrivateTo, To: to.nick, ToID: to.id, Text: text, Time: t.now})
}
