package sema_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
)

// FuzzCheck parses and checks arbitrary programs: the checker must never
// panic, whatever the parser lets through. Seeds: the script corpora and
// the invalid table.
func FuzzCheck(f *testing.F) {
	for _, pat := range []string{"../../testdata/scripts/*.bt", "../../testdata/invalid/*.bt"} {
		files, _ := filepath.Glob(pat)
		for _, file := range files {
			if data, err := os.ReadFile(file); err == nil {
				f.Add(string(data))
			}
		}
	}
	if data, err := os.ReadFile("testdata/invalid.src"); err == nil {
		for _, line := range strings.Split(string(data), "\n") {
			f.Add(line)
		}
	}
	env := testEnv()
	f.Fuzz(func(t *testing.T, text string) {
		src := lang.Source{Name: "fuzz", Text: text}
		params := []string{"1", "abc"}
		p, errs := parse.Parse(src, parse.Options{Params: params})
		if errs.HasErrors() || p == nil {
			return
		}
		info, errs := sema.Check(p, sema.Options{Params: params, Env: env})
		if info == nil {
			t.Fatal("nil Info")
		}
		if !errs.HasErrors() {
			// A clean program has a type for every expression.
			lang.Inspect(p, func(n lang.Node) bool {
				if e, ok := n.(lang.Expr); ok && info.Types[e] == nil {
					if _, isIdent := e.(*lang.Ident); !isIdent {
						t.Fatalf("untyped expression %T at %v", e, e.SpanOf().Start)
					}
				}
				return true
			})
		}
	})
}

// BenchmarkCheck checks a generated 5,000-line script.
func BenchmarkCheck(b *testing.B) {
	var sb strings.Builder
	sb.WriteString("struct pair { int a; long b; char name[16]; };\n")
	lines := 1
	for i := 0; lines < 5000; i++ {
		fmt.Fprintf(&sb, "tracepoint:syscalls:sys_enter_openat /pid > %d/ {\n", i)
		fmt.Fprintf(&sb, "\t$f%d = str(args->filename);\n", i)
		fmt.Fprintf(&sb, "\t@opens[comm, $f%d] = count();\n", i)
		fmt.Fprintf(&sb, "\t@lat%d = hist(nsecs - %d);\n", i%50, i)
		fmt.Fprintf(&sb, "\tif ($f%d == \"/etc/passwd\") { printf(\"%%-16s %%6d %%s\\n\", comm, pid, $f%d); }\n", i, i)
		fmt.Fprintf(&sb, "\t$t = (pid, comm, %d * 2 + 1);\n", i)
		fmt.Fprintf(&sb, "\t@sizes[$t.0] = lhist(args->flags, 0, 1000, 10);\n")
		fmt.Fprintf(&sb, "\t@[tid] = sum(sizeof(struct pair));\n")
		sb.WriteString("}\n")
		lines += 9
	}
	src := lang.Source{Name: "bench.bt", Text: sb.String()}
	p, errs := parse.Parse(src, parse.Options{})
	if errs.HasErrors() {
		b.Fatal(errs)
	}
	env := testEnv()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		_, errs := sema.Check(p, sema.Options{Env: env})
		if errs.HasErrors() {
			b.Fatal(errs)
		}
	}
}
