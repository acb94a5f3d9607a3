package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"os"
	"runtime/debug"
	"slices"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// Bolt is the Store on one bbolt file (the -data flag). Every write is a
// bbolt update transaction, committed and fsynced before the method
// returns; reads are read-only transactions, which run beside writes.
//
// The file's top-level buckets (schema version 1):
//
//	meta      schema_version -> 8-byte big-endian version
//	accounts  folded nickname -> Account record
//	bans      "n"+folded nickname | "p"+canonical prefix -> Ban record
//	mutes     folded nickname -> Mute record
//	history   folded room name -> bucket of
//	          8-byte big-endian sequence -> HistoryLine record
//
// Records are codec.go's versioned binary format. A room's sequence is the
// bucket's own (NextSequence) and lines are only ever deleted from the
// oldest end, so a room holds exactly the keys first..Sequence().
type Bolt struct {
	db   *bolt.DB
	path string
	o    options
}

var _ Store = (*Bolt)(nil)

var (
	bucketMeta     = []byte("meta")
	bucketAccounts = []byte("accounts")
	bucketBans     = []byte("bans")
	bucketMutes    = []byte("mutes")
	bucketHistory  = []byte("history")
	keySchema      = []byte("schema_version")
)

// migration upgrades an open file's buckets from one schema version to the
// next, inside the transaction that then records the new version.
type migration func(tx *bolt.Tx) error

// migrations[v] upgrades schema version v to v+1, so len(migrations) is
// the version this code reads and writes. Version 0 is a file without
// buckets, as bbolt creates it: the first migration lays out version 1.
// All the steps a file needs run in one transaction: a failure leaves the
// file at the version it had.
var migrations = []migration{
	func(tx *bolt.Tx) error { // 0 -> 1: the first layout
		for _, name := range [][]byte{bucketMeta, bucketAccounts, bucketBans, bucketMutes, bucketHistory} {
			if _, err := tx.CreateBucket(name); err != nil {
				return err
			}
		}
		return nil
	},
}

// OpenBolt opens the teahouse database file at path, creating it if it
// does not exist, and upgrades its schema if it is older. It fails, with an
// error naming path, if another process holds the file (ErrLocked, after
// WithLockTimeout), if the file is not a readable bbolt database or any
// record in it is damaged (ErrCorrupt), or if it is another program's
// database or a newer schema than this code knows (ErrSchema). It never
// starts empty in place of a file it cannot read.
func OpenBolt(path string, opts ...Option) (*Bolt, error) {
	o := newOptions(opts)
	db, err := openBolt(path, o)
	if err != nil {
		return nil, fmt.Errorf("store %s: %w", path, err)
	}
	return &Bolt{db: db, path: path, o: o}, nil
}

// openBolt opens and checks the file. bbolt reads a damaged file through
// its memory map, where bad offsets fault (SIGBUS past the end of a
// truncated file) or trip bbolt's own assertions: both become errors here
// rather than a crash, and such a half-opened DB is abandoned rather than
// closed, since its locks may be held.
func openBolt(path string, o options) (db *bolt.DB, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			db, err = nil, fmt.Errorf("%w: damaged or truncated (%v)", ErrCorrupt, r)
		}
	}()
	db, err = bolt.Open(path, 0o600, &bolt.Options{Timeout: o.lockTimeout})
	switch {
	case errors.Is(err, berrors.ErrTimeout):
		return nil, fmt.Errorf("%w (waited %v)", ErrLocked, o.lockTimeout)
	case errors.Is(err, berrors.ErrInvalid), errors.Is(err, berrors.ErrVersionMismatch),
		errors.Is(err, berrors.ErrChecksum):
		return nil, fmt.Errorf("%w: not a bbolt database, or both its meta pages are damaged (%v)", ErrCorrupt, err)
	case err != nil:
		var pe *os.PathError
		if errors.As(err, &pe) { // "open: is a directory": the path is said once, by OpenBolt
			return nil, fmt.Errorf("%s: %w", pe.Op, pe.Err)
		}
		return nil, fmt.Errorf("%w: %v", ErrCorrupt, err)
	}
	if err := checkFile(db, path); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// checkFile rejects a truncated file before anything reads past its end,
