package session

import (
	"slices"
	"testing"
	"time"
)

// chatHelp is /help after login: every command usable then, in table order.
var chatHelp = []string{
	"-> commands (a line without / is said to the room; //text says /text):",
	"->   /help [command] (also /h, /?): lists commands, or explains one",
	"->   /nick NAME: sets your nickname; the room is told",
	"->   /look (also look): who is in this room",
	"->   /who (also /ls, /names, who): everyone online, with their room",
	"->   /msg NICK text (also /m, /w): private message (also @NICK text)",
	"->   /reply text (also /r): private message to whoever last wrote to you",
	"->   /me action: emote: * you action",
	"->   /say text (also say): says text as it is, even if it starts with /",
	"->   /ignore [NICK] (also /i): no NICK: hide or show room chat; NICK: stop seeing that user",
	"->   /unignore NICK: see that user again",
	"->   /join ROOM: moves you to ROOM, creating it",
	"->   /part: back to #lobby",
	"->   /rooms: rooms with member counts",
	"->   /whois NICK: room, connected for, idle for, charset",
	"->   /charset [utf-8|gbk] (also /encoding): shows or sets your charset",
	"->   /timestamp [on|off] (also /ts): prefixes lines with [15:04:05]",
	"->   /echo [on|off]: get your own chat lines back",
	"->   /quit [reason] (also /logout, /exit, logout): leaves",
}

// loginHelp is /help before login: only what works without a nickname.
var loginHelp = []string{
	"-> type a nickname to log in; until then you can use:",
	"->   /help [command] (also /h, /?): lists commands, or explains one",
	"->   /login NAME [PASSWORD] (also login): logs in with a nickname (typing just the name works too); a registered one needs its password",
	"->   /nick NAME: sets your nickname; the room is told",
	"->   /charset [utf-8|gbk] (also /encoding): shows or sets your charset",
	"->   /timestamp [on|off] (also /ts): prefixes lines with [15:04:05]",
	"->   /echo [on|off]: get your own chat lines back",
	"->   /quit [reason] (also /logout, /exit, logout): leaves",
}

