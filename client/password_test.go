package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"teahouse/session/sessiontest"
)

// testPassword is what the tests type and keep in password files. It has
// a space inside, which must reach the server as it is.
const testPassword = "tea for two 42"

// The server's prompts, as session/accounts.go words them.
const (
	loginPromptFor = "-> %s is registered: password:"
	newPromptFor   = "-> a new password for %s (at least 8 characters; an empty line cancels): password:"
	againLine      = "-> the same new password again: password:"
	currentLine    = "-> your current password:"
	wrongLine      = "-> wrong password; try again (an empty line cancels)"
)

// promptFor fills in a prompt's nickname.
func promptFor(format, nick string) string { return strings.Replace(format, "%s", nick, 1) }

// writePasswordFile writes content to a fresh file with mode perm and
// returns its path.
func writePasswordFile(t *testing.T, content string, perm os.FileMode) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, perm); err != nil { // WriteFile's mode passes through the umask
		t.Fatal(err)
	}
	return path
}

// loginRegistered plays the server for a registered nickname: greet, take
// the nickname, ask for its password and return the answer; a right one
// (want) lets the nickname join.
func (fc fakeConn) loginRegistered(want string) (nick, answer string) {
	fc.T.Helper()
	fc.greet()
	nick = fc.Next()
	fc.Send(promptFor(loginPromptFor, nick))
	answer = fc.Next()
	if answer == want {
		fc.Send("-> hello "+nick+"! /help lists the commands", "*** "+nick+" joined #lobby")
	}
	return nick, answer
}

// wantNoPassword fails if any of outputs shows the password.
func wantNoPassword(t *testing.T, pw string, outputs map[string]string) {
	t.Helper()
	for name, out := range outputs {
		if strings.Contains(out, pw) {
			t.Errorf("%s shows the password %q:\n%s", name, pw, out)
		}
	}
}

func TestMaskSecretsHidesThePasswordsOfTheOneLineForms(t *testing.T) {
	tests := []struct {
		name, line, want string
	}{
		{"/login NAME PASSWORD keeps the name", "/login alice s3cret", "/login alice ****"},
		{"the bare login word is masked too", "login alice s3cret", "login alice ****"},
		{"a password with spaces is one mask", "/login alice my long secret", "/login alice ****"},
		{"/login NAME alone has nothing to mask", "/login alice", "/login alice"},
		{"/register PASSWORD", "/register s3cret-pw", "/register ****"},
		{"/passwd CURRENT NEW masks both", "/passwd old-one new-one", "/passwd **** ****"},
		{"/passwd with spaces in NEW still shows two masks", "/passwd old new with spaces", "/passwd **** ****"},
		{"/unregister PASSWORD", "/unregister s3cret", "/unregister ****"},
		{"the command word is matched in any case", "/LOGIN alice s3cret", "/LOGIN alice ****"},
		{"a full-width slash is a slash", "／register s3cret", "／register ****"},
		{"an ideographic space separates words", "/login\u3000alice\u3000s3cret", "/login alice ****"},
		{"/register alone shows as it is", "/register", "/register"},
		{"other commands show as they are", "/msg alice my password is swordfish", "/msg alice my password is swordfish"},
		{"/nick takes no password", "/nick alice", "/nick alice"},
		{"the bare login word is masked wherever a line is shown as typed", "login is easy", "login is ****"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := maskSecrets(tt.line); got != tt.want {
				t.Errorf("maskSecrets(%q) = %q, want %q", tt.line, got, tt.want)
			}
		})
	}
}