// brings the schema up to date, and decodes every record.
func checkFile(db *bolt.DB, path string) error {
	fi, err := os.Stat(path)
	if err != nil {
		return err
	}
	var version uint64
	err = db.View(func(tx *bolt.Tx) error {
		if tx.Size() > fi.Size() {
			return fmt.Errorf("%w: truncated: the file is %d bytes but its pages reach %d", ErrCorrupt, fi.Size(), tx.Size())
		}
		version, err = schemaVersion(tx)
		return err
	})
	if err != nil {
		return err
	}
	if want := uint64(len(migrations)); version < want {
		err := db.Update(func(tx *bolt.Tx) error {
			for v := version; v < want; v++ {
				if err := migrations[v](tx); err != nil {
					return fmt.Errorf("%w: upgrading schema version %d to %d: %v", ErrSchema, v, v+1, err)
				}
			}
			return tx.Bucket(bucketMeta).Put(keySchema, binary.BigEndian.AppendUint64(nil, want))
		})
		if err != nil {
			return err
		}
	}
	return db.View(verify)
}

// schemaVersion reads meta/schema_version: 0 for a file with no buckets at
// all (new), an ErrSchema for a newer version or another program's file.
func schemaVersion(tx *bolt.Tx) (uint64, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		var other []byte
		tx.ForEach(func(name []byte, _ *bolt.Bucket) error {
			other = name
			return errors.New("stop")
		})
		if other != nil {
			return 0, fmt.Errorf("%w: not a teahouse database: no %q bucket, but a %q one", ErrSchema, bucketMeta, other)
		}
		return 0, nil
	}
	b := meta.Get(keySchema)
	if len(b) != 8 {
		return 0, fmt.Errorf("%w: meta/schema_version is %d bytes, not 8", ErrSchema, len(b))
	}
	v := binary.BigEndian.Uint64(b)
	if want := uint64(len(migrations)); v > want || v == 0 {
		return 0, fmt.Errorf("%w: schema version %d is not one this teahouse knows (it reads up to %d)", ErrSchema, v, want)
	}
	return v, nil
}

// verify decodes every record of a current-version file, and refuses
// buckets and keys that schema does not have.
func verify(tx *bolt.Tx) error {
	records := map[string]func([]byte) error{
		string(bucketAccounts): func(v []byte) error { _, err := decodeAccount(v); return err },
		string(bucketBans):     func(v []byte) error { _, err := decodeBan(v); return err },
		string(bucketMutes):    func(v []byte) error { _, err := decodeMute(v); return err },
	}
	seen := 0
	err := tx.ForEach(func(name []byte, b *bolt.Bucket) error {
		seen++
		switch string(name) {
		case string(bucketMeta):
			return nil
		case string(bucketHistory):
			return b.ForEach(func(room, v []byte) error {
				rb := b.Bucket(room)
				if v != nil || rb == nil {
					return fmt.Errorf("%w: history/%q is not a room bucket", ErrCorrupt, room)
				}
				return rb.ForEach(func(k, v []byte) error {
					if len(k) != 8 || v == nil {
						return fmt.Errorf("%w: history/%q has a bad key %x", ErrCorrupt, room, k)
					}
					if _, err := decodeLine(v); err != nil {
						return fmt.Errorf("%w: history/%q/%d: %v", ErrCorrupt, room, binary.BigEndian.Uint64(k), err)
					}
					return nil
				})
			})
		}
		dec, ok := records[string(name)]
		if !ok {
			return fmt.Errorf("%w: unknown bucket %q", ErrSchema, name)
		}
		return b.ForEach(func(k, v []byte) error {
			if v == nil {
				return fmt.Errorf("%w: %s/%q is a bucket, not a record", ErrCorrupt, name, k)
			}
			if err := dec(v); err != nil {
				return fmt.Errorf("%w: %s/%q: %v", ErrCorrupt, name, k, err)
			}
			return nil
		})
	})
	if err == nil && seen != 5 {
		err = fmt.Errorf("%w: %d buckets, not the 5 of schema version %d", ErrSchema, seen, len(migrations))
	}
	return err
}

// update and view run fn in a transaction, reporting a closed DB as ErrClosed.
func (s *Bolt) update(fn func(*bolt.Tx) error) error { return closedErr(s.db.Update(fn)) }
func (s *Bolt) view(fn func(*bolt.Tx) error) error   { return closedErr(s.db.View(fn)) }

