package codegen

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
)

// BenchmarkCompile generates the code of a 200-clause script of the
// usual shapes (aggregations keyed by builtins, printf, a predicate,
// strings, a histogram), parsed and checked once: code generation alone.
func BenchmarkCompile(b *testing.B) {
	var sb strings.Builder
	for i := range 200 {
		fmt.Fprintf(&sb, "tracepoint:sched:sched_switch /pid != %d/ {\n", i)
		fmt.Fprintf(&sb, "\t@c%d[comm, args->next_pid] = count();\n", i)
		fmt.Fprintf(&sb, "\t@h%d = hist(args->prev_pid * %d);\n", i, i+1)
		fmt.Fprintf(&sb, "\t$s = str(args->next_comm);\n")
		fmt.Fprintf(&sb, "\tif ($s == \"swapper\") { printf(\"%%s %%d %%d\\n\", $s, pid, nsecs); }\n")
		sb.WriteString("}\n")
	}
	env := fuzzEnv(b)
	src := lang.Source{Name: "bench", Text: sb.String()}
	prog, diags := parse.Parse(src, parse.Options{})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	info, diags := sema.Check(prog, sema.Options{Env: env})
	if diags.HasErrors() {
		b.Fatal(diags)
	}
	targets := fuzzTargets(prog, env)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(prog, info, targets, Options{Source: src, Env: env, NumCPU: 2, Cookies: true}); err != nil {
			b.Fatal(err)
		}
	}
}