// TestCommands runs every command and its error replies with alice and bob
// in the lobby: alice types the line, and both outputs are compared exactly.
func TestCommands(t *testing.T) {
	tests := []struct {
		name  string
		setup func(h *harness, alice, bob *user)
		line  string
		alice []string // what alice gets back
		bob   []string // what bob gets
	}{
		{name: "help lists every command usable after login", line: "/help", alice: chatHelp},
		{name: "help for one command explains it", line: "/help msg",
			alice: []string{"-> /msg NICK text (also /m, /w): private message (also @NICK text)"}},
		{name: "help takes the command with its slash", line: "/help /quit",
			alice: []string{"-> /quit [reason] (also /logout, /exit, logout): leaves"}},
		{name: "help takes an alias", line: "/help w",
			alice: []string{"-> /msg NICK text (also /m, /w): private message (also @NICK text)"}},
		{name: "help for an unknown command says so", line: "/help foo",
			alice: []string{"-> unknown command: /foo (try /help)"}},
		{name: "an unknown command is named in the reply", line: "/foo",
			alice: []string{"-> unknown command: /foo (try /help)"}},
		{name: "an unknown command keeps the case it was typed in", line: "/FooBar x",
			alice: []string{"-> unknown command: /FooBar (try /help)"}},
		{name: "a lone slash is an unknown command", line: "/",
			alice: []string{"-> unknown command: / (try /help)"}},
		{name: "commands are case-insensitive", line: "/LOOK",
			alice: []string{"-> 2 in #lobby: alice, bob"}},
		{name: "look lists the room", line: "/look",
			alice: []string{"-> 2 in #lobby: alice, bob"}},
		{name: "who lists everyone online with their room", line: "/who",
			setup: func(h *harness, alice, bob *user) { bob.send("/join games"); drain(alice, bob) },
			alice: []string{"-> 2 online: alice (#lobby), bob (#games)"}},
		{name: "msg sends a private message", line: "/msg bob hi there",
			alice: []string{"[PM to bob] hi there"}, bob: []string{"[PM from alice] hi there"}},
		{name: "msg finds the nickname case-insensitively", line: "/msg BOB hi",
			alice: []string{"[PM to bob] hi"}, bob: []string{"[PM from alice] hi"}},
		{name: "msg reaches someone in another room", line: "/msg bob psst",
			setup: func(h *harness, alice, bob *user) { bob.send("/join games"); drain(alice, bob) },
			alice: []string{"[PM to bob] psst"}, bob: []string{"[PM from alice] psst"}},
		{name: "msg without arguments shows its usage", line: "/msg",
			alice: []string{"-> usage: /msg NICK text"}},
		{name: "msg without text shows its usage", line: "/msg bob",
			alice: []string{"-> usage: /msg NICK text"}},
		{name: "msg to someone not online says no such user", line: "/msg carol hi",
			alice: []string{"-> no such user: carol"}},
		{name: "msg to a name that cannot be a nickname says no such user", line: "/msg bob! hi",
			alice: []string{"-> no such user: bob!"}},
		{name: "msg to yourself is refused", line: "/msg alice hi",
			alice: []string{"-> that is you: write to someone else"}},
		{name: "@NICK text is a private message", line: "@bob hi",
			alice: []string{"[PM to bob] hi"}, bob: []string{"[PM from alice] hi"}},
		{name: "a lone @ shows the msg usage", line: "@",
			alice: []string{"-> usage: /msg NICK text"}},
		{name: "@ to someone not online says no such user", line: "@carol hi",
			alice: []string{"-> no such user: carol"}},
		{name: "reply before any private message says so", line: "/reply hi",
			alice: []string{"-> no one has sent you a private message yet"}},
		{name: "reply answers whoever last wrote", line: "/reply hello yourself",
			setup: func(h *harness, alice, bob *user) { bob.send("@alice hello"); drain(alice, bob) },
			alice: []string{"[PM to bob] hello yourself"}, bob: []string{"[PM from alice] hello yourself"}},
		{name: "reply follows the writer through a rename", line: "/r hi",
			setup: func(h *harness, alice, bob *user) {
				bob.send("@alice hello")
				bob.send("/nick robert")
				drain(alice, bob)
			},
			alice: []string{"[PM to robert] hi"}, bob: []string{"[PM from alice] hi"}},
		{name: "reply to someone who has left says no such user", line: "/reply hi",
			setup: func(h *harness, alice, bob *user) {
				carol := h.login("carol")
				carol.send("@alice hello")
				carol.send("/quit")
				drain(alice, bob)
			},
			alice: []string{"-> no such user: carol"}},
		{name: "reply without text shows its usage", line: "/reply",
			alice: []string{"-> usage: /reply text"}},
		{name: "me emotes to the room", line: "/me waves",
			bob: []string{"* alice waves"}},
		{name: "me without an action shows its usage", line: "/me",
			alice: []string{"-> usage: /me action"}},
		{name: "a plain line is said to the room", line: "hello",
			bob: []string{"alice: hello"}},
		{name: "say says text that starts with a slash", line: "/say /join is a command",
			bob: []string{"alice: /join is a command"}},
		{name: "bare say says the rest of the line", line: "say hi",
			bob: []string{"alice: hi"}},
		{name: "say without text shows its usage", line: "/say",
			alice: []string{"-> usage: /say text"}},
		{name: "bare say without text shows the say usage", line: "say",
			alice: []string{"-> usage: /say text"}},
		{name: "a double slash says the line with one slash", line: "//shrug",
			bob: []string{"alice: /shrug"}},
		{name: "login after login is just chat", line: "login bob",
			bob: []string{"alice: login bob"}},
		{name: "slash login after login is refused with the current nickname", line: "/login carol",
			alice: []string{"-> /login works only before you log in; you are alice (/nick NAME renames you)"}},
		{name: "ignore with no nickname hides room chat", line: "/ignore",
			alice: []string{"-> room chat is now hidden (you still get private messages and announcements); /ignore shows it again"}},
		{name: "ignore with no nickname a second time shows room chat again", line: "/ignore",
			setup: func(h *harness, alice, bob *user) { alice.send("/ignore"); drain(alice) },
			alice: []string{"-> room chat is shown again"}},
		{name: "ignore a nickname", line: "/ignore bob",
			alice: []string{"-> ignoring bob: you will not see their messages (/unignore bob to undo)"}},
		{name: "ignore the same nickname twice says so", line: "/i bob",
			setup: func(h *harness, alice, bob *user) { alice.send("/ignore bob"); drain(alice) },
			alice: []string{"-> you already ignore bob"}},
		{name: "ignore yourself is refused", line: "/ignore alice",
			alice: []string{"-> that is you: you cannot ignore yourself"}},
		{name: "ignore someone not online says no such user", line: "/ignore carol",
			alice: []string{"-> no such user: carol"}},
		{name: "unignore a nickname", line: "/unignore bob",
			setup: func(h *harness, alice, bob *user) { alice.send("/ignore bob"); drain(alice) },
			alice: []string{"-> you see bob again"}},
		{name: "unignore someone not ignored says so", line: "/unignore bob",
			alice: []string{"-> you are not ignoring bob"}},
		{name: "unignore someone not online says no such user", line: "/unignore carol",
			alice: []string{"-> no such user: carol"}},
		{name: "unignore without a nickname shows its usage", line: "/unignore",
			alice: []string{"-> usage: /unignore NICK"}},
		{name: "join moves to a new room and the old room is told", line: "/join games",
			alice: []string{"*** alice joined #games"}, bob: []string{"*** alice left #lobby (to #games)"}},
		{name: "join takes the room with a hash", line: "/join #games",
			alice: []string{"*** alice joined #games"}, bob: []string{"*** alice left #lobby (to #games)"}},
		{name: "join the room you are in says so", line: "/join lobby",
			alice: []string{"-> you are already in #lobby"}},
		{name: "join compares room names case-insensitively", line: "/join #LOBBY",
			alice: []string{"-> you are already in #lobby"}},
		{name: "join without a room shows its usage", line: "/join",
			alice: []string{"-> usage: /join ROOM"}},
		{name: "join a room name with a space is refused", line: "/join a b",
			alice: []string{`-> room name not allowed: "a b" has a space in it`}},
		{name: "join a lone hash is refused", line: "/join #",
			alice: []string{"-> room name not allowed: a room name needs at least one character"}},
		{name: "join a room name with symbols is refused", line: "/join r&d",
			alice: []string{`-> room name not allowed: "r&d": use letters, digits, _ - and . only`}},
		{name: "join a room name over 32 characters is refused", line: "/join abcdefghijabcdefghijabcdefghijabc",
			alice: []string{`-> room name not allowed: "abcdefghijabcdefghijabcdefghijabc" is longer than 32 characters`}},
		{name: "part goes back to the lobby", line: "/part",
			setup: func(h *harness, alice, bob *user) { alice.send("/join games"); drain(alice, bob) },
			alice: []string{"*** alice joined #lobby"}, bob: []string{"*** alice joined #lobby"}},
		{name: "part in the lobby says so", line: "/part",
			alice: []string{"-> you are already in #lobby"}},
		{name: "rooms lists rooms with member counts", line: "/rooms",
			setup: func(h *harness, alice, bob *user) { bob.send("/join games"); drain(alice, bob) },
			alice: []string{"-> 2 rooms: #games (1), #lobby (1)"}},
		{name: "rooms with only the lobby says one room", line: "/rooms",
			alice: []string{"-> 1 room: #lobby (2)"}},
		{name: "whois shows room, connected and idle times, and charset", line: "/whois bob",
			setup: func(h *harness, alice, bob *user) {
				h.clock.advance(90 * time.Second)
				bob.send("/join games")
				h.clock.advance(30*time.Second + 500*time.Millisecond)
				drain(alice, bob)
			},
			alice: []string{"-> bob: in #games, connected for 2m0s, idle for 30s, charset utf-8"}},
		{name: "whois someone not online says no such user", line: "/whois carol",
			alice: []string{"-> no such user: carol"}},
		{name: "whois without a nickname shows its usage", line: "/whois",
			alice: []string{"-> usage: /whois NICK"}},
		{name: "charset shows the charset and that it is automatic", line: "/charset",
			alice: []string{"-> your charset is utf-8 (switches to gbk by itself if your terminal sends gbk)"}},
		{name: "charset sets gbk", line: "/charset gbk",
			alice: []string{"-> your charset is now gbk"}},
		{name: "charset after setting it is no longer automatic", line: "/charset",
			setup: func(h *harness, alice, bob *user) { alice.send("/charset utf-8"); drain(alice) },
			alice: []string{"-> your charset is utf-8"}},
		{name: "charset refuses a name it does not know", line: "/charset latin1",
			alice: []string{`-> unknown charset "latin1" (use utf-8 or gbk)`}},
		{name: "encoding is charset", line: "/encoding cp936",
			alice: []string{"-> your charset is now gbk"}},
		{name: "timestamp shows the setting", line: "/timestamp",
			alice: []string{"-> timestamps off"}},
		{name: "timestamp on prefixes its own reply", line: "/timestamp on",
			alice: []string{"[15:04:05] -> timestamps on"}},
		{name: "timestamp off", line: "/ts OFF",
			setup: func(h *harness, alice, bob *user) { alice.send("/ts on"); drain(alice) },
			alice: []string{"-> timestamps off"}},
		{name: "timestamp with a bad argument shows its usage", line: "/ts maybe",
			alice: []string{"-> usage: /timestamp [on|off]"}},
		{name: "echo shows the setting", line: "/echo",
			alice: []string{"-> echo of your own chat lines off"}},
		{name: "echo on", line: "/echo on",
			alice: []string{"-> echo of your own chat lines on"}},
		{name: "echo with a bad argument shows its usage", line: "/echo yes",
			alice: []string{"-> usage: /echo [on|off]"}},
		{name: "nick renames and the room is told", line: "/nick alicia",
			alice: []string{"*** alice is now known as alicia"}, bob: []string{"*** alice is now known as alicia"}},
		{name: "nick may change only the case", line: "/nick Alice",
			alice: []string{"*** alice is now known as Alice"}, bob: []string{"*** alice is now known as Alice"}},
		{name: "nick to the same name says so", line: "/nick alice",
			alice: []string{"-> you are already alice"}},
		{name: "nick to a name online is refused", line: "/nick BOB",
			alice: []string{"-> nickname is taken: bob is online; try another"}},
		{name: "nick to a bad name is refused", line: "/nick a b",
			alice: []string{`-> nickname not allowed: "a b" has a space in it`}},
		{name: "nick without a name shows its usage", line: "/nick",
			alice: []string{"-> usage: /nick NAME"}},
		{name: "quit says goodbye and the room is told", line: "/quit",
			alice: []string{"-> goodbye, alice"}, bob: []string{"*** alice left #lobby (quit)"}},
		{name: "quit with a reason gives the room the reason", line: "/quit gone fishing",
			alice: []string{"-> goodbye, alice"}, bob: []string{`*** alice left #lobby (quit: "gone fishing")`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bob")
			alice, bob := us[0], us[1]
			if tt.setup != nil {
				tt.setup(h, alice, bob)
			}
			alice.send(tt.line)
			expectLines(t, "alice", alice.got(), tt.alice)
			expectLines(t, "bob", bob.got(), tt.bob)
		})
	}
}

