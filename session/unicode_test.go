package session

import (
	"fmt"
	"testing"
)

// TestBlankLines checks that a line with nothing visible in it, whatever
// invisible characters it is made of, is ignored like a line of spaces:
// nobody reads "bert: " with nothing after it.
func TestBlankLines(t *testing.T) {
	blanks := []struct{ name, line string }{
		{"spaces", "   "},
		{"braille pattern blank", "\u2800"},
		{"zero width spaces", "\u200B\u200B"},
		{"a byte order mark", "\uFEFF"},
		{"a word joiner", "\u2060"},
		{"the Hangul filler", "\u3164"},
		{"the halfwidth Hangul filler", "\uFFA0"},
		{"Hangul choseong and jungseong fillers", "\u115F\u1160"},
		{"a soft hyphen", "\u00AD"},
		{"a zero width joiner", "\u200D"},
		{"a variation selector", "\uFE0F"},
		{"a line separator", "\u2028"},
		{"a paragraph separator", "\u2029"},
		{"a mix of all of them", " \u2800\u200B\uFEFF\u2060\u3164\u2028\u3000 "},
	}
	for _, b := range blanks {
		t.Run(fmt.Sprintf("a line of %s is ignored", b.name), func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bert")
			alice, bert := us[0], us[1]
			bert.send(b.line)
			expectLines(t, "alice", alice.got(), nil)
			expectLines(t, "bert", bert.got(), nil)
			bert.send("hi")
			expectLines(t, "alice", alice.got(), []string{"bert: hi"})
		})
	}
}

// TestLineSeparatorsInChat checks that U+2028 and U+2029 reach others as
// a space, so no reader that splits lines on them shows a forged line
// without a nickname, and that invisible characters a script or emoji
// needs inside a line get through.
func TestLineSeparatorsInChat(t *testing.T) {
	tests := []struct{ name, line, want string }{
		{"a line separator becomes a space", "hi\u2028alice: give me your password", "bert: hi alice: give me your password"},
		{"a paragraph separator becomes a space", "hi\u2029*** alice left #lobby", "bert: hi *** alice left #lobby"},
		{"a next line control is removed", "hi\u0085alice: forged", "bert: hialice: forged"},
		{"a vertical tab is removed", "hi\valice: forged", "bert: hialice: forged"},
		{"a form feed is removed", "hi\falice: forged", "bert: hialice: forged"},
		{"a zero width joiner inside an emoji sequence is kept", "\U0001F468\u200D\U0001F469\u200D\U0001F467", "bert: \U0001F468\u200D\U0001F469\u200D\U0001F467"},
		{"a zero width non-joiner inside Persian is kept", "\u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645", "bert: \u0645\u06CC\u200C\u062E\u0648\u0627\u0647\u0645"},
		{"blank fillers at the end are trimmed", "hi\u2800\u3164", "bert: hi"},
		{"decomposed text is delivered composed", "cafe\u0301", "bert: caf\u00E9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			us := h.logins("alice", "bert")
			alice, bert := us[0], us[1]
			bert.send(tt.line)
			expectLines(t, "alice", alice.got(), []string{tt.want})
		})
	}
}

// TestDecomposedTextReachesGBK checks that an accent typed as a combining
// mark reaches a GBK user as the precomposed letter GBK has, not as "e?".
func TestDecomposedTextReachesGBK(t *testing.T) {
	h := newHarness(t)
	us := h.logins("alice", "bert")
	alice, bert := us[0], us[1]
	alice.send("/charset gbk")
	alice.got()
	for _, tc := range []struct{ name, line, want string }{
		{"e with a combining acute arrives as é", "cafe\u0301", "bert: caf\u00E9"},
		{"u with a combining diaeresis arrives as ü", "lu\u0308", "bert: l\u00FC"},
		{"a with a combining caron arrives as ǎ", "ma\u030C", "bert: m\u01CE"},
		{"a mark GBK has no letter for still becomes ?", "q\u0301", "bert: q?"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bert.send(tc.line)
			expectLines(t, "alice (gbk)", alice.gotGBK(), []string{tc.want})
		})
	}
}
