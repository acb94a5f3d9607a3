package store

import (
	"math/rand/v2"
	"os"
	"strings"
	"testing"
)

// TestDamage overwrites a few random bytes past the meta pages of a filled
// file, a hundred ways. bbolt keeps no page checksums, so damage to free
// pages or inside a string goes unseen; what must hold is that opening
// never crashes the process, that a refusal names the file, and that a
// file that opened can still be used.
func TestDamage(t *testing.T) {
	base := dbPath(t)
	filled(t, base, newClock())
	orig, err := os.ReadFile(base)
	must(t, err)
	t.Run("random damage anywhere in the data pages never crashes Open or later use", func(t *testing.T) {
		refused := 0
		for seed := range uint64(100) {
			rng := rand.New(rand.NewPCG(seed, 7))
			b := append([]byte(nil), orig...)
			n := 1 + rng.IntN(64)
			off := 8192 + rng.IntN(len(b)-8192-n)
			for i := range n {
				b[off+i] = byte(rng.Uint32())
			}
			path := dbPath(t)
			must(t, os.WriteFile(path, b, 0o600))
			s, err := OpenBolt(path)
			if err != nil {
				refused++
				if !strings.Contains(err.Error(), path) {
					t.Errorf("seed %d: error %q does not name the file", seed, err)
				}
				continue
			}
			s.AllHistory()
			s.Accounts()
			s.Bans()
			s.AppendHistory(map[string][]HistoryLine{"#tea": lines(0, 50)})
			s.Register("zz", "zz", "h")
			must(t, s.Close())
		}
		t.Logf("%d of 100 damaged files refused", refused)
	})
}