// TestAliases checks that each alias, bare word and odd spelling does
// exactly what its command does, for the sender and for the room.
func TestAliases(t *testing.T) {
	tests := []struct{ alias, command string }{
		{"/h", "/help"},
		{"/?", "/help"},
		{"/HELP", "/help"},
		{"/ls", "/who"},
		{"/names", "/who"},
		{"/m bob hi", "/msg bob hi"},
		{"/w bob hi", "/msg bob hi"},
		{"@bob hi", "/msg bob hi"},
		{"/MSG bob hi", "/msg bob hi"},
		{"/msg   bob   hi", "/msg bob hi"},
		{"/r hi", "/reply hi"},
		{"say hi", "/say hi"},
		{"SAY hi", "/say hi"},
		{"/i", "/ignore"},
		{"/i bob", "/ignore bob"},
		{"/encoding gbk", "/charset gbk"},
		{"/charset UTF8", "/charset utf-8"},
		{"/charset gb2312", "/charset gbk"},
		{"/ts on", "/timestamp on"},
		{"/logout", "/quit"},
		{"/exit", "/quit"},
		{"logout", "/quit"},
		{"LOGOUT", "/quit"},
		{"/exit bye", "/quit bye"},
	}
	run := func(t *testing.T, line string) (alice, bob []string) {
		t.Helper()
		h := newHarness(t)
		us := h.logins("alice", "bob")
		us[1].send("@alice hello") // something for /reply to answer
		drain(us...)
		us[0].send(line)
		return us[0].got(), us[1].got()
	}
	for _, tt := range tests {
		t.Run(tt.alias+" does what "+tt.command+" does", func(t *testing.T) {
			wantA, wantB := run(t, tt.command)
			if len(wantA)+len(wantB) == 0 {
				t.Fatalf("%s produced nothing to compare with", tt.command)
			}
			gotA, gotB := run(t, tt.alias)
			expectLines(t, "alice", gotA, wantA)
			expectLines(t, "bob", gotB, wantB)
		})
	}
}