func closedErr(err error) error {
	if errors.Is(err, berrors.ErrDatabaseNotOpen) {
		return ErrClosed
	}
	return err
}

// corrupt names the record a decoding error came from.
func corrupt(bucket []byte, key []byte, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%w: %s/%q: %v", ErrCorrupt, bucket, key, err)
}

func (s *Bolt) Register(key, display, hash string) error {
	if err := checkKey("account", key); err != nil {
		return err
	}
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		if b.Get([]byte(key)) != nil {
			return ErrExists
		}
		return b.Put([]byte(key), encodeAccount(Account{Key: key, Display: display, Hash: hash, Created: s.o.now()}))
	})
}

func (s *Bolt) Account(key string) (a Account, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketAccounts).Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		a, err = decodeAccount(v)
		return corrupt(bucketAccounts, []byte(key), err)
	})
	return a, err
}

func (s *Bolt) Accounts() (out []Account, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAccounts).ForEach(func(k, v []byte) error {
			a, err := decodeAccount(v)
			out = append(out, a)
			return corrupt(bucketAccounts, k, err)
		})
	})
	return out, err
}

func (s *Bolt) updateAccount(key string, fn func(*Account)) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		v := b.Get([]byte(key))
		if v == nil {
			return ErrNotFound
		}
		a, err := decodeAccount(v)
		if err != nil {
			return corrupt(bucketAccounts, []byte(key), err)
		}
		fn(&a)
		return b.Put([]byte(key), encodeAccount(a))
	})
}

func (s *Bolt) SetPassword(key, hash string) error {
	return s.updateAccount(key, func(a *Account) { a.Hash = hash })
}

func (s *Bolt) SetOperator(key string, operator bool) error {
	return s.updateAccount(key, func(a *Account) { a.Operator = operator })
}

func (s *Bolt) Unregister(key string) error {
	return s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		if b.Get([]byte(key)) == nil {
			return ErrNotFound
		}
		return b.Delete([]byte(key))
	})
}

func (s *Bolt) AddBan(n Ban) error {
	k, canon, err := banKey(n.Kind, n.Target)
	if err != nil {
		return err
	}
	n.Target = canon
	if n.Created.IsZero() {
		n.Created = s.o.now()
	}
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBans).Put([]byte(k), encodeBan(n))
	})
}

func (s *Bolt) RemoveBan(kind BanKind, target string) error {
	k, _, err := banKey(kind, target)
	if err != nil {
		return err
	}
	return s.remove(bucketBans, []byte(k), banExpiry)
}

func (s *Bolt) Bans() ([]Ban, error) { return live(s, bucketBans, decodeBan, banExpiry) }

func (s *Bolt) AddMute(m Mute) error {
	if err := checkKey("mute target", m.Target); err != nil {
		return err
	}
	if m.Created.IsZero() {
		m.Created = s.o.now()
	}
	return s.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMutes).Put([]byte(m.Target), encodeMute(m))
	})
}

func (s *Bolt) RemoveMute(target string) error {
	return s.remove(bucketMutes, []byte(target), muteExpiry)
}

func (s *Bolt) Mutes() ([]Mute, error) { return live(s, bucketMutes, decodeMute, muteExpiry) }

// remove deletes key from bucket; ErrNotFound if it is absent or had
// already expired (it is deleted all the same).
func (s *Bolt) remove(bucket, key []byte, expiry func([]byte) (time.Time, error)) error {
	if len(key) == 0 {
		return ErrNotFound
	}
	gone := false // the record had expired: deleted (committed), but ErrNotFound
	err := s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		v := b.Get(key)
		if v == nil {
			return ErrNotFound
		}
		exp, err := expiry(v)
		if err != nil {
			return corrupt(bucket, key, err)
		}
		gone = expired(exp, s.o.now())
		return b.Delete(key)
	})
	if err == nil && gone {
		err = ErrNotFound
	}
	return err
}

