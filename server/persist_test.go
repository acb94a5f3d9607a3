package main

import (
	"io"
	"log/slog"
	"testing"

	"teahouse/server/store"
	"teahouse/session"
)

// TestPersistAfterClose checks what a shutdown that gave up waiting for the
// event loop leaves: the store closed while the loop may still call it.
// Nothing may panic, and nothing is answered, since nobody is left to tell.
func TestPersistAfterClose(t *testing.T) {
	p := newPersist(store.NewMemory(), testKDF, slog.New(slog.NewTextHandler(io.Discard, nil)), func(fn func()) { fn() })
	if err := p.close(); err != nil {
		t.Fatal(err)
	}
	answered := 0
	done := func(error) { answered++ }
	p.Register(session.Account{Key: "a", Display: "a"}, "password1", done)
	p.Verify("a", "password1", func(bool, error) { answered++ })
	p.SetPassword("a", "password2", done)
	p.Unregister("a", done)
	p.AddBan(session.Ban{Nick: "x"}, done)
	p.AddMute(session.Mute{Key: "x"}, done)
	p.SaveHistory("lobby", session.Message{Text: "late"})
	p.DropHistory("lobby")
	if answered != 0 {
		t.Errorf("%d calls were answered after close", answered)
	}
}
