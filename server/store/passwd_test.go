package store

import (
	"errors"
	"strings"
	"testing"
)

// cheap keeps the KDF fast in tests; DefaultParams is tested once.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func mustHash(t *testing.T, p Params, pw string) string {
	t.Helper()
	h, err := p.Hash(pw)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestHashVerify(t *testing.T) {
	t.Run("the default parameters hash to an argon2id PHC string that verifies", func(t *testing.T) {
		h, err := Hash("correct horse")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=1,p=2$") {
			t.Fatalf("hash %q", h)
		}
		if ok, err := Verify("correct horse", h); !ok || err != nil {
			t.Fatalf("Verify = %v, %v", ok, err)
		}
		if NeedsRehash(h, DefaultParams) {
			t.Fatal("a fresh default hash needs rehashing")
		}
	})
	h := mustHash(t, cheap, "correct horse")
	for _, c := range []struct {
		name, pw string
		want     bool
	}{
		{"the right password verifies", "correct horse", true},
		{"a wrong password does not", "correct horsf", false},
		{"a prefix of the password does not", "correct hors", false},
		{"the password with a newline does not", "correct horse\n", false},
		{"an empty password does not", "", false},
		{"the password in another case does not", "Correct horse", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			ok, err := Verify(c.pw, h)
			if err != nil || ok != c.want {
				t.Fatalf("Verify(%q) = %v, %v; want %v", c.pw, ok, err, c.want)
			}
		})
	}
	t.Run("an empty password can be hashed and verified", func(t *testing.T) {
		if ok, err := Verify("", mustHash(t, cheap, "")); !ok || err != nil {
			t.Fatalf("Verify = %v, %v", ok, err)
		}
	})
	t.Run("two hashes of one password differ by salt and both verify", func(t *testing.T) {
		h2 := mustHash(t, cheap, "correct horse")
		if h2 == h {
			t.Fatal("same hash twice")
		}
		if ok, _ := Verify("correct horse", h2); !ok {
			t.Fatal("second hash does not verify")
		}
	})
	for _, p := range []Params{
		{Memory: 32, Time: 2, Threads: 1, SaltLen: 8, KeyLen: 16},
		{Memory: 128, Time: 1, Threads: 4, SaltLen: 32, KeyLen: 64},
		{Memory: 100, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32},
	} {
		t.Run("a hash made with other parameters verifies with them and needs a rehash", func(t *testing.T) {
			h := mustHash(t, p, "pw")
			if ok, err := Verify("pw", h); !ok || err != nil {
				t.Fatalf("%+v: Verify = %v, %v", p, ok, err)
			}
			if ok, _ := Verify("px", h); ok {
				t.Fatalf("%+v: a wrong password verifies", p)
			}
			if !NeedsRehash(h, DefaultParams) || NeedsRehash(h, p) {
				t.Fatalf("%+v: NeedsRehash is wrong", p)
			}
		})
	}
	t.Run("parameters out of bounds are refused when hashing", func(t *testing.T) {
		for _, p := range []Params{
			{}, {Memory: 64, Time: 0, Threads: 1, SaltLen: 16, KeyLen: 32},
			{Memory: 64, Time: 1, Threads: 0, SaltLen: 16, KeyLen: 32},
			{Memory: 7, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
			{Memory: 64, Time: 1, Threads: 1, SaltLen: 4, KeyLen: 32},
			{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 8},
		} {
			if _, err := p.Hash("pw"); !errors.Is(err, ErrMalformedHash) {
				t.Errorf("%+v: error %v", p, err)
			}
		}
	})
}

