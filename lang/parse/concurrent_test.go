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

// sameAsWhole checks that parsing item by item (parseItems) gives the
// same tree and diagnostics as parsing the program as one stream.
func sameAsWhole(t *testing.T, src lang.Source) {
	t.Helper()
	render := func(opts Options) string {
		p, errs := Parse(src, opts)
		var b bytes.Buffer
		src.RenderAll(&b, errs)
		lang.Dump(&b, p)
		return b.String()
	}
	got := render(Options{Params: testParams})
	want := render(Options{Params: testParams, whole: true})
	if got != want {
		t.Fatalf("%q: item-by-item parse differs from whole-program parse:\n%s\nwant:\n%s", src.Text, got, want)
	}
}

func TestItemsMatchWhole(t *testing.T) {
	for _, f := range corpus(t) {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sameAsWhole(t, lang.Source{Name: f, Text: string(text)})
	}
	for _, c := range errorCases {
		sameAsWhole(t, lang.Source{Name: "stdin", Text: c.src})
	}
	for _, text := range []string{
		"BEGIN kprobe:f { }", "BEGIN /pid/ } END { }", "BEGIN { } } END { }", "let @a = hash(1) BEGIN { }",
		"config = { a = 1 } config = { b = 2 } BEGIN { }", "BEGIN { $x = 0x; } END { $y = 1 +; }",
		"BEGIN { 1 = 2; } END { @x[] = 1; }", "BEGIN { } ,", "BEGIN,", "BEGIN { } /x/ { }",
	} {
		sameAsWhole(t, lang.Source{Name: "stdin", Text: text})
	}
}

func FuzzItemsMatchWhole(f *testing.F) {
	for _, file := range corpus(f) {
		if text, err := os.ReadFile(file); err == nil {
			f.Add(string(text))
		}
	}
	for _, c := range errorCases {
		f.Add(c.src)
	}
	f.Fuzz(func(t *testing.T, text string) {
		sameAsWhole(t, lang.Source{Name: "fuzz", Text: text})
	})
}
