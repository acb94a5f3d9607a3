package store

import (
	"encoding/binary"
	"errors"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func dbPath(t *testing.T) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "teahouse.db")
}

func openBoltT(t *testing.T, path string, opts ...Option) *Bolt {
	t.Helper()
	s, err := OpenBolt(path, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// raw runs fn in an update transaction on the bbolt file itself.
func raw(t *testing.T, path string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(fn); err != nil {
		t.Fatal(err)
	}
}

func rawVersion(t *testing.T, path string) uint64 {
	t.Helper()
	var v uint64
	raw(t, path, func(tx *bolt.Tx) error {
		v = binary.BigEndian.Uint64(tx.Bucket(bucketMeta).Get(keySchema))
		return nil
	})
	return v
}

// filled makes a closed teahouse file with a little of everything, and
// enough history to span many pages.
func filled(t *testing.T, path string, clk *clock) {
	t.Helper()
	s := openBoltT(t, path, WithClock(clk.now), WithHistoryMax(500))
	must(t, s.Register("alice", "Alice", "H1"))
	must(t, s.Register("op", "Op", "H2"))
	must(t, s.SetOperator("op", true))
	must(t, s.AddBan(Ban{Kind: BanNick, Target: "mallory", Reason: "spam", SetBy: "Op", Expires: clk.now().Add(time.Hour)}))
	must(t, s.AddBan(Ban{Kind: BanCIDR, Target: "2001:db8::/32", SetBy: "Op"}))
	must(t, s.AddMute(Mute{Target: "loud", SetBy: "Op"}))
	big := lines(0, 400)
	for i := range big {
		big[i].Text = strings.Repeat("x", 100)
	}
	must(t, s.AppendHistory(map[string][]HistoryLine{"#tea": big, "#b": lines(0, 3)}))
	must(t, s.Close())
}

func TestRestart(t *testing.T) {
	t.Run("everything written is there after Close and Open", func(t *testing.T) {
		path, clk := dbPath(t), newClock()
		filled(t, path, clk)
		s := openBoltT(t, path, WithClock(clk.now), WithHistoryMax(500))
		defer s.Close()
		op, err := s.Account("op")
		must(t, err)
		if !sameAccount(op, Account{Key: "op", Display: "Op", Hash: "H2", Operator: true, Created: clk.now()}) {
			t.Fatalf("op is %+v", op)
		}
		if got := banTargets(t, s); strings.Join(got, " ") != "nick:mallory cidr:2001:db8::/32" {
			t.Fatalf("bans %q", got)
		}
		if ms, err := s.Mutes(); err != nil || len(ms) != 1 || ms[0].Target != "loud" {
			t.Fatalf("mutes %+v, %v", ms, err)
		}
		all, err := s.AllHistory()
		must(t, err)
		if len(all["#tea"]) != 400 || len(all["#b"]) != 3 {
			t.Fatalf("history has %d and %d lines", len(all["#tea"]), len(all["#b"]))
		}
		wantLines(t, all["#b"], lines(0, 3))
	})
	t.Run("a room's history keeps trimming from where it was after a restart", func(t *testing.T) {
		path := dbPath(t)
		for i := range 4 {
			s := openBoltT(t, path, WithHistoryMax(5))
			must(t, s.AppendHistory(map[string][]HistoryLine{"#tea": lines(i*3, i*3+3)}))
			must(t, s.Close())
		}
		s := openBoltT(t, path, WithHistoryMax(5))
		defer s.Close()
		h, err := s.History("#tea")
		must(t, err)
		wantLines(t, h, lines(7, 12))
	})
	t.Run("a smaller maximum after a restart trims on the next append", func(t *testing.T) {
		path := dbPath(t)
		s := openBoltT(t, path, WithHistoryMax(10))
		must(t, s.AppendHistory(map[string][]HistoryLine{"#tea": lines(0, 10)}))
		must(t, s.Close())
		s = openBoltT(t, path, WithHistoryMax(3))
		defer s.Close()
		must(t, s.AppendHistory(map[string][]HistoryLine{"#tea": lines(10, 11)}))
		h, err := s.History("#tea")
		must(t, err)
		wantLines(t, h, lines(8, 11))
	})
}

func TestOpenFailures(t *testing.T) {
	writeFile := func(b []byte) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			t.Helper()
			must(t, os.WriteFile(path, b, 0o600))
		}
	}
	random := make([]byte, 64<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	// truncate cuts a filled file to size(n), n being the bytes its pages
	// reach (bbolt grows the file ahead of them).
	truncate := func(size func(int64) int64) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			t.Helper()
			filled(t, path, newClock())
			var n int64
			raw(t, path, func(tx *bolt.Tx) error { n = tx.Size(); return nil })
			must(t, os.Truncate(path, size(n)))
		}
	}
	teahouse := func(fn func(tx *bolt.Tx) error) func(t *testing.T, path string) {
		return func(t *testing.T, path string) {
			t.Helper()
			filled(t, path, newClock())
			raw(t, path, fn)
		}
	}
	setVersion := func(v []byte) func(tx *bolt.Tx) error {
		return func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keySchema, v) }
	}
	for _, c := range []struct {
		name    string
		prepare func(t *testing.T, path string)
		want    error
	}{
		{"a file of random bytes is corrupt", writeFile(random), ErrCorrupt},
		{"a short text file is corrupt", writeFile([]byte("nick alice\n")), ErrCorrupt},
		{"a file of one zero page is corrupt", writeFile(make([]byte, 4096)), ErrCorrupt},
		{"a teahouse file truncated to half is corrupt", truncate(func(n int64) int64 { return n / 2 }), ErrCorrupt},
		{"a teahouse file cut in the middle of its last page is corrupt", truncate(func(n int64) int64 { return n - 100 }), ErrCorrupt},
		{"a teahouse file without its last page in use is corrupt", truncate(func(n int64) int64 { return n - 4096 }), ErrCorrupt},
		{"a teahouse file truncated to its meta pages is corrupt", truncate(func(int64) int64 { return 8192 }), ErrCorrupt},
		{"a teahouse file truncated to one page is corrupt", truncate(func(int64) int64 { return 4096 }), ErrCorrupt},
		{"a teahouse file with its data pages overwritten is corrupt", func(t *testing.T, path string) {
			filled(t, path, newClock())
			f, err := os.OpenFile(path, os.O_RDWR, 0)
			must(t, err)
			defer f.Close()
			_, err = f.WriteAt(random[:32<<10], 2*4096)
			must(t, err)
		}, ErrCorrupt},
		{"a teahouse file with a newer schema version is refused", teahouse(setVersion(binary.BigEndian.AppendUint64(nil, 2))), ErrSchema},
		{"a teahouse file with schema version 0 recorded is refused", teahouse(setVersion(make([]byte, 8))), ErrSchema},
		{"a teahouse file with a 4-byte schema version is refused", teahouse(setVersion([]byte{0, 0, 0, 1})), ErrSchema},
		{"a teahouse file without a schema version is refused", teahouse(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Delete(keySchema)
		}), ErrSchema},
		{"a teahouse file with an unknown bucket is refused", teahouse(func(tx *bolt.Tx) error {
			_, err := tx.CreateBucket([]byte("channels"))
			return err
		}), ErrSchema},
		{"a teahouse file missing a bucket is refused", teahouse(func(tx *bolt.Tx) error {
			return tx.DeleteBucket(bucketMutes)
		}), ErrSchema},
		{"a teahouse file with a damaged account is corrupt", teahouse(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketAccounts).Put([]byte("alice"), []byte{1, 200})
		}), ErrCorrupt},
		{"a teahouse file with a ban of an unknown kind is corrupt", teahouse(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketBans).Put([]byte("nx"), encodeBan(Ban{Kind: 7, Target: "x"}))
		}), ErrCorrupt},
		{"a teahouse file with a mute record of a newer format is corrupt", teahouse(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMutes).Put([]byte("loud"), append([]byte{2}, encodeMute(Mute{Target: "loud"})[1:]...))
		}), ErrCorrupt},
		{"a teahouse file with a damaged history line is corrupt", teahouse(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketHistory).Bucket([]byte("#b")).Put(binary.BigEndian.AppendUint64(nil, 2), []byte{1})
		}), ErrCorrupt},
		{"a teahouse file with a bad history key is corrupt", teahouse(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketHistory).Bucket([]byte("#b")).Put([]byte("k"), encodeLine(HistoryLine{}))
		}), ErrCorrupt},
		{"a teahouse file with a record where a room should be is corrupt", teahouse(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketHistory).Put([]byte("#c"), encodeLine(HistoryLine{}))
		}), ErrCorrupt},
		{"another program's bbolt file is refused", func(t *testing.T, path string) {
			raw(t, path, func(tx *bolt.Tx) error {
				_, err := tx.CreateBucket([]byte("widgets"))
				return err
			})
		}, ErrSchema},
		{"a directory is refused", func(t *testing.T, path string) { must(t, os.Mkdir(path, 0o700)) }, nil},
		{"a file in a missing directory is refused", nil, nil},
	} {
		t.Run(c.name+", with an error naming the file", func(t *testing.T) {
			path := dbPath(t)
			if c.prepare != nil {
				c.prepare(t, path)
			} else {
				path = filepath.Join(t.TempDir(), "missing", "teahouse.db")
			}
			before, _ := os.ReadFile(path)
			s, err := OpenBolt(path, WithLockTimeout(100*time.Millisecond))
			if err == nil {
				s.Close()
				t.Fatal("opened")
			}
			t.Log(err)
			if c.want != nil && !errors.Is(err, c.want) {
				t.Errorf("error %v, want %v", err, c.want)
			}
			if errors.Is(err, ErrLocked) {
				t.Errorf("error %v: a damaged file is not a locked one", err)
			}
			if !strings.Contains(err.Error(), path) {
				t.Errorf("error %q does not name %s", err, path)
			}
			if after, _ := os.ReadFile(path); string(after) != string(before) {
				t.Error("the refused file was changed")
			}
		})
	}
}