func TestVerifyMalformed(t *testing.T) {
	good := mustHash(t, cheap, "pw") // $argon2id$v=19$m=64,t=1,p=1$salt$hash
	f := strings.Split(good, "$")
	salt, key := f[4], f[5]
	join := func(parts ...string) string { return strings.Join(parts, "$") }
	for _, c := range []struct{ name, phc string }{
		{"an empty string", ""},
		{"a plain string", "pw"},
		{"a bcrypt hash", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i rather than argon2id", join("", "argon2i", "v=19", "m=64,t=1,p=1", salt, key)},
		{"version 16", join("", "argon2id", "v=16", "m=64,t=1,p=1", salt, key)},
		{"no version", join("", "argon2id", "m=64,t=1,p=1", salt, key)},
		{"a missing parameter", join("", "argon2id", "v=19", "m=64,t=1", salt, key)},
		{"parameters out of order", join("", "argon2id", "v=19", "t=1,m=64,p=1", salt, key)},
		{"an extra parameter", join("", "argon2id", "v=19", "m=64,t=1,p=1,k=2", salt, key)},
		{"m=0", join("", "argon2id", "v=19", "m=0,t=1,p=1", salt, key)},
		{"t=0", join("", "argon2id", "v=19", "m=64,t=0,p=1", salt, key)},
		{"p=0", join("", "argon2id", "v=19", "m=64,t=1,p=0", salt, key)},
		{"p=256", join("", "argon2id", "v=19", "m=4096,t=1,p=256", salt, key)},
		{"m over a gibibyte", join("", "argon2id", "v=19", "m=2000000,t=1,p=1", salt, key)},
		{"t=65", join("", "argon2id", "v=19", "m=64,t=65,p=1", salt, key)},
		{"m beyond 32 bits", join("", "argon2id", "v=19", "m=4294967296,t=1,p=1", salt, key)},
		{"a leading zero", join("", "argon2id", "v=19", "m=064,t=1,p=1", salt, key)},
		{"a plus sign", join("", "argon2id", "v=19", "m=+64,t=1,p=1", salt, key)},
		{"a negative number", join("", "argon2id", "v=19", "m=-64,t=1,p=1", salt, key)},
		{"an empty number", join("", "argon2id", "v=19", "m=,t=1,p=1", salt, key)},
		{"a salt that is not base64", join("", "argon2id", "v=19", "m=64,t=1,p=1", "!!!!!!!!!!!", key)},
		{"a padded salt", join("", "argon2id", "v=19", "m=64,t=1,p=1", salt+"==", key)},
		{"a short salt", join("", "argon2id", "v=19", "m=64,t=1,p=1", "AAAA", key)},
		{"an empty hash", join("", "argon2id", "v=19", "m=64,t=1,p=1", salt, "")},
		{"a short hash", join("", "argon2id", "v=19", "m=64,t=1,p=1", salt, key[:12])},
		{"a hash that is not base64", join("", "argon2id", "v=19", "m=64,t=1,p=1", salt, strings.Repeat("*", len(key)))},
		{"an extra field", good + "$x"},
		{"no leading dollar", good[1:]},
	} {
		t.Run("a PHC string with "+c.name+" is ErrMalformedHash", func(t *testing.T) {
			ok, err := Verify("pw", c.phc)
			if ok || !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("Verify(%q) = %v, %v", c.phc, ok, err)
			}
			if !NeedsRehash(c.phc, cheap) {
				t.Fatal("a malformed hash does not need rehashing")
			}
		})
	}
}

func BenchmarkHash(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Hash("correct horse battery staple"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	h, err := Hash("correct horse battery staple")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if ok, _ := Verify("correct horse battery staple", h); !ok {
			b.Fatal("no match")
		}
	}
}

// FuzzParsePHC: no input panics, and whatever parses prints back the same.
func FuzzParsePHC(f *testing.F) {
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")
	f.Add("$argon2id$v=19$m=65536,t=1,p=2$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")
	f.Add("$argon2i$v=19$m=64,t=1,p=1$$")
	f.Add("$$$$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := parsePHC(s)
		if err != nil {
			return
		}
		if got := p.phc(salt, key); got != s {
			t.Fatalf("parsed %q but prints %q", s, got)
		}
	})
}
