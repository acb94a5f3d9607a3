package cluster

import (
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"errors"
	"strings"
)

// DefaultClusterName prefixes every subject and bucket when -cluster-name
// is not given.
const DefaultClusterName = "teahouse"

// Token is the subject token and KV key of a name: the unpadded base64url
// form of its folded key (session.NameKey). Its alphabet, A-Z a-z 0-9 - _,
// is one subject token (no '.', '*', '>' or space) and a legal KV key, and
// both letter cases are safe because subjects and keys are case-sensitive.
// Raw names cannot be used: the room "tea.time" would split the subject.
// "alice" → "YWxpY2U".
func Token(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

// KeyOf is Token's inverse: the folded key a token stands for.
func KeyOf(token string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

// nodeIDSuffix is 6 random base32 characters (30 bits).
var nodeIDEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewNodeID is name-XXXXXX: the node name and six random base32
// characters, new on every process start, so that a restarted node
// inherits nothing (no nick, no lease) from its previous life. Characters
// a subject token or KV key cannot hold are replaced by '_'.
func NewNodeID(name string) string {
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return cleanName(name) + "-" + nodeIDEncoding.EncodeToString(b[:])[:6]
}

// errBadClusterName is returned for a cluster name that cannot prefix a
// bucket name.
var errBadClusterName = errors.New("cluster name must be 1-32 characters of A-Z a-z 0-9 _ -")

// checkClusterName accepts a name fit for subjects and bucket names, whose
// alphabet is only [A-Za-z0-9_-].
func checkClusterName(name string) error {
	if name == "" || len(name) > 32 || cleanName(name) != name {
		return errBadClusterName
	}
	return nil
}

// cleanName keeps [A-Za-z0-9_-] and replaces everything else by '_'.
func cleanName(name string) string {
	if name == "" {
		return "node"
	}
	return strings.Map(func(r rune) rune {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9', r == '_', r == '-':
			return r
		}
		return '_'
	}, name)
}

// names are the subjects and buckets of one cluster (prefix P).
type names struct {
	prefix string
}

func (n names) room(key string) string { return n.prefix + ".room." + Token(key) }
func (n names) hist(key string) string { return n.prefix + ".hist." + Token(key) }
func (n names) node(id string) string  { return n.prefix + ".node." + id }
func (n names) nodesBucket() string    { return n.prefix + "_nodes" }
func (n names) nicksBucket() string    { return n.prefix + "_nicks" }
func (n names) roomPrefix() string     { return n.prefix + ".room." }
func (n names) histPrefix() string     { return n.prefix + ".hist." }
