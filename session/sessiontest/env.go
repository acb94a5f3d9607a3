package sessiontest

import (
	"os"
	"testing"
)

// Missing is for a test that needs something of the machine (a
// pseudo-terminal, a program, /proc, a network address) which is not
// there. On a developer's machine the test is skipped with the reason; in
// CI (CI set in the environment) it fails, because .ci/run provides
// everything the tests need and a skip there would hide a lost test.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("CI lacks what this test needs: "+format, args...)
	}
	t.Skipf(format, args...)
}