// TestCommandsBeforeLogin checks what a session without a nickname may do:
// chat commands are refused with one reply and the session stays in login.
func TestCommandsBeforeLogin(t *testing.T) {
	notYet := []string{"-> log in first: type a nickname"}
	tests := []struct {
		name string
		line string
		want []string
	}{
		{"who needs a nickname", "/who", notYet},
		{"look needs a nickname", "/look", notYet},
		{"msg needs a nickname", "/msg bob hi", notYet},
		{"@NICK needs a nickname", "@bob hi", notYet},
		{"reply needs a nickname", "/reply hi", notYet},
		{"me needs a nickname", "/me waves", notYet},
		{"slash say needs a nickname", "/say hi", notYet},
		{"bare say needs a nickname", "say hi", notYet},
		{"a double slash line needs a nickname", "//hi", notYet},
		{"ignore needs a nickname", "/ignore bob", notYet},
		{"unignore needs a nickname", "/unignore bob", notYet},
		{"join needs a nickname", "/join games", notYet},
		{"part needs a nickname", "/part", notYet},
		{"rooms needs a nickname", "/rooms", notYet},
		{"whois needs a nickname", "/whois bob", notYet},
		{"help lists only what works before login", "/help", loginHelp},
		{"help for one command works before login", "/help who",
			[]string{"-> /who (also /ls, /names, who): everyone online, with their room"}},
		{"an unknown command is unknown before login too", "/foo", []string{"-> unknown command: /foo (try /help)"}},
		{"charset works before login", "/charset gbk", []string{"-> your charset is now gbk"}},
		{"timestamp works before login", "/ts on", []string{"[15:04:05] -> timestamps on"}},
		{"echo works before login", "/echo on", []string{"-> echo of your own chat lines on"}},
		{"bare login without a name shows its usage", "login", []string{"-> usage: /login NAME [PASSWORD]"}},
		{"slash login without a name shows its usage", "/login", []string{"-> usage: /login NAME [PASSWORD]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			bob := h.logins("bob")[0]
			u := h.connect()
			u.send(tt.line)
			expectLines(t, "the new user", u.got(), tt.want)
			expectLines(t, "bob", bob.got(), nil)
			if u.s.state != stateLogin || u.s.Nick() != "" {
				t.Errorf("after %q the session is in phase %d as %q, want login without a nickname", tt.line, u.s.state, u.s.Nick())
			}
		})
	}
}

// TestHelpListsEveryCommand keeps /help and the command table together:
// every command usable after login is in the list, and no other.
func TestHelpListsEveryCommand(t *testing.T) {
	reg, _ := builtinCommands()
	for _, c := range reg.Commands() {
		if c.Hidden {
			continue
		}
		line := "->   " + c.helpLine()
		chat := !c.Hidden && (c.Requires == Anyone || c.Requires == LoggedIn)
		login := !c.Hidden && (c.Requires == Anyone || c.Requires == LoggedOut)
		if got := slices.Contains(chatHelp, line); got != chat {
			t.Errorf("/%s: in the chat help = %v, usable after login = %v", c.Name, got, chat)
		}
		if got := slices.Contains(loginHelp, line); got != login {
			t.Errorf("/%s: in the login help = %v, usable before login = %v", c.Name, got, login)
		}
	}
}
