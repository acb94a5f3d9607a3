package sessiontest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// builds is the state of Binary across one test binary's run.
var builds struct {
	mu   sync.Mutex
	dir  string                  // made on the first build, removed by Main
	done map[string]*buildResult // by package path
}

// buildResult is one package's build, done once.
type buildResult struct {
	once sync.Once
	path string
	err  error
}

// Binary builds the module's command pkg (an import path such as
// "teahouse/server") once per test binary run and returns the executable.
// A package that does not build fails the test: a test that needs a binary
// is never skipped for want of one.
func Binary(t testing.TB, pkg string) string {
	t.Helper()
	builds.mu.Lock()
	if builds.done == nil {
		builds.done = make(map[string]*buildResult)
	}
	b, ok := builds.done[pkg]
	if !ok {
		b = new(buildResult)
		builds.done[pkg] = b
	}
	if builds.dir == "" {
		dir, err := os.MkdirTemp("", "teahouse-test-bin-")
		if err != nil {
			builds.mu.Unlock()
			t.Fatal(err)
		}
		builds.dir = dir
	}
	dir := builds.dir
	builds.mu.Unlock()

	b.once.Do(func() {
		b.path = filepath.Join(dir, filepath.Base(pkg))
		if out, err := exec.Command("go", "build", "-o", b.path, pkg).CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// Main runs the tests and then removes what Binary built. A package whose
// tests call Binary uses it as its TestMain:
//
//	func TestMain(m *testing.M) { sessiontest.Main(m) }
func Main(m *testing.M) {
	code := m.Run()
	builds.mu.Lock()
	if builds.dir != "" {
		_ = os.RemoveAll(builds.dir)
	}
	builds.mu.Unlock()
	os.Exit(code)
}
