package session

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// The core's side of a cluster: users on other servers (peers), cluster-
// wide nickname claims, and routing to and from the other servers. All of
// it is inert when Config.Cluster is nil.

// peer is a user on another server, as the nickname mirror shows them.
// Its identity is UserID{Node, Seq}, so ignores and /reply hold it exactly
// as they hold a local user.
type peer struct {
	id       UserID
	nick     string
	key      string
	room     string // folded room key
	roomName string
}

// claimWait is a claim of a nickname waiting for the other servers.
type claimWait struct {
	s      *Session
	name   string
	key    string
	rename bool
}

// histWait is a room new to this server whose history is being fetched
// from another: who entered meanwhile, and the live lines that came.
type histWait struct {
	joiners []*Session
	live    []RemoteEvent
	since   time.Time
}

// histTimeout ends a wait for history that never came (the cluster
// answers within its own timeout; this is the backstop).
const histTimeout = 2 * time.Second

// gonePeer is a peer whose name was released without a leave line (yet).
// A server that stops releases its names right after its lease, but the
// two arrive through separate watchers, in either order: the names may
// come first, and the node's loss must still announce these users.
type gonePeer struct {
	p  *peer
	at time.Time
}

// whoisWait is a /whois asked of another server.
type whoisWait struct {
	nick string
	at   time.Time
}

// errNoHistory ends a wait for history that never came.
var errNoHistory = errors.New("no history from the other servers")

// whoisTimeout is how long a /whois waits for another server's answer.
const whoisTimeout = time.Second

// goneKeep is how long a gonePeer waits for its node's loss or its leave
// line.
const goneKeep = 5 * time.Second

// remoteState is the Table's cluster state.
type remoteState struct {
	cl       Cluster
	self     string
	peers    map[UserID]*peer
	claims   map[UserID]*claimWait // by the claiming session
	claiming map[string]UserID     // keys being claimed, by whom
	granted  string                // the key a finished claim is being applied for
	hist     map[string]*histWait  // by room key
	gone     map[UserID]gonePeer   // peers whose name went without a leave line, lately
	whois    map[UserID]whoisWait  // /whois questions to other servers, by asker
	down     bool                  // the link is down or fenced; users were told
	upAt     time.Time             // when the link last came back
	suspects map[string]time.Time  // nodes reported lost while this one was cut off, by when
	dropped  int                   // lines lost on the way in, not yet told
	droppedT time.Time             // when users were last told
}

func (rs *remoteState) init(cl Cluster) {
	rs.cl = cl
	rs.self = cl.ID()
	rs.peers = make(map[UserID]*peer)
	rs.claims = make(map[UserID]*claimWait)
	rs.claiming = make(map[string]UserID)
	rs.hist = make(map[string]*histWait)
	rs.gone = make(map[UserID]gonePeer)
	rs.whois = make(map[UserID]whoisWait)
	rs.suspects = make(map[string]time.Time)
}

// textShutdown is the reason a server stopping on purpose gives.
const textShutdown = "server shutting down"

// nodeGrace is how long a server reported lost while this one was cut
// off (or just after) may take to show it is alive: a NATS server that
// restarts forgets every lease, and the others renew theirs within one
// lease (15 s). Only then are its users announced as left.
const nodeGrace = 20 * time.Second

// Remote is the entry point for what other servers said and what the link
// to them reports, in arrival order. Call it on the event loop.
func (t *Table) Remote(evs []RemoteEvent) {
	if t.rc.cl == nil {
		return
	}
	t.enter()
	for i := range evs {
		t.remoteEvent(&evs[i])
	}
	t.stats.RemoteUsers.Store(int64(len(t.rc.peers)))
	t.leave()
}