func TestPromptsAreKnownByTheirText(t *testing.T) {
	ours := func(n string) bool { return sameNick(n, "alice") }
	tests := []struct {
		name       string
		line       string
		hides      bool // the next typed line is hidden
		answerable bool // the password source answers it
	}{
		{"the login prompt", promptFor(loginPromptFor, "alice"), true, true},
		{"the login prompt in another case", promptFor(loginPromptFor, "ALICE"), true, true},
		{"the login prompt for a name not ours", promptFor(loginPromptFor, "mallory"), true, false},
		{"the new password prompt", promptFor(newPromptFor, "alice"), true, true},
		{"the new password prompt for a name not ours", promptFor(newPromptFor, "bob"), true, false},
		{"the second new password", againLine, true, true},
		{"the current password", currentLine, true, true},
		{"a timestamped prompt", "[12:00:00] " + currentLine, true, true},
		{"any other reply ending in password:", "-> alice kicked you: what is your password:", true, false},
		{"chat ending in password: is not the server asking", "mallory: -> your current password:", false, false},
		{"an announcement is not either", "*** mallory is registered: password:", false, false},
		{"a reply that mentions a password elsewhere", "-> password changed for alice", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := parseLine(tt.line)
			if got := isPasswordPrompt(m); got != tt.hides {
				t.Errorf("isPasswordPrompt(%q) = %v, want %v", tt.line, got, tt.hides)
			}
			if got := m.kind == kindReply && autoAnswerable(m.text, ours); got != tt.answerable {
				t.Errorf("autoAnswerable(%q) = %v, want %v", tt.line, got, tt.answerable)
			}
		})
	}
}

func TestRoomFollowsThePasswordDialogue(t *testing.T) {
	tests := []struct {
		name   string
		auto   bool
		steps  []string // "> line" is a line we type, "< line" one the server sends, "= answer" an answer we type
		asking bool     // the next typed line is a password
		nick   string   // logged in as, afterwards
		auto2  bool     // the last server line was for the source to answer
	}{
		{"a login prompt asks", false, []string{"> alice", "< " + promptFor(loginPromptFor, "alice")}, true, "", false},
		{"a right password logs in", false, []string{"> alice", "< " + promptFor(loginPromptFor, "alice"), "= pw",
			"< -> hello alice! /help lists the commands", "< *** alice joined #lobby"}, false, "alice", false},
		{"a wrong password asks again", false, []string{"> alice", "< " + promptFor(loginPromptFor, "alice"), "= pw",
			"< " + wrongLine}, true, "", false},
		{"cancelling ends the prompt", false, []string{"> alice", "< " + promptFor(loginPromptFor, "alice"), "= ",
			"< -> cancelled: type another nickname"}, false, "", false},
		{"a too short new password is asked again", false, []string{"> alice", "< *** alice joined #lobby", "> /register",
			"< " + promptFor(newPromptFor, "alice"), "= short", "< -> a password needs at least 8 characters; try again (an empty line cancels)"}, true, "alice", false},
		{"checking keeps the answer pending", false, []string{"> alice", "< " + promptFor(loginPromptFor, "alice"), "= pw",
			"= typed ahead", "< -> checking your password: a moment"}, true, "", false},
		{"throttling keeps the prompt open", false, []string{"> alice", "< " + promptFor(loginPromptFor, "alice"), "= pw",
			"< -> too many wrong passwords: try again in 4s"}, true, "", false},
		{"an unrelated reply before the answer keeps the prompt open", false, []string{"> alice", "< *** alice joined #lobby", "> /passwd",
			"< " + currentLine, "< -> bob is away"}, true, "alice", false},
		{"the source answers a login prompt for our name", true, []string{"> alice", "< " + promptFor(loginPromptFor, "alice")}, true, "", true},
		{"the source does not answer a prompt for another name", true, []string{"> alice", "< " + promptFor(loginPromptFor, "mallory")}, true, "", false},
		{"the source does not answer after its password was refused", true, []string{"> alice", "< " + promptFor(loginPromptFor, "alice"),
			"< " + wrongLine, "< " + promptFor(loginPromptFor, "alice")}, true, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newRoom()
			r.setAuto(tt.auto)
			var last observed
			for _, s := range tt.steps {
				switch s[0] {
				case '>':
					r.outgoing(s[2:])
				case '=':
					r.answering(false)
				case '<':
					last = r.observe(parseLine(s[2:]))
				}
			}
			r.notify()
			if got := r.asking(); got != tt.asking {
				t.Errorf("asking %v, want %v", got, tt.asking)
			}
			if nick, _, _, _ := r.loginState(); nick != tt.nick {
				t.Errorf("nick %q, want %q", nick, tt.nick)
			}
			if last.autoAnswer != tt.auto2 {
				t.Errorf("autoAnswer %v, want %v", last.autoAnswer, tt.auto2)
			}
		})
	}
}

