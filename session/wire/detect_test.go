package wire

import (
	"bufio"
	"bytes"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// detectGBK returns s in GBK; s must be encodable.
func detectGBK(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("%q has no GBK form: %v", s, err)
	}
	return b
}

// detectXText reports whether x/text decodes b as GBK without U+FFFD, the
// old rule's test (isGBK).
func detectXText(b []byte) bool {
	out, err := simplifiedchinese.GBK.NewDecoder().Bytes(b)
	return err == nil && !bytes.ContainsRune(out, utf8.RuneError)
}

// detectInS reports whether the valid UTF-8 string s has non-ASCII
// characters, all in S, so that it is GBK too and rule 2 cannot see it.
func detectInS(s string) bool {
	non := false
	for _, r := range s {
		if r < utf8.RuneSelf {
			continue
		}
		if _, ok := detectIndex(r); !ok {
			return false
		}
		non = true
	}
	return non
}

// detectChatWords are two-hanzi words of everyday chat, picked by hand,
// which a written-language frequency list ranks low or leaves out.
var detectChatWords = strings.Fields(`
	谢谢 你好 再见 拜拜 晚安 早安 好的 是的 对的 不是 不要 不行 好吧 真的
	没事 没关系 不客气 对不起 辛苦 加油 厉害 牛逼 好玩 好看 好吃 喜欢 讨厌
	开心 难过 无聊 哈哈 呵呵 嘿嘿 嘻嘻 嗯嗯 哦哦 喂喂 干嘛 在吗 在干嘛 吃饭
	睡觉 上班 下班 放假 周末 手机 电脑 网络 游戏 电影 音乐 视频 照片 图片
	东西 事情 问题 知道 觉得 希望 需要 应该 一定 当然 已经 还是 但是 所以
	因为 如果 然后 一下 一点 一些 一样 一直 有点 欢迎 恭喜 生日 快乐 朋友
	大家 兄弟 老师 同学 学校 学习 工作 老板 时间 现在 今天 明天 昨天 晚上
	早上 中午 下午 我们 你们 他们 自己 这个 那个 哪里 这里 那里 多少 几点
	什么 为什么 怎么 怎么样 怎么办 可以 可能 小心 小时 谢谢你 太好了 没问题
	什么时候 一起 一起去 回家 出去 等等 稍等 马上 快点 慢点 随便 算了 好久
	不见 好久不见 想你 爱你 笑死 哈哈哈 么么哒 晚点 明白 懂了 收到 好滴
`)

func TestLooksGBKDetectsCommonChineseWords(t *testing.T) {
	jieba := detectReadWords(t)
	for _, tc := range []struct {
		name  string
		words []string
	}{
		{"the 500 most frequent two-hanzi words of jieba's dictionary are detected in GBK", jieba},
		{"everyday chat words are detected in GBK", detectChatWords},
	} {
		t.Run(tc.name, func(t *testing.T) {
			seen := map[string]bool{}
			for _, w := range tc.words {
				if seen[w] {
					t.Fatalf("%s is listed twice", w)
				}
				seen[w] = true
			}
			var detected, ambiguous, ambiguousDetected int
			var missed []string
			for _, w := range tc.words {
				b := detectGBK(t, w)
				ok := LooksGBK(b)
				if ok {
					detected++
				} else {
					missed = append(missed, w)
				}
				if utf8.Valid(b) {
					ambiguous++
					if ok {
						ambiguousDetected++
					}
				}
			}
			rate := 100 * float64(detected) / float64(len(tc.words))
			t.Logf("detected %d of %d words (%.1f %%); %d are also valid UTF-8, "+
				"which the invalid-UTF-8 rule alone misses, and %d of those are detected; missed: %v",
				detected, len(tc.words), rate, ambiguous, ambiguousDetected, missed)
			if rate < 95 {
				t.Errorf("detection rate %.1f %% is under 95 %%", rate)
			}
		})
	}
}

