package gtrace

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestCommandGate: a -c command waits at the gate and runs only when
// resume opens it; a gate that closes without the word (gtrace died before
// resuming it) ends the command without running it.
func TestCommandGate(t *testing.T) {
	dir := t.TempDir()
	for _, open := range []bool{true, false} {
		ran := filepath.Join(dir, "ran")
		os.Remove(ran)
		p, err := startCommand([]string{"touch", ran}, commandStdio{})
		if err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		if _, err := os.Stat(ran); err == nil {
			t.Fatal("the command ran before the gate opened")
		}
		if open {
			p.resume()
		} else {
			p.gate.Close() // what the kernel does when gtrace dies
			p.gate = nil
		}
		select {
		case <-p.done:
		case <-time.After(10 * time.Second):
			t.Fatal("the command did not end")
		}
		_, err = os.Stat(ran)
		if open && err != nil {
			t.Errorf("resumed, but the command did not run: %v", err)
		}
		if !open && err == nil {
			t.Errorf("the gate closed without the word, yet the command ran")
		}
		p.end()
	}
}
