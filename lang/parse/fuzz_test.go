package parse

import (
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/gtrace/gtrace/lang"
)

// FuzzParse checks that no input panics the parser or the diagnostic
// renderer, and that every program that parses survives Format.
func FuzzParse(f *testing.F) {
	for _, file := range corpus(f) {
		text, err := os.ReadFile(file)
		if err == nil {
			f.Add(string(text))
		}
	}
	for _, c := range errorCases {
		f.Add(c.src)
	}
	f.Fuzz(func(t *testing.T, text string) {
		src := lang.Source{Name: "fuzz", Text: text}
		tm := time.AfterFunc(10*time.Second, func() { panic(fmt.Sprintf("parse of %q took over 10s", text)) })
		defer tm.Stop()
		p, errs := Parse(src, Options{Params: testParams})
		src.RenderAll(io.Discard, errs)
		if p == nil {
			t.Fatal("nil program")
		}
		if errs.HasErrors() {
			return
		}
		if msg := roundTrip(src); msg != "" {
			t.Fatal(msg)
		}
	})
}

// BenchmarkParse parses a generated 5,000-line script.
func BenchmarkParse(b *testing.B) {
	text := bigScript(5000)
	src := lang.Source{Name: "bench.bt", Text: text}
	b.SetBytes(int64(len(text)))
	for b.Loop() {
		if _, errs := Parse(src, Options{}); errs.HasErrors() {
			b.Fatal(errs)
		}
	}
}

// bigScript makes a program of about n lines mixing probes, predicates,
// statements and expressions.
func bigScript(n int) string {
	var b strings.Builder
	b.WriteString("#include <linux/sched.h>\n#define LIMIT 100\n")
	for line := 2; line < n; {
		i := line
		fmt.Fprintf(&b, "tracepoint:syscalls:sys_enter_read%d /pid == %d && comm != \"x\"/\n{\n", i, i)
		b.WriteString("  $x = (uint64)arg0 * 2 + (arg1 >> 3) % LIMIT;\n")
		b.WriteString("  @bytes[comm, pid] = sum($x);\n")
		b.WriteString("  if ($x > 10) { @big++; } else { @small = count(); }\n")
		b.WriteString("  printf(\"%s %d %d\\n\", comm, pid, $x ? 1 : 0);\n")
		b.WriteString("  @h = hist(nsecs - @start[tid]); delete(@start[tid]);\n")
		b.WriteString("}\n")
		line += 8
	}
	return b.String()
}
