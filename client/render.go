package main

import (
	"hash/fnv"
	"strings"

	"teahouse/session"
)

// kind is what a server line is, judged by the formats in PROTOCOL.md
// ("What users see").
type kind uint8

const (
	kindPlain    kind = iota // welcome, MOTD, prompts, help: shown as sent
	kindChat                 // alice: hello
	kindEmote                // * alice waves
	kindPMFrom               // [PM from alice] hi
	kindPMTo                 // [PM to bob] hi
	kindAnnounce             // *** alice joined #lobby
	kindReply                // -> no such user: bob
)

// Line prefixes of the server's formats.
const (
	prefixAnnounce = "*** "
	prefixReply    = "-> "
	prefixEmote    = "* "
	prefixPMFrom   = "[PM from "
	prefixPMTo     = "[PM to "
	suffixPM       = "] "
	sepChat        = ": "
)

// stampLen is the length of a `/timestamp on` prefix, "[15:04:05] ".
const stampLen = len("[15:04:05] ")

// maxNickRunes is the longest nickname the server accepts (PROTOCOL.md).
const maxNickRunes = 16

// message is one server line taken apart, so it can be coloured without
// guessing twice. String gives the line back exactly as the server sent it.
type message struct {
	stamp string // "[15:04:05] " or ""
	kind  kind
	nick  string // who: chat, emote, PMs; empty otherwise
	text  string // the rest of the line after the kind's prefix and nick
}

// parseLine classifies a sanitized server line.
func parseLine(s string) message {
	m := message{}
	if isStamp(s) {
		m.stamp, s = s[:stampLen], s[stampLen:]
	}
	switch {
	case strings.HasPrefix(s, prefixAnnounce):
		m.kind, m.text = kindAnnounce, s[len(prefixAnnounce):]
	case strings.HasPrefix(s, prefixReply):
		m.kind, m.text = kindReply, s[len(prefixReply):]
	case strings.HasPrefix(s, prefixPMFrom):
		m.kind, m.nick, m.text = pmParts(kindPMFrom, s[len(prefixPMFrom):], s)
	case strings.HasPrefix(s, prefixPMTo):
		m.kind, m.nick, m.text = pmParts(kindPMTo, s[len(prefixPMTo):], s)
	case strings.HasPrefix(s, prefixEmote):
		nick, rest, ok := strings.Cut(s[len(prefixEmote):], " ")
		if ok && (session.CheckNick(nick) == nil) {
			m.kind, m.nick, m.text = kindEmote, nick, rest
		} else {
			m.text = s
		}
	default:
		nick, rest, ok := strings.Cut(s, sepChat)
		if ok && (session.CheckNick(nick) == nil) {
			m.kind, m.nick, m.text = kindChat, nick, rest
		} else {
			m.text = s
		}
	}
	return m
}

// pmParts splits "alice] hi" into the sender and the text; a line that only
// looks like a PM stays plain.
func pmParts(k kind, rest, whole string) (kind, string, string) {
	nick, text, ok := strings.Cut(rest, suffixPM)
	if !ok || !(session.CheckNick(nick) == nil) {
		return kindPlain, "", whole
	}
	return k, nick, text
}

// isStamp reports whether s starts with "[hh:mm:ss] ".
func isStamp(s string) bool {
	if len(s) < stampLen || s[0] != '[' || s[3] != ':' || s[6] != ':' || s[9] != ']' || s[10] != ' ' {
		return false
	}
	for _, i := range [...]int{1, 2, 4, 5, 7, 8} {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// String is the line in its plain form, exactly as the server sent it.
func (m message) String() string {
	var b strings.Builder
	b.WriteString(m.stamp)
	m.write(&b, plainTheme)
	return b.String()
}

// Render is the line for a colour terminal when colour is true, and the
// plain line otherwise.
func (m message) Render(colour bool) string {
	if !colour {
		return m.String()
	}
	var b strings.Builder
	if m.stamp != "" {
		b.WriteString(sgrStamp + m.stamp[:stampLen-1] + sgrReset + " ")
	}
	m.write(&b, colourTheme)
	return b.String()
}

// theme is how each part of a line is dressed.
type theme struct {
	nick            func(nick string) (on, off string)
	announce, reply string // SGR to start the whole line
	pm              string // SGR to start a PM's [PM from x] tag
	reset           string
}

// ANSI SGR sequences used by the colour theme.
const (
	sgrReset    = "\x1b[0m"
	sgrStamp    = "\x1b[90m"   // grey: timestamps are secondary
	sgrAnnounce = "\x1b[33m"   // yellow: joins, parts, renames
	sgrReply    = "\x1b[36m"   // cyan: the server answering you
	sgrPM       = "\x1b[1;35m" // bold magenta: private, stands out
)

// nickPalette holds the nickname colours: foreground colours readable on
// dark and light backgrounds, leaving out the yellow and cyan that mark
// announcements and replies.
var nickPalette = [...]string{
	"\x1b[31m", "\x1b[32m", "\x1b[34m", "\x1b[35m",
	"\x1b[91m", "\x1b[92m", "\x1b[94m", "\x1b[95m",
}

// nickColour is a nickname's colour: a hash of its folded form, so it is
// the same in every line and every session, whatever the case.
func nickColour(nick string) string {
	h := fnv.New32a()
	h.Write([]byte(session.NameKey(nick)))
	return nickPalette[h.Sum32()%uint32(len(nickPalette))]
}

var (
	plainTheme  = theme{nick: func(string) (string, string) { return "", "" }}
	colourTheme = theme{
		nick:     func(n string) (string, string) { return nickColour(n), sgrReset },
		announce: sgrAnnounce, reply: sgrReply, pm: sgrPM, reset: sgrReset,
	}
)

// write appends the line without its timestamp, dressed by th.
func (m message) write(b *strings.Builder, th theme) {
	on, off := th.nick(m.nick)
	switch m.kind {
	case kindChat:
		b.WriteString(on + m.nick + off + sepChat + m.text)
	case kindEmote:
		b.WriteString(prefixEmote + on + m.nick + off + " " + m.text)
	case kindPMFrom:
		b.WriteString(th.pm + prefixPMFrom + m.nick + suffixPM[:1] + th.reset + " " + m.text)
	case kindPMTo:
		b.WriteString(th.pm + prefixPMTo + m.nick + suffixPM[:1] + th.reset + " " + m.text)
	case kindAnnounce:
		b.WriteString(th.announce + prefixAnnounce + m.text + th.reset)
	case kindReply:
		b.WriteString(th.reply + prefixReply + m.text + th.reset)
	default:
		b.WriteString(m.text)
	}
}
