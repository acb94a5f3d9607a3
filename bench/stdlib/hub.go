package main

import (
	"strings"
	"sync"
)

// hub is the one room: the logged-in clients by folded nickname.
type hub struct {
	mu      sync.RWMutex
	members map[string]*client
}

func newHub() *hub {
	return &hub{members: make(map[string]*client)}
}

// join adds c under nick and tells everyone, c included. It reports false
// when the nickname is taken.
func (h *hub) join(c *client, nick string) bool {
	key := strings.ToLower(nick)
	h.mu.Lock()
	if _, taken := h.members[key]; taken {
		h.mu.Unlock()
		return false
	}
	c.nick = nick
	h.members[key] = c
	h.mu.Unlock()
	h.broadcast([]byte("*** "+nick+" joined "+room+"\r\n"), nil)
	return true
}

// leave removes c and tells everyone left.
func (h *hub) leave(c *client, reason string) {
	h.mu.Lock()
	delete(h.members, strings.ToLower(c.nick))
	h.mu.Unlock()
	h.broadcast([]byte("*** "+c.nick+" left "+room+" ("+reason+")\r\n"), nil)
}

// broadcast queues line for every member but except. A member whose queue
// is full is dropped.
func (h *hub) broadcast(line []byte, except *client) {
	h.mu.RLock()
	defer h.mu.RUnlock()
	for _, m := range h.members {
		if m != except {
			m.send(line)
		}
	}
}