func (t *Table) remoteEvent(ev *RemoteEvent) {
	switch ev.Kind {
	case EvChat, EvEmote:
		r := t.rooms[ev.RoomKey]
		if r == nil {
			return
		}
		if w := t.rc.hist[r.key]; w != nil {
			w.live = append(w.live, *ev)
			return
		}
		m := t.remoteMessage(ev, r.key)
		t.route(&m)
	case EvJoin:
		if r := t.rooms[ev.RoomKey]; r != nil && t.rc.hist[r.key] == nil {
			t.joined(r, ev.From)
		}
	case EvLeave:
		if !strings.HasPrefix(ev.Text, "to #") { // gone, not moving: told here, not by a node loss
			id := t.remoteID(ev.Origin, ev.SID)
			delete(t.rc.gone, id)
			if p := t.rc.peers[id]; p != nil {
				t.peerGone(p.key, Presence{Node: id.Node, SID: id.Seq})
				delete(t.rc.gone, id)
			}
		}
		if r := t.rooms[ev.RoomKey]; r != nil && t.rc.hist[r.key] == nil {
			t.left(r, ev.From, ev.Text, t.crowded(r))
		}
	case EvRename:
		if p := t.rc.peers[t.remoteID(ev.Origin, ev.SID)]; p != nil {
			p.nick = ev.To
		}
		if r := t.rooms[ev.RoomKey]; r != nil && t.rc.hist[r.key] == nil {
			t.announce(r, ev.From+" is now known as "+ev.To)
		}
	case EvPM:
		t.remotePM(ev)
	case EvPMFailed:
		if s := t.users[UserID{Seq: ev.ToSID}]; s != nil {
			s.reply(fmt.Sprintf("%v: %s (%s)", ErrNoSuchUser, ev.From, ev.Text))
		}
	case EvWhoisQ:
		t.remoteWhois(ev)
	case EvWhoisA:
		id := UserID{Seq: ev.ToSID}
		if _, asked := t.rc.whois[id]; !asked {
			return // answered too late: the asker was told already
		}
		delete(t.rc.whois, id)
		if s := t.users[id]; s != nil {
			s.reply(ev.Text)
		}
	case EvHistQ:
		t.answerHistory(ev)
	case EvHistA:
		t.historyArrived(ev)
	case EvNickSet:
		delete(t.rc.suspects, ev.Nick.Node) // it is alive after all
		t.peerSet(ev.Key, ev.Nick)
	case EvNodeUp:
		delete(t.rc.suspects, ev.Node)
	case EvNickGone:
		t.peerGone(ev.Key, ev.Nick)
	case EvNodeLost:
		if ev.Text != textShutdown && (t.rc.down || t.now.Sub(t.rc.upAt) < nodeGrace) {
			// Seen from a link that was down: maybe only its lease
			// was forgotten. Announce it if it does not come back.
			t.rc.suspects[ev.Node] = t.now
			return
		}
		t.nodeLost(ev.Node, ev.Text)
	case EvClaimed:
		t.claimed(ev)
	case EvTaken:
		if s := t.users[UserID{Seq: ev.SID}]; s != nil && s.key == ev.Key {
			s.reply(s.nick + " " + textTakenWhileDown)
			t.end(s, ReasonKicked, "name taken while cut off")
		}
	case EvDropped:
		t.rc.dropped += ev.Count
		t.tellDropped()
	case EvUndelivered:
		if s := t.users[UserID{Seq: ev.SID}]; s != nil {
			s.reply(textNotSent)
		}
	case EvLinkDown, EvFenced:
		if !t.rc.down {
			t.rc.down = true
			t.tellEveryone(textLinkDown)
		}
	case EvLinkUp:
		t.rc.upAt = t.now
		if t.rc.down {
			t.rc.down = false
			t.tellEveryone(textLinkUp)
		}
	}
}

// remoteID is the identity of user sid on server origin: a local one when
// origin is this server (its own lines in another server's history).
func (t *Table) remoteID(origin string, sid uint64) UserID {
	if origin == t.rc.self {
		return UserID{Seq: sid}
	}
	return UserID{Node: origin, Seq: sid}
}

