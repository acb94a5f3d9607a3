package wire

import (
	"bytes"
	"testing"
	"unicode/utf8"
)

// GBK (CP936) bytes of a few test strings.
const (
	gbkNihao = "\xc4\xe3\xba\xc3"         // 你好
	gbkTea   = "\xb2\xe8"                 // 茶
	gbkEuro  = "\x80"                     // € is 0x80 in CP936
	gbkMixed = "hi \xc4\xe3\xba\xc3 tea!" // hi 你好 tea!
)

func TestCodec(t *testing.T) {
	k := NewCodec()
	cases := []struct {
		name      string
		c         Charset
		utf8, raw string
	}{
		{"ASCII is the same in both", GBK, "hello, world", "hello, world"},
		{"Chinese round-trips through GBK", GBK, "你好", gbkNihao},
		{"mixed text round-trips through GBK", GBK, "hi 你好 tea!", gbkMixed},
		{"the euro sign is CP936's 0x80", GBK, "€", gbkEuro},
		{"UTF-8 is passed through", UTF8, "你好 ☕", "你好 ☕"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(k.Encode(nil, tc.c, []byte(tc.utf8))); got != tc.raw {
				t.Errorf("Encode = %q, want %q", got, tc.raw)
			}
			if got := string(k.Decode(nil, tc.c, []byte(tc.raw))); got != tc.utf8 {
				t.Errorf("Decode = %q, want %q", got, tc.utf8)
			}
		})
	}
}

func TestCodecReplacements(t *testing.T) {
	k := NewCodec()
	cases := []struct {
		name string
		got  func() []byte
		want string
	}{
		{"an emoji a GBK user cannot see becomes ?", func() []byte { return k.Encode(nil, GBK, []byte("tea ☕ 茶 😀!")) }, "tea ? " + gbkTea + " ?!"},
		{"undecodable UTF-8 bytes become U+FFFD each", func() []byte { return k.Decode(nil, UTF8, []byte("a\xff\xfeb")) }, "a\uFFFD\uFFFDb"},
		{"a truncated GBK character becomes U+FFFD", func() []byte { return k.Decode(nil, GBK, []byte("a\xc4")) }, "a\uFFFD"},
		{"Encode appends to what dst holds", func() []byte { return k.Encode([]byte("> "), GBK, []byte("茶")) }, "> " + gbkTea},
		{"a long line grows the destination", func() []byte { return k.Encode(nil, GBK, []byte(repeat("茶😀", 500))) }, repeat(gbkTea+"?", 500)},
		// GBK has these precomposed letters (pinyin), so decomposed input
		// is composed before encoding rather than sent as "e?".
		{"e with a combining acute reaches GBK as é", func() []byte { return k.Encode(nil, GBK, []byte("caf\u0065\u0301")) }, "caf\xa8\xa6"},
		{"u with a combining diaeresis reaches GBK as ü", func() []byte { return k.Encode(nil, GBK, []byte("lu\u0308")) }, "l\xa8\xb9"},
		{"a with a combining caron reaches GBK as ǎ", func() []byte { return k.Encode(nil, GBK, []byte("ma\u030C")) }, "m\xa8\xa3"},
		{"a mark GBK cannot compose still becomes ?", func() []byte { return k.Encode(nil, GBK, []byte("q\u0301")) }, "q?"},
		{"UTF-8 output is passed through as it is", func() []byte { return k.Encode(nil, UTF8, []byte("e\u0301")) }, "e\u0301"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(tc.got()); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestIsGBK(t *testing.T) {
	k := NewCodec()
	cases := []struct {
		name string
		in   string
		want bool
	}{
		{"GBK Chinese is GBK", gbkMixed, true},
		{"ASCII is also GBK", "hello", true},
		{"a lone trail byte is not GBK", "\xff", false},
		{"a cut-off lead byte is not GBK", "\xc4", false},
		{"a lead byte with a bad trail byte is not GBK", "\xa1\x7f", false},
		// UTF-8 Chinese is often valid GBK as well (mojibake), which is why
		// auto-detection only switches on lines that are not valid UTF-8.
		{"UTF-8 Chinese can also pass as GBK", "你好", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := isGBK(k, []byte(tc.in)); got != tc.want {
				t.Errorf("isGBK(%q) = %v, want %v", tc.in, got, tc.want)
			}
		})
	}
}

func TestParseCharset(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Charset
		ok   bool
	}{
		{"utf-8", UTF8, true}, {"UTF8", UTF8, true}, {"gbk", GBK, true}, {"CP936", GBK, true},
		{"gb2312", GBK, true}, {"latin1", UTF8, false}, {"", UTF8, false},
	} {
		t.Run(tc.in+" parses as expected", func(t *testing.T) {
			got, err := ParseCharset(tc.in)
			if (err == nil) != tc.ok || got != tc.want {
				t.Errorf("ParseCharset(%q) = %v, %v", tc.in, got, err)
			}
		})
	}
	t.Run("the encoding flag takes auto too", func(t *testing.T) {
		c, auto, err := ParseEncoding("auto")
		if c != UTF8 || !auto || err != nil {
			t.Errorf("got %v %v %v", c, auto, err)
		}
		if _, _, err := ParseEncoding("ebcdic"); err == nil {
			t.Error("want an error for ebcdic")
		}
	})
}

func repeat(s string, n int) string {
	out := make([]byte, 0, len(s)*n)
	for range n {
		out = append(out, s...)
	}
	if !utf8.Valid(out) && utf8.ValidString(s) {
		panic("repeat broke UTF-8")
	}
	return string(out)
}

// TestEncodeAllocations pins the GBK encoder at zero allocations for text
// that is already NFC, the common case, and for decomposed text once the
// Codec's scratch has grown.
func TestEncodeAllocations(t *testing.T) {
	k := NewCodec()
	for _, tc := range []struct{ name, in string }{
		{"ASCII allocates nothing", "hello everyone, this is the tea party chat"},
		{"composed Chinese and accents allocate nothing", "你好 caf\u00e9 l\u00fc ☕"},
		{"decomposed accents allocate nothing once warm", "caf\u0065\u0301 lu\u0308"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src, dst := []byte(tc.in), make([]byte, 0, 256)
			k.Encode(dst, GBK, src) // warm the scratch
			if n := testing.AllocsPerRun(100, func() { dst = k.Encode(dst[:0], GBK, src) }); n != 0 {
				t.Errorf("%.0f allocations", n)
			}
		})
	}
}

// isGBK reports whether src decodes as GBK without a single undecodable
// byte: the oracle the tests judge LooksGBK and the codec by.
func isGBK(k *Codec, src []byte) bool {
	var scratch [512]byte
	out := k.transform(k.gbkDec, scratch[:0], src, len(src)*3/2+8)
	return !bytes.Contains(out, []byte(string(utf8.RuneError)))
}