func TestLocked(t *testing.T) {
	t.Run("a file another store holds is ErrLocked after the timeout, naming the file", func(t *testing.T) {
		path := dbPath(t)
		s := openBoltT(t, path)
		start := time.Now()
		_, err := OpenBolt(path, WithLockTimeout(50*time.Millisecond))
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), path) {
			t.Fatalf("error %v", err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("took %v", d)
		}
		must(t, s.Close())
		s = openBoltT(t, path, WithLockTimeout(50*time.Millisecond))
		must(t, s.Close())
	})
}

func TestMigrations(t *testing.T) {
	// These tests replace the package's migration table: not parallel.
	orig := migrations
	t.Cleanup(func() { migrations = orig })

	t.Run("a new file is laid out at the current schema version", func(t *testing.T) {
		path := dbPath(t)
		must(t, openBoltT(t, path).Close())
		if v := rawVersion(t, path); v != uint64(len(orig)) || v != 1 {
			t.Fatalf("schema version %d", v)
		}
	})
	t.Run("an empty bbolt file, version 0, is upgraded to version 1", func(t *testing.T) {
		path := dbPath(t)
		raw(t, path, func(*bolt.Tx) error { return nil })
		s := openBoltT(t, path)
		must(t, s.Register("a", "a", "H"))
		must(t, s.Close())
		if v := rawVersion(t, path); v != 1 {
			t.Fatalf("schema version %d", v)
		}
	})
	t.Run("a version 1 file runs a version 2 migration once and keeps its data", func(t *testing.T) {
		path, clk := dbPath(t), newClock()
		filled(t, path, clk)
		runs := 0
		migrations = append(orig[:len(orig):len(orig)], func(tx *bolt.Tx) error {
			runs++
			return tx.Bucket(bucketMeta).Put([]byte("v2"), []byte("yes"))
		})
		defer func() { migrations = orig }()
		for range 2 {
			s := openBoltT(t, path)
			a, err := s.Account("op")
			must(t, err)
			if !a.Operator {
				t.Fatal("lost the operator")
			}
			must(t, s.Close())
		}
		if runs != 1 {
			t.Fatalf("the migration ran %d times", runs)
		}
		if v := rawVersion(t, path); v != 2 {
			t.Fatalf("schema version %d", v)
		}
	})
	t.Run("a failing migration leaves the file at its old version", func(t *testing.T) {
		path := dbPath(t)
		filled(t, path, newClock())
		migrations = append(orig[:len(orig):len(orig)], func(tx *bolt.Tx) error {
			if err := tx.Bucket(bucketMeta).Put([]byte("half"), []byte("done")); err != nil {
				return err
			}
			return errors.New("disk says no")
		})
		_, err := OpenBolt(path)
		migrations = orig
		if !errors.Is(err, ErrSchema) || !strings.Contains(err.Error(), "disk says no") || !strings.Contains(err.Error(), path) {
			t.Fatalf("error %v", err)
		}
		if v := rawVersion(t, path); v != 1 {
			t.Fatalf("schema version %d", v)
		}
		raw(t, path, func(tx *bolt.Tx) error {
			if tx.Bucket(bucketMeta).Get([]byte("half")) != nil {
				t.Error("the failed migration's write was kept")
			}
			return nil
		})
	})
}