// remoteMessage is room talk from another server as a Message.
func (t *Table) remoteMessage(ev *RemoteEvent, room string) Message {
	k := Chat
	if ev.Kind == EvEmote {
		k = Emote
	}
	return Message{Kind: k, From: ev.From, FromID: t.remoteID(ev.Origin, ev.SID), Room: room, Text: ev.Text, Time: ev.Time}
}

// tellEveryone sends an announcement to every logged-in user.
func (t *Table) tellEveryone(text string) { t.tellAll(text, (*Session).loggedIn) }

// tellDropped tells the users in rooms with members on other servers how
// many lines from the other servers were lost, at most once a second.
func (t *Table) tellDropped() {
	if t.rc.dropped == 0 || t.now.Sub(t.rc.droppedT) < dropNoticeEvery {
		return
	}
	text := fmt.Sprintf("%s from other servers were not delivered (server overloaded)", plural(t.rc.dropped, "line"))
	t.rc.dropped, t.rc.droppedT = 0, t.now
	shared := make(map[string]bool)
	for _, p := range t.rc.peers {
		shared[p.room] = true
	}
	for key := range shared {
		if r := t.rooms[key]; r != nil {
			for _, s := range r.members {
				s.reply(text)
			}
		}
	}
}

// remoteTick is the cluster's part of Tick: a drop notice held back by
// the once-a-second rule.
func (t *Table) remoteTick() {
	if t.rc.cl != nil {
		t.tellDropped()
		for id, g := range t.rc.gone {
			if t.now.Sub(g.at) > goneKeep && t.rc.suspects[id.Node].IsZero() {
				delete(t.rc.gone, id)
			}
		}
		for node, at := range t.rc.suspects {
			if t.now.Sub(at) >= nodeGrace {
				delete(t.rc.suspects, node)
				t.nodeLost(node, "node lost")
			}
		}
		for key, w := range t.rc.hist {
			if len(w.joiners) > 0 && t.now.Sub(w.since) >= histTimeout {
				t.historyArrived(&RemoteEvent{Kind: EvHistA, RoomKey: key, Err: errNoHistory})
			}
		}
		for id, w := range t.rc.whois {
			if t.now.Sub(w.at) >= whoisTimeout {
				delete(t.rc.whois, id)
				if s := t.users[id]; s != nil {
					s.reply(w.nick + "'s server did not answer")
				}
			}
		}
	}
}

// --- presence ---

// peerSet records a mirror entry: another server's user holds key.
func (t *Table) peerSet(key string, n Presence) {
	if n.Node == t.rc.self || n.Node == "" {
		return
	}
	id := UserID{Node: n.Node, Seq: n.SID}
	p := t.rc.peers[id]
	if p == nil {
		p = &peer{id: id}
		t.rc.peers[id] = p
	} else if p.key != key && t.nicks[p.key] == id {
		delete(t.nicks, p.key) // renamed
	}
	p.nick, p.key, p.room, p.roomName = n.Nick, key, n.Room, n.RoomName
	if held, ok := t.nicks[key]; ok && held.Node == "" {
		return // a local user holds it: local truth wins until the claims settle
	}
	t.nicks[key] = id
}

// peerGone forgets a mirror entry.
func (t *Table) peerGone(key string, n Presence) {
	id := UserID{Node: n.Node, Seq: n.SID}
	if t.nicks[key] == id {
		delete(t.nicks, key)
	}
	if p := t.rc.peers[id]; p != nil && p.key == key {
		delete(t.rc.peers, id)
		t.rc.gone[id] = gonePeer{p: p, at: t.now}
	}
}

// findPeer returns the user on another server with nickname nick, or nil.
func (t *Table) findPeer(nick string) *peer {
	if t.rc.cl == nil || CheckNick(nick) != nil {
		return nil
	}
	return t.rc.peers[t.nicks[t.fold.key(nick)]]
}

