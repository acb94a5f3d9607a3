package main

import "strings"

// The server does not send a user's own chat lines back (unless /echo on),
// so the client prints them itself, in the server's format, and the screen
// reads like the room. The rules are deliberately few:
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
// when the server's own answer is all there is to show.
func localEcho(nick, line string) (string, bool) {
	if strings.HasPrefix(line, "//") {
		return nick + sepChat + line[1:], true
	}
	word, rest := splitWord(line)
	switch strings.ToLower(word) {
	case "/me":
		return prefixEmote + nick + " " + rest, rest != ""
	case "/say", "say":
		return nick + sepChat + rest, rest != ""
	case "logout":
		return "", false
	}
	if strings.HasPrefix(line, "/") || strings.HasPrefix(line, "@") {
		return "", false
	}
	return nick + sepChat + line, true
}

// nickAttempt returns the nickname that line asks for while logging in:
// NAME, login NAME, /login NAME or /nick NAME. Other commands (/help,
// /quit) ask for none.
func nickAttempt(line string) string {
	word, rest := splitWord(line)
	switch strings.ToLower(word) {
	case "login", "/login":
		name, _ := cutWordSpace(rest) // a password may follow
		return name
	case "/nick":
		return rest
	}
	if strings.HasPrefix(line, "/") {
		return ""
	}
	return line
}

// echoSwitch reports whether line turns the server's echo of our own chat
// lines on (+1) or off (-1); 0 when it does neither.
func echoSwitch(line string) int {
	word, rest := splitWord(line)
	if !strings.EqualFold(word, "/echo") {
		return 0
	}
	switch strings.ToLower(rest) {
	case "on":
		return +1
	case "off":
		return -1
	}
	return 0
}

// splitWord splits line at its first space: the command word and its
// argument, trimmed.
func splitWord(line string) (word, rest string) {
	word, rest, _ = strings.Cut(line, " ")
	return word, strings.TrimSpace(rest)
}