func TestRoomKeepsALoginPendingThroughItsPassword(t *testing.T) {
	r := newRoom()
	r.outgoing("alice")
	o := r.observe(parseLine(promptFor(loginPromptFor, "alice")))
	if !o.answered {
		t.Error("the prompt did not wake the login's waiters")
	}
	if _, waiting, refusal, _ := r.loginState(); !waiting || refusal != "" {
		t.Errorf("after the prompt: waiting %v refusal %q; want the login still pending", waiting, refusal)
	}
	r.answering(false)
	if got := r.outgoing("/login bob hunter2!"); got != "" {
		t.Errorf("a line while logging in echoed %q", got)
	}
	feed(r, "*** bob joined #lobby")
	r.notify()
	if nick, _, _, _ := r.loginState(); nick != "bob" {
		t.Errorf("a /login with a password is not followed: nick %q, want bob", nick)
	}
}

func TestPasswordSourcesAreReadCarefully(t *testing.T) {
	tests := []struct {
		name    string
		content string
		perm    os.FileMode
		env     string
		want    string // the password
		wantErr string // part of the error
	}{
		{"the first line of a private file", testPassword + "\nsecond line\n", 0o600, "", testPassword, ""},
		{"a CR LF line end is dropped", testPassword + "\r\n", 0o600, "", testPassword, ""},
		{"a file without a line end", testPassword, 0o400, "", testPassword, ""},
		{"the file wins over the environment", testPassword + "\n", 0o600, "from-the-env", testPassword, ""},
		{"a file others can read is refused", testPassword + "\n", 0o644, "", "", "others can read or change it (permissions 0644): chmod 600 it"},
		{"a file the group can read is refused", testPassword + "\n", 0o640, "", "", "permissions 0640"},
		{"a file others can write is refused", testPassword + "\n", 0o602, "", "", "permissions 0602"},
		{"an empty file is refused", "", 0o600, "", "", "the first line is empty"},
		{"an empty first line is refused", "\n" + testPassword + "\n", 0o600, "", "", "the first line is empty"},
		{"a control character is refused", "tea\tfor two\n", 0o600, "", "", "control character"},
		{"bytes that are not UTF-8 are refused", "tea\xff\n", 0o600, "", "", "not UTF-8"},
		{"an endless first line is refused", strings.Repeat("x", maxPasswordFile+1), 0o600, "", "", "longer than 4096 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writePasswordFile(t, tt.content, tt.perm)
			src, err := loadPassword(path, func(string) string { return tt.env })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.HasPrefix(err.Error(), "-password-file "+path+": ") {
					t.Fatalf("error %v, want one naming the file and saying %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), testPassword) {
					t.Errorf("the error shows the password: %v", err)
				}
				return
			}
			if err != nil || src.password != tt.want {
				t.Fatalf("got %q, %v; want %q", src.password, err, tt.want)
			}
		})
	}
	t.Run("a missing file is named", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "nope")
		_, err := loadPassword(path, nil)
		if want := "-password-file " + path + ": no such file or directory"; err == nil || err.Error() != want {
			t.Errorf("error %v, want %q", err, want)
		}
	})
	t.Run("a directory is refused", func(t *testing.T) {
		dir := t.TempDir()
		_, err := loadPassword(dir, nil)
		if err == nil || !strings.Contains(err.Error(), "is a directory") {
			t.Errorf("error %v, want one saying it is a directory", err)
		}
	})
	t.Run("TEAHOUSE_PASSWORD is used without a file", func(t *testing.T) {
		src, err := loadPassword("", func(k string) string { return map[string]string{passwordEnv: testPassword}[k] })
		if err != nil || src.password != testPassword || src.from != passwordEnv {
			t.Errorf("got %+v, %v", src, err)
		}
	})
	t.Run("an empty TEAHOUSE_PASSWORD is none", func(t *testing.T) {
		src, err := loadPassword("", func(string) string { return "" })
		if err != nil || src.password != "" {
			t.Errorf("got %+v, %v; want no source", src, err)
		}
	})
	t.Run("a TEAHOUSE_PASSWORD with a newline is refused", func(t *testing.T) {
		_, err := loadPassword("", func(string) string { return "two\nlines" })
		if err == nil || !strings.HasPrefix(err.Error(), passwordEnv+": ") {
			t.Errorf("error %v, want one naming %s", err, passwordEnv)
		}
	})
}