// live returns the bucket's unexpired records in key order, read in a
// read-only transaction, then deletes the expired ones in a write
// transaction: listing costs no fsync unless something has run out. The
// write transaction checks the expiry again, so a record replaced in
// between is not lost.
func live[T any](s *Bolt, bucket []byte, decode func([]byte) (T, error), expiry func([]byte) (time.Time, error)) ([]T, error) {
	var out []T
	var drop [][]byte
	now := s.o.now()
	err := s.view(func(tx *bolt.Tx) error {
		return tx.Bucket(bucket).ForEach(func(k, v []byte) error {
			exp, err := expiry(v)
			if err != nil {
				return corrupt(bucket, k, err)
			}
			if expired(exp, now) {
				drop = append(drop, bytes.Clone(k))
				return nil
			}
			r, err := decode(v)
			out = append(out, r)
			return corrupt(bucket, k, err)
		})
	})
	if err != nil || len(drop) == 0 {
		return out, err
	}
	return out, s.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucket)
		for _, k := range drop {
			v := b.Get(k)
			if v == nil {
				continue
			}
			if exp, err := expiry(v); err != nil || !expired(exp, now) {
				continue
			}
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return nil
	})
}

func (s *Bolt) AppendHistory(batch map[string][]HistoryLine) error {
	for room := range batch {
		if err := checkKey("room", room); err != nil {
			return err
		}
	}
	return s.update(func(tx *bolt.Tx) error {
		h := tx.Bucket(bucketHistory)
		for _, room := range slices.Sorted(maps.Keys(batch)) {
			lines := batch[room]
			if len(lines) == 0 {
				continue
			}
			if s.o.historyMax == 0 {
				if err := h.DeleteBucket([]byte(room)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
					return err
				}
				continue
			}
			if over := len(lines) - s.o.historyMax; over > 0 {
				lines = lines[over:]
			}
			rb, err := h.CreateBucketIfNotExists([]byte(room))
			if err != nil {
				return err
			}
			for _, l := range lines {
				seq, err := rb.NextSequence()
				if err != nil {
					return err
				}
				if err := rb.Put(binary.BigEndian.AppendUint64(nil, seq), encodeLine(l)); err != nil {
					return err
				}
			}
			if err := trim(rb, uint64(s.o.historyMax)); err != nil {
				return err
			}
		}
		return nil
	})
}

// trim deletes a room's oldest lines until at most keep remain. Its keys
// are the contiguous sequence numbers first..Sequence().
func trim(rb *bolt.Bucket, keep uint64) error {
	k, _ := rb.Cursor().First()
	if k == nil {
		return nil
	}
	last := rb.Sequence()
	for first := binary.BigEndian.Uint64(k); last-first+1 > keep; first++ {
		if err := rb.Delete(binary.BigEndian.AppendUint64(nil, first)); err != nil {
			return err
		}
	}
	return nil
}

func (s *Bolt) DropHistory(rooms ...string) error {
	if len(rooms) == 0 {
		return nil
	}
	return s.update(func(tx *bolt.Tx) error {
		h := tx.Bucket(bucketHistory)
		for _, room := range rooms {
			if room == "" {
				continue
			}
			if err := h.DeleteBucket([]byte(room)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return err
			}
		}
		return nil
	})
}

func (s *Bolt) History(room string) (out []HistoryLine, err error) {
	err = s.view(func(tx *bolt.Tx) error {
		if room == "" {
			return nil
		}
		rb := tx.Bucket(bucketHistory).Bucket([]byte(room))
		if rb == nil {
			return nil
		}
		out, err = readLines(rb, room)
		return err
	})
	return out, err
}

func (s *Bolt) AllHistory() (map[string][]HistoryLine, error) {
	out := map[string][]HistoryLine{}
	err := s.view(func(tx *bolt.Tx) error {
		h := tx.Bucket(bucketHistory)
		return h.ForEachBucket(func(room []byte) error {
			lines, err := readLines(h.Bucket(room), string(room))
			if len(lines) > 0 {
				out[string(room)] = lines
			}
			return err
		})
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func readLines(rb *bolt.Bucket, room string) (out []HistoryLine, err error) {
	err = rb.ForEach(func(k, v []byte) error {
		l, err := decodeLine(v)
		out = append(out, l)
		if err != nil {
			return fmt.Errorf("%w: history/%q/%x: %v", ErrCorrupt, room, k, err)
		}
		return nil
	})
	return out, err
}

// Close commits nothing further (every write is already on disk) and
// releases the file and its lock.
func (s *Bolt) Close() error { return s.db.Close() }
