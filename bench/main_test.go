package main

import (
	"os"
	"testing"
)

// TestMain lets the test binary serve as a helper process, as the bench
// binary does, so that -procs can be tested.
func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(helperMain())
	}
	os.Exit(m.Run())
}
