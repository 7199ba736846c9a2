package gtrace

import (
	"context"
	"io"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/lang"
)

// BenchmarkRunBegin is the runtime's share of a one-liner's startup:
// load, BEGIN { printf("hi\n"); exit(); }, the exit sequence, cleanup.
func BenchmarkRunBegin(b *testing.B) {
	needRoot(b)
	tp := newTestProgram()
	hi := tp.printf("hi\n", 0)
	exit := tp.exit(false)
	tp.probe("gt_bench", lang.Begin, ebpf.RawTracepoint, append(emitRecord("a", hi), exitRecord("b", exit)...))
	for b.Loop() {
		if _, err := runProgram(context.Background(), nil, tp.p, RunOptions{Stdout: io.Discard, Stderr: io.Discard}); err != nil {
			b.Fatal(err)
		}
	}
}