func TestABadPasswordFileIsAClearErrorBeforeConnecting(t *testing.T) {
	tests := []struct {
		name string
		perm os.FileMode
		want string
	}{
		{"a file others can read", 0o644, "others can read or change it (permissions 0644): chmod 600 it"},
		{"a file nobody can read", 0o000, "permission denied"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.perm == 0 && os.Geteuid() == 0 {
				t.Skip("root reads any file, whatever its permissions (CI runs as root)")
			}
			path := writePasswordFile(t, testPassword+"\n", tt.perm)
			// No server: the file is judged before dialling.
			p := startClient(t, "-password-file", path, "127.0.0.1:1")
			if code := p.exit(t); code != exitUsage {
				t.Fatalf("exit %d, want 2", code)
			}
			want := "teahouse: -password-file " + path + ": " + tt.want + " (see -h)\n"
			if got := p.stderr.String(); got != want {
				t.Errorf("stderr %q, want %q", got, want)
			}
		})
	}
}

func TestPipeModeAnswersTheLoginPromptFromItsSource(t *testing.T) {
	path := writePasswordFile(t, testPassword+"\n", 0o600)
	tests := []struct {
		name string
		env  map[string]string
		args []string
	}{
		{"-password-file", nil, []string{"-password-file", path}},
		{"TEAHOUSE_PASSWORD", map[string]string{passwordEnv: testPassword}, nil},
		{"-password-file over TEAHOUSE_PASSWORD", map[string]string{passwordEnv: "not this one"}, []string{"-password-file", path}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := startFakeServer(t)
			p := startClientEnv(t, tt.env, append(tt.args, "-nick", "alice", srv.addr())...)
			fc := srv.accept(t)
			p.write(t, "hi all\n")
			if _, answer := fc.loginRegistered(testPassword); answer != testPassword {
				t.Fatalf("the client answered %q, want the password", answer)
			}
			fc.ExpectNext("hi all")
			p.write(t, "/quit\n")
			fc.quit()
			if code := p.exit(t); code != exitOK {
				t.Fatalf("exit %d, want 0; stderr: %s", code, p.stderr.String())
			}
			want := strings.Join([]string{fakeWelcome, fakePrompt, promptFor(loginPromptFor, "alice"),
				"-> hello alice! /help lists the commands", "*** alice joined #lobby", "alice: hi all", ""}, "\n")
			if got := p.stdout.String(); got != want {
				t.Errorf("stdout:\n%s\nwant:\n%s", got, want)
			}
			wantNoPassword(t, testPassword, map[string]string{"stdout": p.stdout.String(), "stderr": p.stderr.String()})
		})
	}
}

func TestPipeModeAnswersRegisterPromptsFromItsSource(t *testing.T) {
	srv := startFakeServer(t)
	p := startClientEnv(t, map[string]string{passwordEnv: testPassword}, "-nick", "alice", srv.addr())
	fc := srv.accept(t)
	fc.login()
	p.write(t, "/register\nregistered now\n")
	fc.ExpectNext("/register")
	fc.Send(promptFor(newPromptFor, "alice"))
	fc.ExpectNext(testPassword)
	fc.Send(againLine)
	fc.ExpectNext(testPassword)
	fc.Send("-> registered alice: logging in as alice now asks for this password")
	fc.ExpectNext("registered now")
	sessiontest.WaitContains(t, "stdout", &p.stdout, "alice: registered now\n")
	p.write(t, "/quit\n")
	fc.quit()
	if code := p.exit(t); code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", code, p.stderr.String())
	}
	wantNoPassword(t, testPassword, map[string]string{"stdout": p.stdout.String(), "stderr": p.stderr.String()})
}

