package main

import (
	"context"
	"errors"
	"io"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"

	"golang.org/x/term"
)

// inputPrompt is shown before the line being typed.
const inputPrompt = "> "

// runTerminal is the interactive session: the terminal in raw mode, the
// line editor at the bottom, server lines above it. The terminal is
// restored however this ends: return, panic on either goroutine, or a
// signal (which the keyboard loop turns into an orderly leave).
func (c *client) runTerminal(ctx context.Context, in, out *os.File) outcome {
	fd := int(in.Fd())
	saved, err := term.MakeRaw(fd)
	if err != nil {
		return outcome{exitFail, "cannot set up the terminal: " + err.Error()}
	}
	width, _, err := term.GetSize(int(out.Fd()))
	if err != nil {
		width = defaultColumns
	}
	ed := newEditor(out, inputPrompt, width)
	var once sync.Once
	restore := func() {
		once.Do(func() {
			ed.close()
			_ = term.Restore(fd, saved) // nothing better to do if the terminal is gone
		})
	}
	defer restore()
	defer func() {
		if r := recover(); r != nil {
			restore()
			panic(r)
		}
	}()
	c.onPanic = restore

	winch := make(chan os.Signal, 1)
	signal.Notify(winch, syscall.SIGWINCH)
	defer func() {
		signal.Stop(winch) // first, so nothing is sent on the closed channel
		close(winch)
	}()
	go func() {
		for range winch {
			if w, _, err := term.GetSize(int(out.Fd())); err == nil {
				ed.resize(w)
			}
		}
	}()

	c.out = ed
	ed.start()
	c.start()
	return c.keyboard(ctx, ed, in)
}

// keyboard is the main goroutine's loop in interactive mode: read a line,
// send it, replace it on screen with what the room sees.
func (c *client) keyboard(ctx context.Context, ed *editor, in io.Reader) outcome {
	stop := make(chan struct{})
	defer close(stop)
	chunks := pump(in, stop)
	// The editor waits on keys, on a signal, or on the connection ending.
	keysCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		select {
		case <-c.done:
			cancel()
		case <-keysCtx.Done():
		}
	}()
	if c.opts.nick != "" {
		if err := c.say(c.opts.nick, showNothing); err != nil {
			return c.sendFailed(err)
		}
	}
	for {
		line, err := ed.readLine(keysCtx, chunks)
		switch {
		case err == nil && ed.lastHidden():
			// A password: sent as typed, shown only as (hidden); an empty
			// one cancels the prompt and shows nothing.
			shown := ""
			if line != "" {
				shown = inputPrompt + hiddenMark
			}
			ed.commit(shown)
			if err := c.answer(line); err != nil {
				return c.sendFailed(err)
			}
		case err == nil && strings.TrimSpace(line) == "":
			ed.commit("") // nothing to send: just a fresh prompt
		case err == nil:
			err := c.say(line, func(echo string) {
				if echo == "" {
					// Commands and nicknames stay as typed, as in a shell,
					// but for the password of a one-line form.
					echo = inputPrompt + maskSecrets(line)
				}
				ed.commit(echo)
			})
			if err != nil {
				return c.sendFailed(err)
			}
		case errors.Is(err, errInterrupt), errors.Is(err, io.EOF):
			c.leave()
			return outcome{code: exitOK}
		default:
			select {
			case <-c.done:
				return c.ended()
			default:
				return c.interrupted(ctx)
			}
		}
	}
}
