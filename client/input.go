package main

import "io"

// pumpBuffer is the size of one read from stdin.
const pumpBuffer = 4096

// pump reads r in a goroutine of its own and hands over each chunk; the
// channel is closed at end of input or on a read error. Go cannot cancel a
// read(2) blocked on a terminal or pipe without switching the descriptor to
// non-blocking mode, which the shell we were started from would inherit; so
// the read lives in this goroutine, and the keyboard side waits on the
// channel or on the connection ending, whichever comes first. Closing stop
// releases the goroutine once its current read returns.
func pump(r io.Reader, stop <-chan struct{}) <-chan []byte {
	ch := make(chan []byte)
	go func() {
		defer close(ch)
		for {
			buf := make([]byte, pumpBuffer)
			n, err := r.Read(buf)
			if n > 0 {
				select {
				case ch <- buf[:n]:
				case <-stop:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return ch
}