func TestPipeModeTakesTypedPasswordsWithoutEchoingThem(t *testing.T) {
	// No source: the script's own lines answer, as over telnet, and the
	// client waits for each reply so it knows which lines are passwords.
	srv := startFakeServer(t)
	p := startClient(t, "-nick", "alice", srv.addr())
	fc := srv.accept(t)
	fc.login()
	secrets := []string{"  old secret  ", "new secret 1", "new secret 1"}
	p.write(t, "/passwd\n"+strings.Join(secrets, "\n")+"\nall done\n")
	fc.ExpectNext("/passwd")
	fc.Send(currentLine)
	fc.ExpectNext(secrets[0]) // untrimmed: the password is what was typed
	fc.Send(promptFor(newPromptFor, "alice"))
	fc.ExpectNext(secrets[1])
	fc.Send(againLine)
	fc.ExpectNext(secrets[2])
	fc.Send("-> password changed for alice")
	fc.ExpectNext("all done")
	sessiontest.WaitContains(t, "stdout", &p.stdout, "alice: all done\n")
	p.write(t, "/quit\n")
	fc.quit()
	if code := p.exit(t); code != exitOK {
		t.Fatalf("exit %d, want 0; stderr: %s", code, p.stderr.String())
	}
	for _, s := range secrets {
		wantNoPassword(t, strings.TrimSpace(s), map[string]string{"stdout": p.stdout.String(), "stderr": p.stderr.String()})
	}
}

func TestPipeModeTakesATypedLoginPassword(t *testing.T) {
	srv := startFakeServer(t)
	p := startClient(t, "-nick", "alice", srv.addr())
	fc := srv.accept(t)
	p.write(t, testPassword+"\nhello\n")
	if _, answer := fc.loginRegistered(testPassword); answer != testPassword {
		t.Fatalf("the client answered %q, want the stdin line", answer)
	}
	fc.ExpectNext("hello")
	sessiontest.WaitContains(t, "stdout", &p.stdout, "alice: hello\n")
	p.write(t, "/quit\n")
	fc.quit()
	p.exit(t)
	wantNoPassword(t, testPassword, map[string]string{"stdout": p.stdout.String(), "stderr": p.stderr.String()})
}

func TestPipeModeEndsWhenItsPasswordIsRefused(t *testing.T) {
	srv := startFakeServer(t)
	p := startClientEnv(t, map[string]string{passwordEnv: testPassword}, "-nick", "alice", srv.addr())
	fc := srv.accept(t)
	p.write(t, "not a password\n")
	if _, answer := fc.loginRegistered("something else"); answer != testPassword {
		t.Fatalf("the client answered %q, want the password", answer)
	}
	fc.Send(wrongLine, promptFor(loginPromptFor, "alice"))
	// The prompt is cancelled before /quit, which the server would take
	// for the next try; the script's line is never sent.
	fc.ExpectNext("")
	fc.quit()
	if code := p.exit(t); code != exitFail {
		t.Fatalf("exit %d, want 1", code)
	}
	want := "teahouse: the password from TEAHOUSE_PASSWORD was refused: wrong password\n"
	if got := p.stderr.String(); got != want {
		t.Errorf("stderr %q, want %q", got, want)
	}
	wantNoPassword(t, testPassword, map[string]string{"stdout": p.stdout.String(), "stderr": p.stderr.String()})
}

func TestPipeModeNeverSendsItsPasswordToAReplyThatOnlyLooksLikeAPrompt(t *testing.T) {
	srv := startFakeServer(t)
	p := startClientEnv(t, map[string]string{passwordEnv: testPassword}, "-nick", "alice", shortDrain, srv.addr())
	fc := srv.accept(t)
	fc.login()
	fc.Send("-> op kicked you: alice is registered: password:", promptFor(loginPromptFor, "mallory"))
	sessiontest.WaitContains(t, "stdout", &p.stdout, "mallory is registered")
	p.stdin.Close()
	// Nothing before leaving: in particular, not the password. (The client
	// takes the server to be asking, so it cancels before its /quit.)
	fc.ExpectNext("")
	fc.quit()
	p.exit(t)
	wantNoPassword(t, testPassword, map[string]string{"stdout": p.stdout.String(), "stderr": p.stderr.String()})
}
