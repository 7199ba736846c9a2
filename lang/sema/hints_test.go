package sema

import (
	"strings"
	"testing"
	"time"
)

func TestClosest(t *testing.T) {
	cands := []string{"count", "printf", "hist", "lhist"}
	for name, want := range map[string]string{"cuont": "count", "hsit": "hist", "prinft": "printf", "x": "", "nothinglike": ""} {
		if got := closest(name, cands); got != want {
			t.Errorf("closest(%q) = %q, want %q", name, got, want)
		}
	}
}

// A megabyte-long unknown name is not compared letter by letter with every
// candidate (that took 17 s): no candidate can be within a third of its
// length.
func TestClosestHugeName(t *testing.T) {
	done := make(chan string)
	go func() { done <- closest(strings.Repeat("a", 10<<20), builtinNames()) }()
	select {
	case got := <-done:
		if got != "" {
			t.Errorf("closest = %q", got)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("closest of a 10 MB name still running after 5 s")
	}
}