// nodeLost announces the users of a server that is gone as having left,
// per room: at most maxLostLines names, then one line counting the rest.
func (t *Table) nodeLost(node, why string) {
	if why == "" {
		why = "node lost"
	}
	byRoom := make(map[string][]*peer)
	for id, g := range t.rc.gone {
		if id.Node == node {
			byRoom[g.p.room] = append(byRoom[g.p.room], g.p)
			delete(t.rc.gone, id)
		}
	}
	for id, p := range t.rc.peers {
		if id.Node != node {
			continue
		}
		byRoom[p.room] = append(byRoom[p.room], p)
		delete(t.rc.peers, id)
		if t.nicks[p.key] == id {
			delete(t.nicks, p.key)
		}
	}
	for key, ps := range byRoom {
		r := t.rooms[key]
		if r == nil || r.Len() == 0 {
			continue
		}
		slices.SortFunc(ps, func(a, b *peer) int { return strings.Compare(a.key, b.key) })
		for i, p := range ps {
			if i == maxLostLines {
				t.announce(r, fmt.Sprintf("and %d more left #%s (%s)", len(ps)-maxLostLines, r.name, why))
				break
			}
			t.announce(r, p.nick+" left #"+r.name+" ("+why+")")
		}
	}
}

// --- claims ---

// claimFirst starts a cluster-wide claim of name for s when there is a
// cluster and the claim has not been granted yet: it reports true when
// the caller must stop and wait for the answer (EvClaimed).
func (t *Table) claimFirst(s *Session, name, key string, rename bool) (bool, error) {
	if t.rc.cl == nil || t.rc.granted == key {
		return false, nil
	}
	if w := t.rc.claims[s.id]; w != nil {
		return true, fmt.Errorf("%s", textChecking)
	}
	room := t.lobby
	if s.room != nil {
		room = s.room
	}
	v := Presence{Nick: name, SID: s.id.Seq, Room: room.key, RoomName: room.name, Since: t.now}
	if !t.rc.cl.Claim(key, v) {
		return true, fmt.Errorf("%s", textUnavailable)
	}
	t.rc.claims[s.id] = &claimWait{s: s, name: name, key: key, rename: rename}
	t.rc.claiming[key] = s.id
	s.reply(textChecking)
	return true, nil
}

// claimPending reports whether someone on this server is claiming key.
func (t *Table) claimPending(s *Session, key string) bool {
	id, ok := t.rc.claiming[key]
	return ok && id != s.id
}

// claimWaiting reports whether s is waiting for a claim to be answered.
func (t *Table) claimWaiting(s *Session) bool {
	return t.rc.cl != nil && t.rc.claims[s.id] != nil
}

// claimed applies the answer to a claim.
func (t *Table) claimed(ev *RemoteEvent) {
	id := UserID{Seq: ev.SID}
	w := t.rc.claims[id]
	if w == nil || w.key != ev.Key || !w.s.Alive() {
		if ev.Claim == ClaimOK && t.nicks[ev.Key] != id {
			t.rc.cl.Release(ev.Key) // nobody wants it any more
		}
		if w != nil && w.key == ev.Key {
			t.forgetClaim(w)
		}
		return
	}
	t.forgetClaim(w)
	s := w.s
	switch ev.Claim {
	case ClaimTaken:
		held := w.name
		if n := ev.Nick.Nick; n != "" && ev.Nick.Node != t.rc.self {
			held = n
		}
		s.reply(fmt.Sprintf("%v: %s is online; try another", ErrNickTaken, held))
		return
	case ClaimUnavailable:
		s.reply(textUnavailable)
		return
	}
	if held := t.nicks[w.key]; held.Node != "" {
		delete(t.nicks, w.key) // a stale mirror entry: the claim is the truth
	}
	t.rc.granted = w.key
	defer func() { t.rc.granted = "" }()
	var err error
	if w.rename {
		if !s.loggedIn() {
			t.rc.cl.Release(w.key)
			return
		}
		err = t.rename(s, w.name)
	} else {
		err = t.welcome(s, w.name, w.key)
	}
	if err != nil {
		t.rc.cl.Release(w.key)
		s.check(err)
	}
}

