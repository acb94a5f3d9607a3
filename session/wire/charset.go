package wire

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Charset is the byte encoding a session uses both ways on the wire.
// Text inside the server is always UTF-8.
type Charset uint8

const (
	// UTF8 is the default charset of every Linux and macOS terminal.
	UTF8 Charset = iota
	// GBK is Code Page 936, what a Chinese Windows telnet sends and expects.
	GBK
)

// NumCharsets is how many charsets there are; it sizes per-charset render caches.
const NumCharsets = 2

// String returns the charset's name as users type it.
func (c Charset) String() string {
	if c == GBK {
		return "gbk"
	}
	return "utf-8"
}

// ErrUnknownCharset is returned by ParseCharset for a name it does not know.
var ErrUnknownCharset = errors.New("unknown charset")

// ParseCharset accepts the usual spellings of the two charsets.
func ParseCharset(name string) (Charset, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "utf-8", "utf8":
		return UTF8, nil
	case "gbk", "cp936", "gb2312":
		return GBK, nil
	}
	return UTF8, fmt.Errorf("%w %q (use utf-8 or gbk)", ErrUnknownCharset, name)
}

// Codec converts between UTF-8 and a session's charset. It keeps its
// transformers so that converting allocates nothing beyond the destination;
// it is not safe for concurrent use (one event loop owns it).
type Codec struct {
	gbkDec transform.Transformer
	gbkEnc transform.Transformer
	nfc    []byte    // scratch for text that must be composed before encoding
	iter   norm.Iter // composes into nfc; kept because one allocates its buffer
}

// NewCodec returns a ready Codec.
func NewCodec() *Codec {
	return &Codec{
		gbkDec: simplifiedchinese.GBK.NewDecoder(),
		gbkEnc: simplifiedchinese.GBK.NewEncoder(),
	}
}

// Decode appends src, in charset c, to dst as UTF-8. Every byte that cannot
// be decoded becomes U+FFFD.
func (k *Codec) Decode(dst []byte, c Charset, src []byte) []byte {
	if c == GBK {
		// x/text's GBK decoder already turns invalid bytes into U+FFFD.
		return k.transform(k.gbkDec, dst, src, len(src)*3/2+8)
	}
	if utf8.Valid(src) {
		return append(dst, src...)
	}
	for len(src) > 0 {
		r, n := utf8.DecodeRune(src)
		dst = utf8.AppendRune(dst, r) // RuneError for each bad byte
		src = src[n:]
	}
	return dst
}

// Encode appends UTF-8 text src to dst in charset c. A character that c
// cannot hold (an emoji for a GBK user) becomes '?'. For GBK, src is put in
// NFC first, so that a decomposed e + U+0301, which GBK cannot hold, goes
// out as the é it can. Sanitize already gives NFC text, so this is a scan
// that finds nothing to do, except for text that did not come through it
// (the client's own typing, concatenations starting with a mark).
func (k *Codec) Encode(dst []byte, c Charset, src []byte) []byte {
	if c == GBK {
		if norm.NFC.QuickSpan(src) < len(src) {
			k.nfc = k.nfc[:0]
			for k.iter.Init(norm.NFC, src); !k.iter.Done(); {
				k.nfc = append(k.nfc, k.iter.Next()...)
			}
			src = k.nfc
		}
		return k.transform(k.gbkEnc, dst, src, len(src)+8)
	}
	return append(dst, src...)
}

// repertoireError is what x/text encoders return for a rune the target
// charset does not have.
type repertoireError interface{ Replacement() byte }

// transform runs t over all of src, growing dst as needed and replacing
// unencodable runes with '?'.
func (k *Codec) transform(t transform.Transformer, dst, src []byte, want int) []byte {
	t.Reset()
	if cap(dst)-len(dst) < want {
		dst = slices.Grow(dst, want)
	}
	for len(src) > 0 {
		nDst, nSrc, err := t.Transform(dst[len(dst):cap(dst)], src, true)
		dst = dst[:len(dst)+nDst]
		src = src[nSrc:]
		switch {
		case err == nil:
			return dst
		case errors.Is(err, transform.ErrShortDst):
			dst = slices.Grow(dst, len(src)*2+8)
		default:
			if _, ok := err.(repertoireError); !ok {
				// Not expected from x/text's GBK; never drop the rest.
				return append(dst, src...)
			}
			_, n := utf8.DecodeRune(src)
			dst = append(dst, '?')
			src = src[n:]
			t.Reset()
		}
	}
	return dst
}

// ParseEncoding reads the server's -encoding flag: "utf-8", "gbk" or "auto"
// (UTF-8 that switches to GBK on the first GBK line).
func ParseEncoding(s string) (c Charset, auto bool, err error) {
	if strings.EqualFold(strings.TrimSpace(s), "auto") {
		return UTF8, true, nil
	}
	c, err = ParseCharset(s)
	if err != nil {
		return UTF8, false, fmt.Errorf("encoding must be utf-8, gbk or auto, not %q", s)
	}
	return c, false, nil
}
