package parse

import (
	"bytes"
	"os"
	"sync"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// TestConcurrentParse runs many parses at once (meaningful under -race):
// every goroutine must get the same dump and diagnostics as a lone parse.
func TestConcurrentParse(t *testing.T) {
	var srcs []lang.Source
	for _, f := range corpus(t) {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, lang.Source{Name: f, Text: string(text)})
	}
	for _, c := range errorCases {
		srcs = append(srcs, lang.Source{Name: "stdin", Text: c.src})
	}
	render := func(src lang.Source) string {
		p, errs := Parse(src, Options{Params: testParams})
		var b bytes.Buffer
		src.RenderAll(&b, errs)
		lang.Dump(&b, p)
		return b.String()
	}
	want := make([]string, len(srcs))
	for i, s := range srcs {
		want[i] = render(s)
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Go(func() {
			for k := range 3 * len(srcs) {
				i := (g + k) % len(srcs)
				if got := render(srcs[i]); got != want[i] {
					t.Errorf("goroutine %d, %s: concurrent parse differs:\n%s\nwant:\n%s", g, srcs[i].Name, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}
