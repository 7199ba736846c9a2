package lang

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// RenderAll of many sorted diagnostics prints the same as Render of each,
// and finds each line without rescanning the text from the start (65k
// errors in a 65k-line script took minutes).
func TestRenderAllManyLines(t *testing.T) {
	const n = 100000
	var text strings.Builder
	var l ErrorList
	off := 0
	for i := 1; i <= n; i++ {
		line := fmt.Sprintf("line %d;", i)
		text.WriteString(line + "\n")
		l.Add(ErrorAt(Span{Start: Pos{Offset: off + 5, Line: i, Col: 6}, End: Pos{Offset: off + 6, Line: i, Col: 7}}, "bad %d", i))
		off += len(line) + 1
	}
	src := Source{Name: "stdin", Text: text.String()}
	var all bytes.Buffer
	start := time.Now()
	src.RenderAll(&all, l)
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("RenderAll of %d diagnostics took %v", n, d)
	}
	for _, i := range []int{1, 2, n / 2, n} {
		var one bytes.Buffer
		src.Render(&one, l[i-1])
		want := fmt.Sprintf("stdin:%d:6-7: ERROR: bad %d\nline %d;\n     ~\n", i, i, i)
		if one.String() != want || !strings.Contains(all.String(), want) {
			t.Errorf("line %d: Render %q, want %q (in RenderAll: %v)", i, one.String(), want, strings.Contains(all.String(), want))
		}
	}
	// Out of order, the cursor starts over.
	var back bytes.Buffer
	src.RenderAll(&back, ErrorList{l[9], l[2]})
	if want := "stdin:10:6-7: ERROR: bad 10\nline 10;\n     ~\nstdin:3:6-7: ERROR: bad 3\nline 3;\n     ~\n"; back.String() != want {
		t.Errorf("out of order: %q", back.String())
	}
}
