package session

import (
	"fmt"

	"teahouse/session/wire"
)

// CollectIncomingData is asynchat's collect_incoming_data: it takes the
// bytes the reactor read, strips telnet commands, and calls FoundTerminator
// for every complete line. The session copies what it keeps, so the caller
// may reuse p at once.
func (s *Session) CollectIncomingData(p []byte) {
	if !s.Alive() {
		return
	}
	t := s.t
	t.enter()
	s.lastInput = t.now
	s.framer.Feed(p, s)
	t.leave()
}

// FoundTerminator is asynchat's found_terminator: it handles one complete
// raw line (telnet commands already removed, no terminator). It decodes the
// line in the session's charset, sanitizes it, parses it into a request,
// applies the flood limit and dispatches it.
func (s *Session) FoundTerminator(raw []byte) {
	if !s.Alive() {
		return // e.g. lines after /quit in the same packet
	}
	t := s.t
	t.linesIn++
	if s.autoCharset && s.settings.Charset == wire.UTF8 && wire.LooksGBK(raw) {
		s.settings.Charset, s.autoCharset = wire.GBK, false
		s.reply("your terminal sends GBK, so your charset is now gbk (/charset utf-8 to change it back)")
	}
	t.decoded = t.codec.Decode(t.decoded[:0], s.settings.Charset, raw)
	t.decoded = wire.Edit(t.decoded[:0], t.decoded) // BS, DEL, ^U, ^W typed in-band
	t.clean = wire.Sanitize(t.clean[:0], t.decoded)
	if s.prompt.ask != askNothing {
		// A password: it goes nowhere but the Store, is never quoted back
		// (not even in a flood notice), and an empty line cancels.
		s.answer(string(t.clean))
		return
	}
	if len(t.clean) == 0 {
		return
	}
	req := s.parse(string(t.clean))
	if !s.admit(req) {
		return
	}
	s.dispatch(req)
}

// LineTooLong is called by the framer once per over-long line.
func (s *Session) LineTooLong() {
	if !s.Alive() {
		return // after /quit in the same packet, like the lines there
	}
	s.t.stats.DropsLongLine.Add(1)
	s.reply(fmt.Sprintf("line too long (over %d bytes): it was not delivered", s.framer.Max()))
}

// TelnetReply sends a telnet option answer or offer to the peer as it is.
// The first one can come after a line was handled (the LF of its CR LF is
// what showed the peer speaks telnet): a password prompt that line raised
// is then hidden now.
func (s *Session) TelnetReply(p []byte) {
	s.queue()
	s.out = append(s.out, p...)
	if s.prompt.ask != askNothing {
		s.setEcho(false) // RFC 1143: nothing more is sent once it is asked
	}
}

// AreYouThere answers telnet's IAC AYT (wire.AYTSink) with a visible line.
func (s *Session) AreYouThere() {
	if !s.Alive() {
		return
	}
	s.reply("[" + s.t.cfg.Name + ": yes]")
}

// admit applies the flood limit to a request. One over the limit is
// dropped and remembered; the first admitted after a run of drops is
// preceded by one notice naming them. Leaving always works, even for
// someone over the limit.
func (s *Session) admit(req request) bool {
	cfg := &s.t.cfg
	if cfg.Rate <= 0 || req.cmd == s.t.builtin.quit {
		return true
	}
	if s.bucket.allow(s.t.now.UnixNano(), cfg.Rate, cfg.Burst) {
		s.endFlood()
		return true
	}
	s.flood.add(req.quotable())
	s.t.stats.DropsFlood.Add(1)
	return false
}

// endFlood sends the notice for a finished run of dropped lines, if any.
func (s *Session) endFlood() {
	if s.flood.dropped > 0 {
		s.reply(s.flood.notice(s.t.cfg.Rate))
		s.flood = floodEpisode{}
	}
}