func (t *Table) forgetClaim(w *claimWait) {
	delete(t.rc.claims, w.s.id)
	if t.rc.claiming[w.key] == w.s.id {
		delete(t.rc.claiming, w.key)
	}
}

// --- this server's users, told to the others ---

// remoteEnded is the cluster's part of a session ending: a claim in
// flight is abandoned, a held name is given back.
func (t *Table) remoteEnded(s *Session) {
	if t.rc.cl == nil {
		return
	}
	if w := t.rc.claims[s.id]; w != nil {
		t.forgetClaim(w) // its answer releases the name if it was won
	}
	if s.key != "" && t.nicks[s.key] == s.id {
		t.rc.cl.Release(s.key)
	}
}

// remoteLeft tells the other servers that s left room r (why), unless
// the whole server is stopping (they hear that from its lease).
func (t *Table) remoteLeft(s *Session, r *Room, why string) {
	if t.rc.cl == nil || t.shutting {
		return
	}
	t.publish1(s, RemoteEvent{Kind: EvLeave, Time: t.now, SID: s.id.Seq, From: s.nick, Room: r.name, RoomKey: r.key, Text: why})
}

// remoteJoined tells the other servers that s entered r, and moves s's
// entry in the nickname mirror.
func (t *Table) remoteJoined(s *Session, r *Room) {
	if t.rc.cl == nil {
		return
	}
	t.publish1(s, RemoteEvent{Kind: EvJoin, Time: t.now, SID: s.id.Seq, From: s.nick, Room: r.name, RoomKey: r.key})
	if r != t.lobby || t.rc.granted == "" {
		t.rc.cl.Update(s.key, Presence{Nick: s.nick, SID: s.id.Seq, Room: r.key, RoomName: r.name, Since: s.connected})
	}
}

// remoteRenamed tells the other servers that s, formerly old (key
// oldKey), renamed, and gives the old name back.
func (t *Table) remoteRenamed(s *Session, old, oldKey string) {
	if t.rc.cl == nil {
		return
	}
	t.publish1(s, RemoteEvent{Kind: EvRename, Time: t.now, SID: s.id.Seq, From: old, To: s.nick, Room: s.room.name, RoomKey: s.room.key})
	if oldKey != s.key {
		t.rc.cl.Release(oldKey)
	}
}

// remoteTalk publishes room talk said on this server: one publish per
// line, whatever the number of recipients.
func (t *Table) remoteTalk(m *Message, r *Room) {
	if t.rc.cl == nil || m.FromID.Node != "" {
		return
	}
	k := EvChat
	if m.Kind == Emote {
		k = EvEmote
	}
	s := t.users[m.FromID]
	if s == nil {
		return
	}
	t.publish1(s, RemoteEvent{Kind: k, Time: m.Time, SID: m.FromID.Seq, From: m.From, Room: r.name, RoomKey: r.key, Text: m.Text})
}

// publish1 publishes ev for s, telling s when it cannot leave.
func (t *Table) publish1(s *Session, ev RemoteEvent) {
	if !t.rc.cl.Publish(ev) {
		s.reply(textNotSent)
	}
}

// --- private messages ---

// privateRemote sends text from s to p on another server; s gets the
// "[PM to …]" copy at once.
func (t *Table) privateRemote(s *Session, p *peer, text string) error {
	if s.muted() {
		return nil
	}
	ok := t.rc.cl.Publish(RemoteEvent{Kind: EvPM, Time: t.now, SID: s.id.Seq, From: s.nick,
		To: p.nick, ToSID: p.id.Seq, Node: p.id.Node, Text: text})
	if !ok {
		return fmt.Errorf("your message to %s was %s", p.nick, textNotSent)
	}
	s.deliver(&Message{Kind: PrivateTo, To: p.nick, ToID: p.id, Text: text, Time: t.now})
	return nil
}

