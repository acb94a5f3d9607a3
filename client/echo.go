package main

import (
	"strings"

	"teahouse/session"
)

// The server does not send a user's own chat lines back (unless /echo on),
// so the client prints them itself, in the server's format, and the screen
// reads like the room. The server's parser decides what a line is; the
// rules that follow from it:
//
//	text          -> NICK: text
//	//text        -> NICK: /text   (a chat line that starts with '/')
//	/say text     -> NICK: text    (also the bare word "say text")
//	/me action    -> * NICK action
//	anything else starting with '/' or '@' is a command: nothing is echoed,
//	the server answers it (a /msg is confirmed as "[PM to bob] ...").
//
// Lines that leave (/quit, /logout, /exit, logout) are never echoed.

// localEcho returns the line the room sees when nick sends line, and false
// when the server's own answer is all there is to show. The line is read
// by the server's own parser (session.ParseLine), so the client cannot
// disagree with the server about what is chat.
func localEcho(nick, line string) (string, bool) {
	p := session.ParseLine(line, true)
	switch p.Command {
	case "chat", "say":
		return nick + sepChat + p.Args, p.Args != ""
	case "me":
		return prefixEmote + nick + " " + p.Args, p.Args != ""
	}
	return "", false
}

// nickAttempt returns the nickname that line asks for while logging in:
// NAME, login NAME [PASSWORD], /login NAME [PASSWORD] or /nick NAME. Other
// commands (/help, /quit) ask for none.
func nickAttempt(line string) string {
	p := session.ParseLine(line, false)
	switch p.Command {
	case "nickname", "nick":
		return p.Args
	case "login":
		name, _ := session.CutWord(p.Args) // a password may follow
		return name
	}
	return ""
}

// echoSwitch reports whether line turns the server's echo of our own chat
// lines on (+1) or off (-1); 0 when it does neither.
func echoSwitch(line string) int {
	p := session.ParseLine(line, true)
	if p.Command != "echo" {
		return 0
	}
	switch strings.ToLower(p.Args) {
	case "on":
		return +1
	case "off":
		return -1
	}
	return 0
}
