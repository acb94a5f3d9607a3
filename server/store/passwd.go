package store

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are argon2id's cost parameters and output sizes. Hash writes them
// into the PHC string, and Verify reads them back from it, so changing
// DefaultParams never locks anyone out: old hashes verify with the
// parameters they were made with (NeedsRehash tells the caller to re-hash
// such a password on the next successful login).
type Params struct {
	Memory  uint32 // KiB of memory per hash
	Time    uint32 // passes over the memory
	Threads uint8  // lanes, each on its own goroutine
	SaltLen uint32 // bytes of random salt
	KeyLen  uint32 // bytes of derived key
}

// DefaultParams is argon2id at m=64 MiB, t=1, p=1, a 16-byte salt and a
// 32-byte key. OWASP's password storage cheat sheet lists equivalent argon2id
// settings from m=19 MiB t=2 p=1 up to m=46 MiB t=1 p=1; RFC 9106 (section 4)
// recommends t=3 p=4 at 64 MiB when memory is short. On the 2-core development
// machine (BenchmarkHash) one hash took 56 ms at m=64 MiB t=1 p=2, 75 ms at
// t=1 p=1, 34 ms at OWASP's m=19 MiB t=2 p=1, and 163 ms at t=2 p=2 (the
// chosen set took 70-130 ms while other builds loaded both cores): the
// chosen set is the most memory-hard that stays near 50 ms, so a login costs
// a worker about 56 ms and holds 64 MiB for that long. Callers must bound how
// many hashes run at once (each holds Memory KiB): logins are throttled
// before they reach the KDF.
var DefaultParams = Params{Memory: 64 * 1024, Time: 1, Threads: 2, SaltLen: 16, KeyLen: 32}

// Bounds on the parameters Verify accepts from a stored string, so that a
// damaged or planted hash cannot make one login take a gigabyte or a minute.
const (
	maxMemoryKiB = 1 << 20 // 1 GiB
	maxTime      = 64
	minSaltLen   = 8
	maxSaltLen   = 64
	minKeyLen    = 16
	maxKeyLen    = 64
)

// ErrMalformedHash: a stored password hash is not an argon2id PHC string
// this package can check ($argon2id$v=19$m=M,t=T,p=P$salt$hash), or its
// parameters are out of bounds.
var ErrMalformedHash = errors.New("malformed password hash")

// Hash hashes password with DefaultParams. It takes tens of milliseconds:
// call it from a worker, never from the event loop.
func Hash(password string) (string, error) { return DefaultParams.Hash(password) }

// Hash hashes password with p and a fresh random salt, and returns the PHC
// string $argon2id$v=19$m=M,t=T,p=P$salt$hash (unpadded standard base64).
func (p Params) Hash(password string) (string, error) {
	if err := p.check(); err != nil {
		return "", err
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return p.phc(salt, key), nil
}

// Verify reports whether password matches the PHC string phc, comparing
// in constant time. A wrong password is (false, nil); a phc that is not a
// well-formed argon2id string with sane parameters is an error wrapping
// ErrMalformedHash.
func Verify(password, phc string) (bool, error) {
	p, salt, key, err := parsePHC(phc)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	return subtle.ConstantTimeCompare(got, key) == 1, nil
}

// NeedsRehash reports whether phc was made with parameters other than p
// (or cannot be read): the caller, holding the password after a successful
// Verify, can then store p.Hash(password) instead.
func NeedsRehash(phc string, p Params) bool {
	q, _, _, err := parsePHC(phc)
	return err != nil || q != p
}

func (p Params) check() error {
	switch {
	case p.Time < 1 || p.Time > maxTime:
		return fmt.Errorf("%w: t=%d is not within 1..%d", ErrMalformedHash, p.Time, maxTime)
	case p.Threads < 1:
		return fmt.Errorf("%w: p=0", ErrMalformedHash)
	case p.Memory < 8*uint32(p.Threads) || p.Memory > maxMemoryKiB:
		return fmt.Errorf("%w: m=%d is not within %d..%d", ErrMalformedHash, p.Memory, 8*uint32(p.Threads), maxMemoryKiB)
	case p.SaltLen < minSaltLen || p.SaltLen > maxSaltLen:
		return fmt.Errorf("%w: %d-byte salt is not within %d..%d", ErrMalformedHash, p.SaltLen, minSaltLen, maxSaltLen)
	case p.KeyLen < minKeyLen || p.KeyLen > maxKeyLen:
		return fmt.Errorf("%w: %d-byte key is not within %d..%d", ErrMalformedHash, p.KeyLen, minKeyLen, maxKeyLen)
	}
	return nil
}

var b64 = base64.RawStdEncoding

func (p Params) phc(salt, key []byte) string {
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

// parsePHC reads $argon2id$v=19$m=M,t=T,p=P$salt$hash strictly: fields in
// that order, decimal numbers without signs or leading zeros, unpadded
// base64, and every parameter within bounds.
func parsePHC(s string) (p Params, salt, key []byte, err error) {
	bad := func(what string) (Params, []byte, []byte, error) {
		return Params{}, nil, nil, fmt.Errorf("%w: %s", ErrMalformedHash, what)
	}
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" {
		return bad("not $argon2id$v=19$m=M,t=T,p=P$salt$hash")
	}
	if f[1] != "argon2id" {
		return bad(fmt.Sprintf("algorithm %q is not argon2id", f[1]))
	}
	if f[2] != "v="+strconv.Itoa(argon2.Version) {
		return bad(fmt.Sprintf("version %q is not v=%d", f[2], argon2.Version))
	}
	ps := strings.Split(f[3], ",")
	if len(ps) != 3 {
		return bad("parameters are not m=M,t=T,p=P")
	}
	var n [3]uint64
	for i, name := range []string{"m=", "t=", "p="} {
		v, ok := strings.CutPrefix(ps[i], name)
		if !ok || v == "" || (v[0] == '0' && len(v) > 1) || v[0] == '+' {
			return bad(fmt.Sprintf("parameter %q is not %sN", ps[i], name))
		}
		if n[i], err = strconv.ParseUint(v, 10, 32); err != nil {
			return bad(fmt.Sprintf("parameter %q is not %sN", ps[i], name))
		}
	}
	if n[2] > 255 {
		return bad(fmt.Sprintf("p=%d is over 255", n[2]))
	}
	// encoding/base64 skips CR and LF even in strict mode, so a string
	// with them would decode, and print back, as another string.
	if strings.ContainsAny(f[4]+f[5], "\r\n") {
		return bad("salt or hash has a line break in it")
	}
	if salt, err = b64.Strict().DecodeString(f[4]); err != nil {
		return bad("salt is not unpadded base64")
	}
	if key, err = b64.Strict().DecodeString(f[5]); err != nil {
		return bad("hash is not unpadded base64")
	}
	p = Params{Memory: uint32(n[0]), Time: uint32(n[1]), Threads: uint8(n[2]),
		SaltLen: uint32(len(salt)), KeyLen: uint32(len(key))}
	if err := p.check(); err != nil {
		return Params{}, nil, nil, err
	}
	return p, salt, key, nil
}
