package wire

import (
	"encoding/binary"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// LooksGBK reports whether a session still in auto mode should switch to
// GBK because of line: one raw input line, without its terminator, telnet
// commands already removed. It does not allocate, and it is safe for
// concurrent use.
//
// The rule, in order:
//
//  1. A line of ASCII bytes only is no evidence: false.
//  2. A line that is not valid UTF-8 is GBK if it decodes as GBK (Code Page
//     936 as golang.org/x/text decodes it, 0x80 being €) without a single
//     undecodable byte, and is not otherwise. This was the whole rule before.
//  3. A valid UTF-8 line can only be GBK if every non-ASCII character in it
//     is in the set S: U+0080 to U+05FF with the low six bits at least 0x21,
//     whose UTF-8 forms are exactly the byte pairs C2–D7 A1–BF. In GBK those
//     pairs are 682 GB2312 level-1 hanzi (the 3,755 most frequent), rows 34
//     to 55, from 隆 to 卓: 谢 is d0 bb, the UTF-8 of л, and 小 is d0 a1, С.
//     Any other non-ASCII character (CJK, kana, hangul, emoji, arrows, box
//     drawing, Arabic, ß, à, ё, р to я, π to ω...) keeps the line UTF-8.
//  4. Such a line is read as UTF-8 and cut into words: runs of letters
//     (ASCII ones included), combining marks and modifier apostrophes;
//     anything else separates words. The line is GBK if it shows one of the
//     strong signs below.
//  5. Failing that, it is GBK if every word with a non-ASCII character shows
//     one of the weak signs below and every hanzi of its GBK reading is an
//     everyday one: weak evidence counts when it is all there is and the GBK
//     reading agrees. The everyday hanzi are the 278 of S listed in
//     detectEveryday: those among the 1,500 most frequent hanzi by jieba's
//     counts, plus 哦 喂 啥 哟 咋 傻 猫 帅 爽, less 写.
//  6. Anything else is UTF-8: false.
//
// Strong signs, which real text does not show:
//
//   - a character that chat text does not use: IPA, Latin Extended-B but
//     ơ Ư ư, Ĳ ĳ ĸ Ŀ ſ, modifier letters other than apostrophes and
//     superscripts, Greek beyond Ρ–ο, Coptic, old Cyrillic (U+0460–047F),
//     Cyrillic Supplement, Hebrew accents, unassigned code points (ʲô is
//     什么);
//   - a word whose non-ASCII letters are of two scripts among Latin, Greek,
//     Cyrillic, Armenian and Hebrew, μ and Ω excepted in Latin words (μm,
//     kΩ);
//   - a lowercase letter, a capital and a lowercase letter in a row, one of
//     the first two non-ASCII (лСм);
//   - a combining mark after no letter or on an Armenian or Hebrew letter, a
//     Hebrew point on a non-Hebrew letter, a superscript letter (ʳ) not after
//     an ASCII one (Mʳ is French), a modifier apostrophe (ʹ ʺ ʻ ʼ ʽ ʾ ʿ) or a
//     maqaf not between two letters of one script (but ʻ and ʼ may start a
//     word before a Latin letter: ʻOumuamua);
//   - a Hebrew final letter (ף ץ) followed by a letter.
//
// Weak signs of a word:
//
//   - ASCII letters beside non-Latin ones (ok谢谢 reads okлл);
//   - a lowercase letter then a capital, one of them non-ASCII, at the end of
//     the word or before another capital (мкФ, VšZP);
//   - Cyrillic letters all outside the Russian alphabet (一页 reads һҳ);
//   - with no ASCII letter, no Hebrew and at least two non-ASCII letters:
//     no vowel but a lowercase letter (谢谢 reads лл; ЧС is an acronym), one
//     letter repeated outside Cyrillic (每每 reads ÿÿ; ее is Russian), or a
//     Latin letter beyond Latin-1 (农奴 reads ũū).
//
// A line without ASCII letters or digits whose only word is one capital
// consonant, Latin or Cyrillic, counts as a weak word too: 小 reads С,
// whereas Я is a Russian word and Σ a symbol.
//
// Measured by detect_test.go: all of the 500 most frequent two-hanzi words
// of jieba's dictionary are detected in GBK on their first line, 23 of them
// (4.6 %) being valid UTF-8, which rule 2 alone missed; so are all 148 chat
// words of the test; none of its 290 real UTF-8 lines (17 groups, from
// Russian to Hebrew, emoji and box drawing) switches, 140 of which lie wholly
// in S. Of 15.5 million words and forms
// from the hunspell dictionaries of 25 languages (937,000 wholly in S), 38
// switch: lone capitals (С Т Ц Ч Щ Ĺ), Mongolian unit abbreviations with a
// capital inside (кСм), Тл, үү and mis-encoded entries.
func LooksGBK(line []byte) bool {
	i := 0
	for ; len(line)-i >= 8; i += 8 {
		if binary.LittleEndian.Uint64(line[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(line); i++ {
		if line[i] >= utf8.RuneSelf {
			break
		}
	}
	if i == len(line) {
		return false // rule 1
	}
	if !utf8.Valid(line[i:]) {
		return detectDecodesAsGBK(line[i:]) // rule 2
	}
	return detectJudge(line, i)
}

// detectEveryday lists the hanzi of S that are everyday ones: those among
// the 1,500 most frequent hanzi of jieba's dictionary (word frequencies
// summed per hanzi), plus 哦 喂 啥 哟 咋 傻 猫 帅 爽, which chat uses far
// more than print, less 写 (д), so that дд, Russian chat for "good day",
// stays Russian. One line for each GBK lead byte, C2 to D7.
const detectEveryday = "" +
	"隆楼鲁露路鹿录陆" +
	"忙猫毛冒貌贸么梅没媒每" +
	"模磨摩末莫墨默谋某亩母墓幕木目" +
	"牛浓农弄奴努怒女暖诺哦欧" +
	"皮篇偏片票频贫品聘平凭" +
	"千迁签钱前潜枪墙强" +
	"取趣去圈权泉全缺却确群然染" +
	"散色森僧杀沙傻啥山" +
	"省盛剩胜圣师失施湿诗尸十石时什食实识史使始式示士" +
	"帅双爽谁水睡税顺说斯思私司丝" +
	"抬台泰太态坛谈坦探叹" +
	"廷停庭通同铜童统痛投头透突图徒途" +
	"微危韦围唯为维委伟尾未味喂魏位谓" +
	"息希袭席习喜洗系戏细辖峡" +
	"小孝校笑效些协械谢" +
	"选学雪血询寻训讯迅压呀" +
	"摇药要爷野也页业叶夜液一医" +
	"印英应营迎影硬映哟拥" +
	"预元袁原援园员圆源缘远愿院曰约越跃" +
	"咋炸寨展占战站" +
	"症郑证支知之织职直植殖执值址指止只纸志" +
	"住注驻抓专转庄装壮状追准"

// detectTables are built once, from x/text, on first use.
type detectTables struct {
	// mapped has a bit for each GBK pair lead 81–FE, trail 40–FF (192
	// trails a lead) that x/text decodes to a character.
	mapped [126 * 192 / 64]uint64
	// info describes each character of S, numbered by detectIndex.
	info [682]detectInfo
}

var detectLoad = sync.OnceValue(func() *detectTables {
	t := new(detectTables)
	// Every structurally valid pair decodes to exactly one rune, U+FFFD
	// when unmapped, so one pass over all pairs in order gives the table.
	src := make([]byte, 0, 126*190*2)
	for lead := 0x81; lead <= 0xFE; lead++ {
		for trail := 0x40; trail <= 0xFE; trail++ {
			if trail != 0x7F {
				src = append(src, byte(lead), byte(trail))
			}
		}
	}
	out, err := simplifiedchinese.GBK.NewDecoder().Bytes(src)
	if err != nil {
		panic("wire: x/text cannot decode GBK: " + err.Error())
	}
	for i := 0; i < len(src); i += 2 {
		r, n := utf8.DecodeRune(out)
		out = out[n:]
		if r != utf8.RuneError {
			k := int(src[i]-0x81)*192 + int(src[i+1]-0x40)
			t.mapped[k/64] |= 1 << (k % 64)
		}
	}
	enc, err := simplifiedchinese.GBK.NewEncoder().String(detectEveryday)
	if err != nil {
		panic("wire: detectEveryday is not GBK: " + err.Error())
	}
	for k := range t.info {
		t.info[k] = detectClassify(0x80 + rune(k/31)<<6 + 0x21 + rune(k%31))
	}
	for i := 0; i+1 < len(enc); i += 2 {
		k, ok := detectIndex(rune(enc[i]&0x1F)<<6 | rune(enc[i+1]&0x3F))
		if !ok || enc[i] < 0xC2 || enc[i+1] < 0xA1 || enc[i+1] > 0xBF {
			panic("wire: detectEveryday has a hanzi outside S")
		}
		t.info[k] |= detEveryday
	}
	return t
})

// detectDecodesAsGBK reports whether b decodes as GBK without a single
// undecodable byte, exactly as x/text's decoder sees it.
func detectDecodesAsGBK(b []byte) bool {
	t := detectLoad()
	for i := 0; i < len(b); {
		c := b[i]
		switch {
		case c <= 0x80: // ASCII, or 0x80 for the euro sign (Code Page 936)
			i++
		case c == 0xFF || i+1 == len(b) || b[i+1] < 0x40:
			return false
		default:
			k := int(c-0x81)*192 + int(b[i+1]-0x40)
			if t.mapped[k/64]&(1<<(k%64)) == 0 {
				return false
			}
			i += 2
		}
	}
	return true
}

// detectIndex numbers the characters of S from 0 to 681, in the order of
// their bytes: 22 leads (C2–D7) of 31 trails (A1–BF).
func detectIndex(r rune) (int, bool) {
	lead, low := r>>6, r&0x3F
	if lead < 2 || lead > 0x17 || low < 0x21 {
		return 0, false
	}
	return int(lead-2)*31 + int(low-0x21), true
}

// detectInfo describes a character of S read as UTF-8 text: a kind, a
// script and flags.
type detectInfo uint16

const (
	detRare   detectInfo = iota // not typed in chat text
	detSep                      // punctuation or a symbol: separates words
	detLetter                   // a letter
	detMark                     // a combining mark: follows a letter
	detJoin                     // a modifier apostrophe: between two letters
	detKind   detectInfo = 7

	detLatin    detectInfo = 1 << 3
	detGreek    detectInfo = 2 << 3
	detCyrillic detectInfo = 3 << 3
	detArmenian detectInfo = 4 << 3
	detHebrew   detectInfo = 5 << 3
	detScript   detectInfo = 7 << 3

	detUpper detectInfo = 1 << 6
	detLower detectInfo = 1 << 7
	detVowel detectInfo = 1 << 8
	detExt   detectInfo = 1 << 9  // Cyrillic outside Russian, Latin outside Latin-1
	detFinal detectInfo = 1 << 10 // Hebrew final form
	detUnit  detectInfo = 1 << 11 // μ and Ω, which units put in Latin words

	detSuper    detectInfo = 1 << 12 // a superscript letter: after an ASCII letter
	detEveryday detectInfo = 1 << 13 // its GBK reading is an everyday hanzi
)

// detectClassify returns what the UTF-8 reading of r, a character of S, is.
func detectClassify(r rune) detectInfo {
	switch {
	case r <= 0xBF: // ¡ to ¿
		return detSep
	case r <= 0xFF: // á to ÿ
		if r == 0xF7 { // ÷
			return detSep
		}
		if r == 0xE7 || r == 0xF0 || r == 0xF1 || r == 0xFE { // ç ð ñ þ
			return detLetter | detLatin | detLower
		}
		return detLetter | detLatin | detLower | detVowel
	case r <= 0x17F: // Latin Extended-A: ġ to Ŀ, š to ſ
		switch r {
		case 0x132, 0x133, 0x138, 0x13F, 0x17F: // Ĳ ĳ ĸ Ŀ ſ
			return detRare
		}
		info := detLetter | detLatin | detExt | detCase(r)
		if r >= 0x128 && r <= 0x131 || r >= 0x168 && r <= 0x173 { // ĩ–ı, ũ–ų
			info |= detVowel
		}
		return info
	case r == 0x1A1 || r == 0x1B0: // ơ ư
		return detLetter | detLatin | detExt | detLower | detVowel
	case r == 0x1AF: // Ư
		return detLetter | detLatin | detExt | detUpper | detVowel
	case r >= 0x2B0 && r <= 0x2B8 || r >= 0x2E1 && r <= 0x2E3: // ʰ to ʸ, ˡ ˢ ˣ
		return detMark | detLatin | detSuper // Mʳ, Mʳˢ
	case r >= 0x2B9 && r <= 0x2BF: // ʹ ʺ ʻ ʼ ʽ ʾ ʿ
		return detJoin
	case r < 0x321: // the rest of Latin Extended-B, IPA, modifier letters
		return detRare
	case r <= 0x36F: // combining diacritical marks
		return detMark
	case r >= 0x3A1 && r <= 0x3BF: // Ρ to ο
		switch {
		case r == 0x3A2:
			return detRare // unassigned
		case r == 0x3A9: // Ω
			return detLetter | detGreek | detUpper | detVowel | detUnit
		case r <= 0x3AB: // Ρ to Ϋ
			info := detLetter | detGreek | detUpper
			if r == 0x3A5 || r >= 0x3AA { // Υ Ϊ Ϋ
				info |= detVowel
			}
			return info
		case r == 0x3BC: // μ
			return detLetter | detGreek | detLower | detUnit
		}
		info := detLetter | detGreek | detLower
		if r <= 0x3B1 || r == 0x3B5 || r == 0x3B7 || r == 0x3B9 || r == 0x3BF { // ά έ ή ί ΰ α ε η ι ο
			info |= detVowel
		}
		return info
	case r >= 0x421 && r <= 0x43F: // С to Я, а to п
		info := detLetter | detCyrillic | detCase(r)
		switch r {
		case 0x423, 0x42B, 0x42D, 0x42E, 0x42F, 0x430, 0x435, 0x438, 0x43E: // У Ы Э Ю Я а е и о
			info |= detVowel
		}
		return info
	case r >= 0x4A1 && r <= 0x4BF || r >= 0x4E1 && r <= 0x4FF: // ҡ to ҿ, ӡ to ӿ
		info := detLetter | detCyrillic | detExt | detCase(r)
		if r >= 0x4AE && r <= 0x4B1 || r >= 0x4E2 && r <= 0x4F3 || r == 0x4F8 || r == 0x4F9 { // Ү ү Ұ ұ, Ӣ to ӳ, Ӹ ӹ
			info |= detVowel
		}
		return info
	case r >= 0x531 && r <= 0x53F || r >= 0x561 && r <= 0x57F: // Ա to Կ, ա to տ
		info := detLetter | detArmenian | detCase(r)
		switch r {
		case 0x531, 0x535, 0x537, 0x538, 0x53B, 0x561, 0x565, 0x567, 0x568, 0x56B, 0x578:
			info |= detVowel // Ա Ե Է Ը Ի ա ե է ը ի ո
		}
		return info
	case r >= 0x5B0 && r <= 0x5BD || r == 0x5BF || r == 0x5F3 || r == 0x5F4: // points, ׳ ״
		return detMark | detHebrew
	case r == 0x5BE: // maqaf
		return detJoin | detHebrew
	case r >= 0x5E1 && r <= 0x5EA || r >= 0x5F0 && r <= 0x5F2: // ס to ת, װ ױ ײ
		if r == 0x5E3 || r == 0x5E5 { // ף ץ
			return detLetter | detHebrew | detFinal
		}
		return detLetter | detHebrew
	}
	return detRare
}

func detCase(r rune) detectInfo {
	if unicode.IsUpper(r) {
		return detUpper
	}
	return detLower
}

// detectWord is the state of the word being read.
type detectWord struct {
	nonASCII bool       // has a non-ASCII character
	ascii    int        // ASCII letters
	letters  int        // non-ASCII letters
	first    rune       // the first non-ASCII letter
	allSame  bool       // all non-ASCII letters are first
	script   detectInfo // script of its non-ASCII letters, 0 if none yet
	unit     bool       // has μ or Ω before its script was known
	vowel    bool       // has a non-ASCII vowel
	lower    bool       // has a non-ASCII lowercase letter
	core     bool       // has a letter of the Russian alphabet
	ext      bool       // has a Cyrillic letter outside it, or a Latin one outside Latin-1
	capital  bool       // its only letter is a non-ASCII capital consonant
	hump     bool       // a lowercase letter then a capital, one of them non-ASCII
	weak     bool       // has a weak oddity
	strong   bool       // has a strong oddity
	join     bool       // an apostrophe waits for a letter of script joinWith
	joinWith detectInfo
	prev     detectInfo // the previous character, 0 at the start
	prevRune rune
}

// Verdicts on a finished word with a non-ASCII character.
const (
	detPlausible = iota
	detWeak
	detStrong
)

// detectJudge applies rules 3 to 6 to line, valid UTF-8 whose first
// non-ASCII byte is at start.
func detectJudge(line []byte, start int) bool {
	// Rule 3: S is C2–D7 followed by A1–BF. As line is valid UTF-8, a lead
	// byte below E0 has a continuation byte (80–BF) after it.
	for i := start; i < len(line); i++ {
		if c := line[i]; c >= utf8.RuneSelf {
			if c < 0xC2 || c > 0xD7 || line[i+1] < 0xA1 {
				return false
			}
			i++
		}
	}
	t := detectLoad()
	var (
		w               detectWord
		words, weak     int
		strong, capital bool
		alnum           bool // the line has an ASCII letter or digit
		everyday        = true
	)
	end := func() {
		if w.nonASCII {
			words++
			switch w.verdict() {
			case detStrong:
				strong = true
			case detWeak:
				weak++
			}
			capital = w.capital && w.ascii == 0
		}
		w = detectWord{}
	}
	for i := 0; i < len(line) && !strong; {
		c := line[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case 'a' <= c && c <= 'z':
				w.add(detLetter|detLatin|detLower, rune(c))
			case 'A' <= c && c <= 'Z':
				w.add(detLetter|detLatin|detUpper, rune(c))
			default:
				end()
			}
			if c|0x20 >= 'a' && c|0x20 <= 'z' || '0' <= c && c <= '9' {
				alnum = true
			}
			continue
		}
		c1 := line[i+1]
		i += 2
		info := t.info[int(c-0xC2)*31+int(c1-0xA1)]
		everyday = everyday && info&detEveryday != 0
		r := rune(c&0x1F)<<6 | rune(c1&0x3F)
		switch info & detKind {
		case detRare:
			strong = true
		case detSep:
			end()
		default:
			w.nonASCII = true
			w.add(info, r)
		}
	}
	if !strong {
		end()
	}
	switch {
	case strong:
		return true // rule 4
	case words == 1 && capital && !alnum:
		weak = 1 // a capital alone: С for 小
	}
	return weak > 0 && weak == words && everyday // rule 5
}

// add appends a letter, mark or apostrophe to the word.
func (w *detectWord) add(info detectInfo, r rune) {
	kind, script := info&detKind, info&detScript
	prevKind, prevScript := w.prev&detKind, w.prev&detScript
	if w.join {
		if kind != detLetter || w.joinWith != script {
			w.strong = true
		}
		w.join = false
	}
	switch kind {
	case detMark:
		switch {
		case prevKind != detLetter && prevKind != detMark:
			w.strong = true // a mark on nothing
		case script == 0 && (prevScript == detArmenian || prevScript == detHebrew),
			script != 0 && prevScript != script:
			w.strong = true // ̨ on an Armenian letter, a Hebrew point on a Latin one
		case info&detSuper != 0 && w.prevRune >= utf8.RuneSelf && w.prev&detSuper == 0:
			w.strong = true // ʳ after é: Mʳ is French, ûʲô is 没什么
		}
		info = detMark | prevScript | info&detSuper // the mark belongs to its letter
	case detJoin:
		switch {
		case prevKind == 0 && (r == 0x2BB || r == 0x2BC):
			w.joinWith = detLatin // ʻOkina, ʼAbd
		case prevKind != detLetter || script != 0 && prevScript != script:
			w.strong = true
		default:
			w.joinWith = prevScript
		}
		w.join = true
	case detLetter:
		unit := info&detUnit != 0 || w.prev&detUnit != 0
		if w.hump {
			if info&detLower != 0 {
				w.strong = true // лСм: a capital inside a word
			} else {
				w.weak = true // мкФ, VšZP: units and acronyms do that
			}
			w.hump = false
		}
		if prevKind == detLetter && w.prev&detLower != 0 && info&detUpper != 0 &&
			(r >= utf8.RuneSelf || w.prevRune >= utf8.RuneSelf) && !unit {
			w.hump = true
		}
		if w.prev&detFinal != 0 {
			w.strong = true // ף and ץ end a word
		}
		if r < utf8.RuneSelf {
			w.ascii++
			if w.script != 0 && w.script != detLatin {
				w.weak = true // Шадi: a Latin i for a Cyrillic і
			}
			break
		}
		switch {
		case info&detUnit != 0 && (w.script == 0 || w.script == detLatin):
			w.unit = true // μm, kΩ: a unit in a Latin word
		case w.script == 0:
			w.script = script
			if w.unit && script != detLatin && script != detGreek {
				w.strong = true
			}
			if w.ascii > 0 && script != detLatin {
				w.weak = true
			}
		case w.script != script:
			w.strong = true // two scripts
		}
		if w.letters == 0 {
			w.first, w.allSame = r, true
			w.capital = info&detUpper != 0 && info&detVowel == 0 &&
				(script == detLatin || script == detCyrillic)
		} else {
			w.allSame = w.allSame && r == w.first
			w.capital = false
		}
		w.letters++
		w.vowel = w.vowel || info&detVowel != 0
		w.lower = w.lower || info&detLower != 0
		w.ext = w.ext || info&detExt != 0
		w.core = w.core || script == detCyrillic && info&detExt == 0
	}
	w.prev, w.prevRune = info, r
}

// verdict judges a finished word that has a non-ASCII character.
func (w *detectWord) verdict() int {
	switch {
	case w.strong || w.join:
		return detStrong
	case w.weak || w.hump || w.script == detCyrillic && w.ext && !w.core:
		return detWeak
	case w.ascii > 0 || w.letters < 2 || w.script == detHebrew:
		return detPlausible
	case !w.vowel && w.lower, // лл, but not ЧС
		w.allSame && w.script != detCyrillic, // ëë, but not ее
		w.script == detLatin && w.ext:        // ũū
		return detWeak
	}
	return detPlausible
}
