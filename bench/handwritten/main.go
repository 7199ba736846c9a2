package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/cilium/ebpf/link"
	"github.com/cilium/ebpf/rlimit"
)

func main() {
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	if len(args) != 2 || args[0] != "-e" {
		fmt.Fprintln(os.Stderr, "usage: handwritten -e PROGRAM (one of the programs of bench.py)")
		return 1
	}
	tr, ok := tracers[normalize(args[1])]
	if !ok {
		fmt.Fprintf(os.Stderr, "ERROR: handwritten runs only the benchmark programs, not %q\n", args[1])
		return 1
	}
	if err := rlimit.RemoveMemlock(); err != nil {
		fmt.Fprintf(os.Stderr, "ERROR: %v\n", err)
		return 1
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	defer out.Flush()
	if err := tr(ctx, out); err != nil {
		out.Flush()
		fmt.Fprintf(os.Stderr, "ERROR: %v\n", err)
		return 1
	}
	return 0
}

// tracers maps each accepted program (normalized) to what runs it.
var tracers = map[string]func(context.Context, *bufio.Writer) error{
	normalize(`tracepoint:syscalls:sys_enter_getppid { @[comm] = count(); }`):               runCount,
	normalize(`tracepoint:syscalls:sys_enter_getppid { @ns = hist(nsecs & 0xfffff); }`):     runHist,
	normalize(`tracepoint:syscalls:sys_enter_getppid { printf("ev %d %s\n", pid, comm); }`): runPrintf,
}

// normalize drops the spaces, so that the harness's spelling need not
// match to the byte.
func normalize(prog string) string {
	return strings.Join(strings.Fields(prog), "")
}

// attach attaches prog to the getppid tracepoint as bpftrace and gtrace do
// (a perf event, through a BPF link where the kernel has one) and says so
// in bpftrace's words.
func attach(out *bufio.Writer, p *program) (link.Link, error) {
	l, err := link.Tracepoint("syscalls", "sys_enter_getppid", p.prog, nil)
	if err != nil {
		return nil, fmt.Errorf("attaching tracepoint:syscalls:sys_enter_getppid: %w", err)
	}
	fmt.Fprintln(out, "Attaching 1 probe...")
	return l, out.Flush()
}