// remotePM delivers a private message from another server, or tells the
// sender's server that its receiver has gone.
func (t *Table) remotePM(ev *RemoteEvent) {
	to := t.users[UserID{Seq: ev.ToSID}]
	if to == nil {
		t.rc.cl.Publish(RemoteEvent{Kind: EvPMFailed, Time: t.now, From: ev.To, ToSID: ev.SID, Node: ev.Origin,
			Text: leftBeforeArrival})
		return
	}
	t.route(&Message{Kind: PrivateFrom, From: ev.From, FromID: t.remoteID(ev.Origin, ev.SID), To: to.nick, ToID: to.id,
		Text: ev.Text, Time: ev.Time})
}

// remoteWhois answers another server's /whois about one of this server's
// users.
func (t *Table) remoteWhois(ev *RemoteEvent) {
	text := fmt.Sprintf("%v: %s", ErrNoSuchUser, ev.To)
	if x := t.users[UserID{Seq: ev.ToSID}]; x != nil {
		text = whoisLine(x, t.now)
	}
	t.rc.cl.Publish(RemoteEvent{Kind: EvWhoisA, Time: t.now, ToSID: ev.SID, Node: ev.Origin, Text: text})
}

// askWhois asks p's server about p; the answer comes as EvWhoisA.
func (t *Table) askWhois(s *Session, p *peer) {
	ok := t.rc.cl.Publish(RemoteEvent{Kind: EvWhoisQ, Time: t.now, SID: s.id.Seq, From: s.nick,
		To: p.nick, ToSID: p.id.Seq, Node: p.id.Node})
	if !ok {
		s.reply(fmt.Sprintf("%s: in #%s, on another server (%s)", p.nick, p.roomName, textNotSent))
		return
	}
	t.rc.whois[s.id] = whoisWait{nick: p.nick, at: t.now}
}

// whoisLine is /whois's answer about a local user.
func whoisLine(x *Session, now time.Time) string {
	return fmt.Sprintf("%s: in #%s, connected for %s, idle for %s, charset %s", x.nick, x.room.name,
		now.Sub(x.connected).Truncate(time.Second), now.Sub(x.lastInput).Truncate(time.Second), x.settings.Charset)
}

// --- rooms and history ---

// remoteRoomCreated subscribes to a room this server now has. A room that
// lives on other servers already (the mirror shows members there) asks
// them for its history; entering it waits for the answer.
func (t *Table) remoteRoomCreated(r *Room) {
	if t.rc.cl == nil {
		return
	}
	// The lobby is subscribed at start, when no peer is known yet: its
	// history is asked for if this server has none of its own (stored).
	lobby := t.lobby == nil || r == t.lobby // NewTable creates the lobby first
	history := lobby && r.history.empty()
	if !lobby && r.history.empty() {
		for _, p := range t.rc.peers {
			if p.room == r.key {
				history = true
				break
			}
		}
	}
	if !t.rc.cl.Subscribe(r.key, r.name, history) {
		return // the others are unreachable: the room starts alone
	}
	if history {
		t.rc.hist[r.key] = &histWait{since: t.now}
	}
}

// remoteRoomForgotten unsubscribes from a room this server no longer has.
func (t *Table) remoteRoomForgotten(r *Room) {
	if t.rc.cl == nil {
		return
	}
	delete(t.rc.hist, r.key)
	t.rc.cl.Unsubscribe(r.key)
}

// awaitHistory puts s in r while r's history is on its way: s is a member
// (and hears nothing yet); the replay and the join line come with it.
func (t *Table) awaitHistory(s *Session, r *Room) bool {
	w := t.rc.hist[r.key]
	if t.rc.cl == nil || w == nil {
		return false
	}
	r.add(s)
	if len(w.joiners) == 0 {
		// The backstop counts from the first one waiting, not from the
		// request: a server's lobby asks at start, before its event loop
		// may run (no client yet), and the answer waits for that too.
		w.since = t.now
	}
	w.joiners = append(w.joiners, s)
	return true
}

