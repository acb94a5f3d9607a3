package session

// history is a ring of a room's last messages, replayed to whoever enters.
// Only room talk (chat and emotes) is kept: joins and leaves would push the
// conversation out of a busy room's memory.
type history struct {
	msgs []Message
	next int  // where the next message goes
	full bool // the ring has wrapped
}

// newHistory returns a ring for n messages (n <= 0 keeps none).
func newHistory(n int) history {
	if n <= 0 {
		return history{}
	}
	return history{msgs: make([]Message, 0, n)}
}

// add appends m, forgetting the oldest message when full.
func (h *history) add(m Message) {
	if cap(h.msgs) == 0 {
		return
	}
	if !h.full && len(h.msgs) < cap(h.msgs) {
		h.msgs = append(h.msgs, m)
		h.next = len(h.msgs) % cap(h.msgs)
		h.full = h.next == 0
		return
	}
	h.msgs[h.next] = m
	h.next = (h.next + 1) % len(h.msgs)
}

// each calls fn for every kept message, oldest first.
func (h *history) each(fn func(*Message)) {
	if h.full {
		for i := h.next; i < len(h.msgs); i++ {
			fn(&h.msgs[i])
		}
		for i := 0; i < h.next; i++ {
			fn(&h.msgs[i])
		}
		return
	}
	for i := range h.msgs {
		fn(&h.msgs[i])
	}
}