// detectReadWords reads testdata/gbk-words.txt and checks that it holds 500
// distinct words of two hanzi.
func detectReadWords(t *testing.T) []string {
	t.Helper()
	f, err := os.Open("testdata/gbk-words.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var words []string
	seen := map[string]bool{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		w := strings.Fields(line)[0]
		if utf8.RuneCountInString(w) != 2 || seen[w] {
			t.Fatalf("testdata/gbk-words.txt: %q is not a new two-hanzi word", w)
		}
		seen[w] = true
		words = append(words, w)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if len(words) < 500 {
		t.Fatalf("testdata/gbk-words.txt has %d words, want 500", len(words))
	}
	return words
}

func TestLooksGBKSwitchesOnChinese(t *testing.T) {
	for _, tc := range []struct {
		name, line string
	}{
		{"谢谢 switches although its GBK bytes d0bb d0bb are the UTF-8 of лл", "谢谢"},
		{"谢谢 followed by an exclamation mark switches", "谢谢!"},
		{"the nickname 小 switches although its GBK bytes are the UTF-8 of С", "小"},
		{"the nickname 小明 switches", "小明"},
		{"the nickname 小红 switches", "小红"},
		{"the nickname 小王 switches", "小王"},
		{"什么, read as ʲô, switches", "什么"},
		{"一些, read as һЩ, switches", "一些"},
		{"学校, read as ѧУ, switches", "学校"},
		{"小时, read as Сʱ, switches", "小时"},
		{"同学, read as ͬѧ, switches", "同学"},
		{"太太, read as two combining marks, switches", "太太"},
		{"远远, read as ԶԶ, switches", "远远"},
		{"一页, read as һҳ, switches", "一页"},
		{"每每, read as ÿÿ, switches", "每每"},
		{"hanzi after ASCII letters switch", "QQ群"},
		{"谢谢 after ASCII letters switches", "ok谢谢"},
		{"a greeting with full-width punctuation switches", "你好，我是小明。"},
		{"a plain sentence switches", "今天天气很好"},
		{"a question switches", "你吃饭了吗？"},
		{"a sentence of hanzi that are each valid UTF-8 switches", "一些同学小时"},
		{"a sentence mixing ASCII and hanzi switches", "我用Linux写Go代码"},
		{"a command with a Chinese argument switches", "/nick 小明"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := detectGBK(t, tc.line)
			if !LooksGBK(b) {
				t.Errorf("LooksGBK(% x) = false, want true (UTF-8 reading %q)", b, b)
			}
		})
	}
}

func TestLooksGBKKeepsRealUTF8(t *testing.T) {
	f, err := os.Open("testdata/utf8-lines.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	type group struct {
		name  string
		lines []string
	}
	var groups []*group
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			groups = append(groups, &group{name: strings.TrimPrefix(line, "## ")})
		case line == "" || line[0] == '#':
		case len(groups) == 0:
			t.Fatalf("testdata/utf8-lines.txt: %q comes before the first heading", line)
		default:
			groups[len(groups)-1].lines = append(groups[len(groups)-1].lines, line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	total, inS, switched := 0, 0, 0
	for _, g := range groups {
		t.Run(g.name+" lines stay UTF-8", func(t *testing.T) {
			for _, line := range g.lines {
				if !utf8.ValidString(line) {
					t.Fatalf("testdata/utf8-lines.txt: %q is not UTF-8", line)
				}
				total++
				if detectInS(line) {
					inS++
				}
				if LooksGBK([]byte(line)) {
					switched++
					t.Errorf("LooksGBK(%q) = true: a real UTF-8 line would switch to GBK (%s)",
						line, detectGBKReading(line))
				}
			}
		})
	}
	t.Logf("%d real UTF-8 lines in %d groups, %d of them with every character in S (also valid GBK hanzi); %d switched",
		total, len(groups), inS, switched)
	if total < 200 {
		t.Errorf("only %d UTF-8 lines, want at least 200", total)
	}
}

// detectGBKReading returns how line reads in GBK, for messages.
func detectGBKReading(line string) string {
	out, _ := simplifiedchinese.GBK.NewDecoder().String(line)
	return "GBK reading " + out
}

func TestLooksGBKEdgeCases(t *testing.T) {
	for _, tc := range []struct {
		name string
		line string
		want bool
	}{
		{"an empty line is no evidence", "", false},
		{"an ASCII line is no evidence", "hello, world", false},
		{"a long ASCII line is no evidence", strings.Repeat("abcdefgh", 64), false},
		{"an ASCII line with control bytes is no evidence", "a\tb\x1b[1mc\x7f", false},
		{"a byte that is neither UTF-8 nor GBK is not GBK", "abc\xff", false},
		{"a GBK lead byte at the end of the line is not GBK", "abc\xd0", false},
		{"a GBK lead byte before an ASCII control is not GBK", "\xd0\x1f", false},
		{"an unmapped GBK pair is not GBK", "\xa1\x40", false},
		{"a user-defined GBK pair is not GBK", "\xaa\xa1", false},
		{"Latin-1 café with é last is not GBK", "caf\xe9", false},
		{"a long line switches on GBK near its end", strings.Repeat("a", 100) + "\xc4\xe3\xba\xc3", true},
		{"a GBK pair whose trail byte is ASCII switches", "\x81\x40", true},
		{"the euro sign of Code Page 936 switches", "price: 5\x80", true},
		{"a lone UTF-8 continuation byte that starts a GBK pair switches", "\xb0\xa1", true},
		{"UTF-8 with one non-S character never switches", "лл€", false},
		{"a rare character alone switches", "ʲ", true},
		{"a Cyrillic capital alone switches when its hanzi is everyday", "С", true},
		{"a Cyrillic capital alone stays when its hanzi is rare", "Ш", false},
		{"a Cyrillic capital vowel alone stays: Я is a word", "Я", false},
		{"a capital next to a digit stays", "С1", false},
		{"a capital with a plausible word stays", "С мамой", false},
		{"a weak word beside a plausible word stays", "лл да", false},
		{"a strong word beside a plausible word switches", "да ʲô", true},
		{"an apostrophe at the end of a word switches", "aʼ", true},
		{"an apostrophe between letters stays", "oʻzbek", false},
		{"a combining mark after a letter stays", "a\u0336b\u0336", false},
		{"a combining mark after a space switches", "a \u0336", true},
		{"a Hebrew point after a Hebrew letter stays", "ס\u05b0", false},
		{"a Hebrew point after a Latin letter switches", "a\u05b0", true},
		{"a final letter inside a Hebrew word switches", "ףס", true},
		{"Greek next to Cyrillic in one word switches", "λл", true},
		{"a capital inside a word switches", "аСм", true},
		{"a capital ending a word is a unit", "мкФ", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := LooksGBK([]byte(tc.line)); got != tc.want {
				t.Errorf("LooksGBK(%q) = %v, want %v", tc.line, got, tc.want)
			}
		})
	}
}

func TestLooksGBKAgreesWithXText(t *testing.T) {
	t.Run("every GBK pair decodes exactly when x/text decodes it", func(t *testing.T) {
		for lead := 0x81; lead <= 0xFF; lead++ {
			for trail := 0; trail <= 0xFF; trail++ {
				b := []byte{byte(lead), byte(trail)}
				if got, want := detectDecodesAsGBK(b), detectXText(b); got != want {
					t.Errorf("detectDecodesAsGBK(% x) = %v, x/text says %v", b, got, want)
				}
			}
		}
	})
	t.Run("every character of S is a GB2312 level-1 hanzi in GBK", func(t *testing.T) {
		for lead := 0xC2; lead <= 0xD7; lead++ {
			for trail := 0xA1; trail <= 0xBF; trail++ {
				b := []byte{byte(lead), byte(trail)}
				r, _ := utf8.DecodeRune(b)
				if _, ok := detectIndex(r); !ok {
					t.Fatalf("% x (%U) is not in S", b, r)
				}
				h, err := simplifiedchinese.GBK.NewDecoder().Bytes(b)
				hr, _ := utf8.DecodeRune(h)
				if err != nil || hr < 0x4E00 || hr > 0x9FFF {
					t.Errorf("% x reads %q in GBK, not a hanzi", b, h)
				}
			}
		}
	})
	t.Run("the everyday hanzi are distinct hanzi of S", func(t *testing.T) {
		seen := map[rune]bool{}
		for _, r := range detectEveryday {
			if seen[r] {
				t.Errorf("%c is listed twice", r)
			}
			seen[r] = true
		}
		n := 0
		for _, info := range detectLoad().info {
			if info&detEveryday != 0 {
				n++
			}
		}
		if n != len(seen) {
			t.Errorf("%d bits set for %d everyday hanzi", n, len(seen))
		}
	})
}

func TestLooksGBKAllocatesNothing(t *testing.T) {
	lines := [][]byte{
		[]byte("hello"),
		detectGBK(t, "谢谢"),
		detectGBK(t, "你好，我是小明。"),
		[]byte("Привет всем!"),
		[]byte("лл да"),
		[]byte("你好"),
	}
	for _, l := range lines {
		LooksGBK(l) // builds the tables
	}
	if n := testing.AllocsPerRun(100, func() {
		for _, l := range lines {
			LooksGBK(l)
		}
	}); n != 0 {
		t.Errorf("LooksGBK allocates %.1f times a run, want 0", n)
	}
}

func BenchmarkLooksGBK(b *testing.B) {
	for _, bc := range []struct {
		name string
		line []byte
	}{
		{"ASCII chat line", []byte("hey, is anyone around to talk about the release tonight?")},
		{"UTF-8 Russian line", []byte("Привет всем, как дела?")},
		{"UTF-8 Chinese line", []byte("今天天气很好，我们一起去吃饭吧")},
		{"GBK Chinese line", detectGBK(b, "今天天气很好，我们一起去吃饭吧")},
		{"GBK 谢谢, valid UTF-8", detectGBK(b, "谢谢")},
		{"UTF-8 Russian line all in S", []byte("он дома, а где мама")},
	} {
		b.Run(bc.name, func(b *testing.B) {
			LooksGBK(bc.line)
			b.SetBytes(int64(len(bc.line)))
			b.ReportAllocs()
			for b.Loop() {
				LooksGBK(bc.line)
			}
		})
	}
}

func FuzzLooksGBK(f *testing.F) {
	for _, s := range []string{"", "hello", "谢谢", "лл", "小", "Привет", "café", "\xd0\xbb\xd0", "\xff", "😀", "a\u0336", "oʻzbek"} {
		f.Add([]byte(s))
	}
	f.Add([]byte{0xd0, 0xbb, 0xd0, 0xbb})
	f.Fuzz(func(t *testing.T, line []byte) {
		got := LooksGBK(line)
		if again := LooksGBK(line); again != got {
			t.Fatalf("LooksGBK(% x) is %v, then %v", line, got, again)
		}
		switch {
		case !utf8.Valid(line):
			if want := detectXText(line); got != want {
				t.Fatalf("LooksGBK(% x) = %v on invalid UTF-8, but x/text decodes it: %v", line, got, want)
			}
		case got && !detectInS(string(line)):
			t.Fatalf("LooksGBK(%q) = true, but a character lies outside S: real UTF-8 would switch", line)
		case got && !detectXText(line):
			t.Fatalf("LooksGBK(%q) = true, but it is not GBK", line)
		}
		// The same bytes spelled as real text wholly in S: Russian words
		// of а to п, each with a vowel, and French words of ASCII and
		// Latin-1 letters, each with an ASCII letter. Neither may switch.
		for _, tc := range []struct {
			alphabet []rune
			vowel    rune
		}{
			{[]rune("абвгдежзийклмноп"), 'о'},
			{[]rune("abcdefghijklmnopqrstuvwxyzáâäçèéêëíîïñóôöúûüýÿ"), 'a'},
		} {
			text := detectSpell(line, tc.alphabet, tc.vowel)
			if LooksGBK(text) {
				t.Fatalf("LooksGBK(%q) = true: real text would switch (%s)", text, detectGBKReading(string(text)))
			}
		}
	})
}

// detectSpell spells b in alphabet: each byte a letter or, one time in
// eight, a space or punctuation; every word gets vowel at its end.
func detectSpell(b []byte, alphabet []rune, vowel rune) []byte {
	var out []byte
	word := false
	for _, c := range b {
		if c%8 == 0 {
			if word {
				out = utf8.AppendRune(out, vowel)
			}
			out = append(out, " ,.!?-"[int(c/8)%6])
			word = false
			continue
		}
		out = utf8.AppendRune(out, alphabet[int(c)%len(alphabet)])
		word = true
	}
	if word {
		out = utf8.AppendRune(out, vowel)
	}
	return out
}