// historyArrived fills r's ring with what another server had, then the
// lines that came meanwhile, and lets the waiting members in.
func (t *Table) historyArrived(ev *RemoteEvent) {
	w := t.rc.hist[ev.RoomKey]
	r := t.rooms[ev.RoomKey]
	if w == nil || r == nil {
		return
	}
	delete(t.rc.hist, r.key)
	type lineID struct {
		from UserID
		time int64
		text string
	}
	seen := make(map[lineID]bool)
	add := func(e *RemoteEvent) {
		if e.Kind != EvChat && e.Kind != EvEmote {
			return
		}
		m := t.remoteMessage(e, r.key)
		id := lineID{m.FromID, m.Time.UnixNano(), m.Text}
		if seen[id] {
			return
		}
		seen[id] = true
		r.history.add(m)
		if t.cfg.Store != nil {
			t.cfg.Store.SaveHistory(r.key, m)
		}
	}
	if ev.Err == nil {
		for i := range ev.Lines {
			add(&ev.Lines[i])
		}
	}
	for i := range w.live {
		add(&w.live[i])
	}
	for _, s := range w.joiners {
		if s.room != r || !s.Alive() {
			continue
		}
		t.greet(s, r)
		t.remoteJoined(s, r)
	}
}

// answerHistory sends this server's ring of a room to a server that asked.
func (t *Table) answerHistory(q *RemoteEvent) {
	r := t.rooms[q.RoomKey]
	var lines []RemoteEvent
	if r != nil && t.rc.hist[r.key] == nil {
		r.history.each(func(m *Message) {
			k := EvChat
			if m.Kind == Emote {
				k = EvEmote
			}
			origin := m.FromID.Node
			if origin == "" {
				origin = t.rc.self
			}
			lines = append(lines, RemoteEvent{Kind: k, Time: m.Time, Origin: origin, SID: m.FromID.Seq, From: m.From,
				Room: r.name, Text: m.Text})
		})
	}
	t.rc.cl.Answer(*q, lines)
}

// empty reports whether the ring holds nothing.
func (h *history) empty() bool { return len(h.msgs) == 0 }

// online reports whether the user id is online here or on another server.
func (t *Table) online(id UserID) bool {
	return t.users[id] != nil || t.rc.peers[id] != nil
}

// --- lists ---

// whoLabels lists every user, here and on the other servers, by key.
func (t *Table) whoLabels() []string {
	type entry struct{ key, label string }
	var es []entry
	for _, x := range t.users {
		es = append(es, entry{x.key, x.nick + " (#" + x.room.name + ")"})
	}
	for _, p := range t.rc.peers {
		es = append(es, entry{p.key, p.nick + " (#" + p.roomName + ")"})
	}
	slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.label
	}
	return out
}

// roomNicks lists r's members here and on the other servers, sorted.
func (t *Table) roomNicks(r *Room) []string {
	out := r.nicks()
	if len(t.rc.peers) == 0 {
		return out
	}
	for _, p := range t.rc.peers {
		if p.room == r.key {
			out = append(out, p.nick)
		}
	}
	slices.SortFunc(out, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
	return out
}

// roomLabels lists every room, here and on the other servers, with its
// member count over all of them.
func (t *Table) roomLabels() []string {
	type entry struct {
		name string
		n    int
	}
	all := make(map[string]*entry, len(t.rooms))
	for key, r := range t.rooms {
		all[key] = &entry{r.name, r.Len()}
	}
	for _, p := range t.rc.peers {
		e := all[p.room]
		if e == nil {
			e = &entry{name: p.roomName}
			all[p.room] = e
		}
		e.n++
	}
	keys := make([]string, 0, len(all))
	for k := range all {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = fmt.Sprintf("#%s (%d)", all[k].name, all[k].n)
	}
	return out
}
