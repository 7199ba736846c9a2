package gtrace_test

import (
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// The examples load BPF programs: they run as root (go test runs them only
// then; see TestMain).

// A one-liner counting this program's system calls per process name, read
// as a live snapshot every second while the probe keeps counting.
func ExampleRun_Snapshot() {
	src := lang.Source{Name: "stdin", Text: `tracepoint:raw_syscalls:sys_enter /pid == $1/ { @[comm] = count(); }`}
	script, err := gtrace.Compile(src, gtrace.Options{
		Params: []string{strconv.Itoa(os.Getpid())},
		Kernel: probes.NewKernel(), // tracepoint formats, BTF: read once, kept by the Script
	})
	if err != nil {
		log.Fatal(err)
	}
	run, err := script.Start(context.Background(), gtrace.RunOptions{Stdout: io.Discard})
	if err != nil {
		log.Fatal(err)
	}
	defer run.Stop()
	comm, _ := os.ReadFile("/proc/self/comm")
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for range 2 {
		<-tick.C
		maps, err := run.Snapshot("@")
		if err != nil {
			log.Fatal(err)
		}
		for _, e := range maps[0].Entries {
			// A key is a tuple of typed values; here one string.
			fmt.Println(e.Key[0].Str == strings.TrimSpace(string(comm)), e.Value.Count() > 0)
		}
	}
	// Output:
	// true true
	// true true
}

// A histogram read as buckets with their bounds: the buckets bpftrace
// prints as rows of '@'.
func ExampleRun_Snapshot_histogram() {
	src := lang.Source{Name: "stdin", Text: `BEGIN { @bytes = hist(3); @bytes = hist(5); @bytes = hist(6); @bytes = hist(100); exit(); }`}
	script, err := gtrace.Compile(src, gtrace.Options{})
	if err != nil {
		log.Fatal(err)
	}
	run, err := script.Start(context.Background(), gtrace.RunOptions{Stdout: io.Discard})
	if err != nil {
		log.Fatal(err)
	}
	maps, err := run.Stop() // exit() ended the run: the maps as read at its end
	if err != nil {
		log.Fatal(err)
	}
	h := maps[0].Entries[0].Value
	fmt.Println(maps[0].Name, "counted", h.Count(), "values")
	for _, b := range h.Hist.Ranges() {
		if b.Count > 0 {
			fmt.Printf("[%d, %d): %d\n", b.Low, b.High, b.Count)
		}
	}
	// Output:
	// @bytes counted 4 values
	// [2, 4): 1
	// [4, 8): 2
	// [64, 128): 1
}

// Typed printf events consumed from a channel: the arguments as values and
// the text they format to.
func ExamplePrintfEvent() {
	src := lang.Source{Name: "stdin", Text: `BEGIN { printf("%s is %d\n", "answer", 42); exit(); }`}
	script, err := gtrace.Compile(src, gtrace.Options{})
	if err != nil {
		log.Fatal(err)
	}
	events := make(chan gtrace.Event)
	run, err := script.Start(context.Background(), gtrace.RunOptions{Events: events})
	if err != nil {
		log.Fatal(err)
	}
	for ev := range events { // closed when the run ends
		if p, ok := ev.(gtrace.PrintfEvent); ok {
			fmt.Printf("%q: %s, %d\n", p.Text, p.Args[0].Str, p.Args[1].Int64())
		}
	}
	code, err := run.Wait()
	fmt.Println("exit code", code, err)
	// Output:
	// "answer is 42\n": answer, 42
	// exit code 0 <nil>
}

// A script stopped by cancelling its context, as Ctrl-C stops the command
// line's: END runs, and the maps print as bpftrace prints them.
func ExampleScript_Start() {
	src := lang.Source{Name: "stdin", Text: `interval:ms:10 { @ticks = count(); } END { printf("END ran\n"); clear(@ticks); }`}
	script, err := gtrace.Compile(src, gtrace.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out strings.Builder
	run, err := script.Start(ctx, gtrace.RunOptions{Stdout: &out, Quiet: true})
	if err != nil {
		log.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	cancel()
	code, err := run.Wait()
	fmt.Printf("%q\n", out.String())
	fmt.Println("exit code", code, err)
	// Output:
	// "END ran\n\n\n@ticks: 0\n"
	// exit code 0 <nil>
}
