package parse

import (
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// A binary given as a script stops after maxBadChars invalid characters
// with one last error, instead of one error per byte.
func TestBinaryInputErrorsBounded(t *testing.T) {
	src := "\x7fELF" + strings.Repeat("\x00\x01\x02\xff", 10000)
	_, errs := Parse(lang.Source{Name: "stdin", Text: src}, Options{})
	if len(errs) != maxBadChars+1 {
		t.Fatalf("%d errors, want %d", len(errs), maxBadChars+1)
	}
	if last := errs[len(errs)-1].Msg; !strings.Contains(last, "too many invalid characters") {
		t.Errorf("last error %q", last)
	}
}
