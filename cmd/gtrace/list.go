package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"

	"github.com/gtrace/gtrace"
)

// listProbes is -l: with a program (-e, or a script file as the argument)
// it lists the probes the program would attach, as bpftrace 0.21+ does;
// otherwise the probes matching the search argument, all of them without
// one. -v adds each probe's arguments.
func listProbes(c *config, args []string, env settings, stdin io.Reader, stdout, stderr io.Writer) int {
	if c.program == "" && (len(args) == 0 || !isFile(args[0])) {
		if len(args) > 1 {
			fmt.Fprintf(stderr, "ERROR: -l takes one search pattern, not %d arguments\n", len(args))
			return 1
		}
		pattern := ""
		if len(args) == 1 {
			pattern = args[0]
		}
		if err := kernelEnv(stderr).List(pattern, stdout, c.verbose); err != nil {
			fmt.Fprintf(stderr, "ERROR: %v\n", err)
			return 1
		}
		return 0
	}
	src, params, err := readProgram(c, args, stdin)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	kernel := kernelEnv(stderr)
	script, err := gtrace.Compile(src, gtrace.Options{Params: params, Unsafe: c.unsafe, MaxStrlen: env.strlen, StackMode: env.stackMode, MissingProbes: env.missingProbes, Kernel: kernel})
	if err != nil {
		return reportCompileError(stderr, src, err)
	}
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	var one bytes.Buffer
	for _, name := range script.ProbeNames() {
		// Kernel.List prints a listable probe with its arguments (-v);
		// the others (BEGIN, interval:s:1, software:cpu-clock:1000, ...)
		// are printed as named.
		one.Reset()
		if err := kernel.List(name, &one, c.verbose); err != nil || one.Len() == 0 {
			one.Reset()
			one.WriteString(name + "\n")
		}
		w.Write(one.Bytes())
	}
	return 0
}

func isFile(name string) bool {
	st, err := os.Stat(name)
	return err == nil && st.Mode().IsRegular()
}
