package sema_test

import (
	"testing"

	"github.com/gtrace/gtrace/lang/sema"
)

// TestTextParamUsedNumerically: a parameter whose text is not a number,
// used where a number is wanted, is reported at the parameter in bpftrace
// 0.17's words (outputs of bpftrace 0.17 with the parameter abc).
func TestTextParamUsedNumerically(t *testing.T) {
	tests := []struct{ src, want string }{
		{`BEGIN { printf("%d\n", $1); }`,
			"stdin:1:24-26: ERROR: $1 used numerically but given \"abc\". Try using str($1).\nBEGIN { printf(\"%d\\n\", $1); }\n                       ~~\n"},
		{`BEGIN { printf("%d\n", $1 + 1); }`,
			"stdin:1:24-26: ERROR: $1 used numerically but given \"abc\". Try using str($1).\nBEGIN { printf(\"%d\\n\", $1 + 1); }\n                       ~~\n"},
	}
	for _, tt := range tests {
		_, _, errs := checkSrc(t, tt.src, sema.Options{Params: []string{"abc"}})
		if got := render(tt.src, errs); got != tt.want {
			t.Errorf("%s:\n got: %q\nwant: %q", tt.src, got, tt.want)
		}
	}
}
