package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"teahouse/session"
)

// Registered nicknames (PROTOCOL.md, Accounts). The server asks for a
// password with a reply whose text ends in "password:", and takes the next
// line as the answer; an empty line cancels. Telnet clients are also told
// IAC WILL ECHO, but this client reads past telnet commands, so it knows a
// prompt by its text: while one is open, what is typed is hidden on the
// terminal, kept out of the history, never echoed locally, and sent as it
// is (not trimmed, and an empty line is sent, since it cancels).

// promptSuffix ends every password prompt the server sends.
const promptSuffix = "password:"

// passwordEnv names the environment variable that can hold the password.
const passwordEnv = "TEAHOUSE_PASSWORD"

// maxPasswordFile bounds how much of a -password-file is read: its first
// line is the password, and the server refuses one of more than 128
// characters (at most 512 bytes of UTF-8) anyway.
const maxPasswordFile = 4096

// hiddenMark stands, on screen, for a password that was typed or sent.
const hiddenMark = "(hidden)"

// secretMask replaces a password in the local echo of a one-line form
// (/login alice ****). Always four stars, so it says nothing of the
// password's length.
const secretMask = "****"

// isPasswordPrompt reports whether a server line asks for a password.
func isPasswordPrompt(m message) bool {
	return m.kind == kindReply && strings.HasSuffix(m.text, promptSuffix)
}

// stillAsking reports whether a reply to a password answer leaves the
// prompt open without repeating it, so that what is typed next is a
// password too: the server refused the answer but waits for another, or is
// still checking it. These are session/accounts.go's wordings.
func stillAsking(text string) (open, refused bool) {
	switch {
	case strings.HasPrefix(text, "checking your password"):
		return true, false // busy: the verdict is still to come
	case strings.HasSuffix(text, "(an empty line cancels)"), // wrong password, too short, too long
		strings.HasPrefix(text, "the two passwords differ"),
		strings.HasPrefix(text, "too many wrong passwords"):
		return true, true
	}
	return false, false
}

// Prompts the client answers by itself from -password-file or
// TEAHOUSE_PASSWORD, in session/accounts.go's exact wording. An answer is
// sent only to these shapes, and only for a name of ours: a reply that
// merely ends in "password:" (a kick reason, say) must never draw the
// password onto the wire, where, with no prompt open, it would be chat.
var (
	loginPromptRE = regexp.MustCompile(`^(\S+) is registered: password:$`)
	newPromptRE   = regexp.MustCompile(`^a new password for (\S+) \(at least \d+ characters; an empty line cancels\): password:$`)
)

const (
	currentPrompt = "your current password:"
	againPrompt   = "the same new password again: password:"
)

// autoAnswerable reports whether text is a prompt the password source may
// answer: mine says whether a nickname is one we asked for or hold.
func autoAnswerable(text string, mine func(nick string) bool) bool {
	switch text {
	case currentPrompt, againPrompt:
		return true
	}
	if m := loginPromptRE.FindStringSubmatch(text); m != nil {
		return mine(m[1])
	}
	if m := newPromptRE.FindStringSubmatch(text); m != nil {
		return mine(m[1])
	}
	return false
}

// refusalReason is the part of a refusal worth an error line: "wrong
// password" of "wrong password; try again (an empty line cancels)".
func refusalReason(text string) string {
	before, _, _ := strings.Cut(text, ";")
	return before
}

// passwordSource is where automatic answers come from: the password and a
// name for it in messages (never the password itself).
type passwordSource struct {
	password string
	from     string // "-password-file FILE" or "TEAHOUSE_PASSWORD"
}

// loadPassword reads the password of -password-file file, or else of the
// environment variable; none of either is a zero source, not an error.
func loadPassword(file string, getenv func(string) string) (passwordSource, error) {
	if file != "" {
		pw, err := readPasswordFile(file)
		if err != nil {
			return passwordSource{}, fmt.Errorf("-password-file %s: %w", file, err)
		}
		return passwordSource{password: pw, from: "-password-file " + file}, nil
	}
	if getenv != nil {
		if pw := getenv(passwordEnv); pw != "" {
			if err := checkPasswordText(pw); err != nil {
				return passwordSource{}, fmt.Errorf("%s: %w", passwordEnv, err)
			}
			return passwordSource{password: pw, from: passwordEnv}, nil
		}
	}
	return passwordSource{}, nil
}

// errTooOpen is a password file others could read or change.
var errTooOpen = errors.New("others can read or change it")

// readPasswordFile returns the first line of file, without its line end.
// Like ssh with a private key, it refuses a file whose permissions let
// group or others read or write it: a password that others can read is not
// one, and one they can write is not yours.
func readPasswordFile(file string) (string, error) {
	f, err := os.Open(file)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the flag's message names the file already
		}
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if fi.IsDir() {
		return "", errors.New("is a directory")
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("%w (permissions %04o): chmod 600 it", errTooOpen, perm)
	}
	line, err := bufio.NewReaderSize(io.LimitReader(f, maxPasswordFile), maxPasswordFile).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", err
	}
	if err != nil && len(line) == maxPasswordFile {
		return "", fmt.Errorf("the first line is longer than %d bytes", maxPasswordFile)
	}
	line = strings.TrimSuffix(line, "\n")
	line = strings.TrimSuffix(line, "\r")
	if err := checkPasswordText(line); err != nil {
		return "", fmt.Errorf("the first line %w", err)
	}
	return line, nil
}

// checkPasswordText refuses what cannot be a password on the wire: an
// empty one would cancel the prompt, and control characters or bytes that
// are not UTF-8 would not arrive as they are.
func checkPasswordText(pw string) error {
	switch {
	case pw == "":
		return errors.New("is empty (an empty answer cancels the prompt)")
	case !utf8.ValidString(pw):
		return errors.New("is not UTF-8")
	case strings.IndexFunc(pw, unicode.IsControl) >= 0:
		return errors.New("holds a control character")
	}
	return nil
}

// maskSecrets returns line with the passwords of the one-line forms
// replaced by secretMask, for the local echo and anywhere else a typed
// line is shown:
//
//	/login NAME PASSWORD   login NAME PASSWORD   (before login)
//	/register PASSWORD
//	/passwd CURRENT NEW
//	/unregister PASSWORD
//
// The command word is matched as the server matches it: any case, a
// full-width "／" for '/', any Unicode white space between words. Other
// lines come back as they are.
func maskSecrets(line string) string {
	p := session.ParseLine(line, false) // "login NAME PASSWORD" is a command before login
	if p.Command != "login" {
		p = session.ParseLine(line, true)
	}
	if !p.Secret || p.Args == "" {
		return line
	}
	word, _ := session.CutWord(line)
	switch p.Command {
	case "login": // NAME, then the password
		name, pw := session.CutWord(p.Args)
		if pw == "" {
			return line
		}
		return word + " " + name + " " + secretMask
	case "passwd": // CURRENT NEW
		if _, next := session.CutWord(p.Args); next != "" {
			return word + " " + secretMask + " " + secretMask
		}
	}
	return word + " " + secretMask
}

// raisesPrompt reports whether line is an account command that asks for
// its password with a prompt: /register, /passwd or /unregister with no
// argument.
func raisesPrompt(line string) bool {
	p := session.ParseLine(line, true)
	switch p.Command {
	case "register", "passwd", "unregister":
		return p.Args == ""
	}
	return false
}

// sameNick reports whether a and b are one nickname to the server.
func sameNick(a, b string) bool { return session.NameKey(a) == session.NameKey(b) }
