package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// runScript runs a checked script in the kernel and returns the exit code:
// 0, the code of exit(N), or 255 when loading or attaching failed (as
// bpftrace's -1), with one line on stderr saying what to do.
func runScript(script *gtrace.Script, c *config, kernel *probes.Kernel, stdout, stderr io.Writer) int {
	out := stdout
	if c.outFile != "" {
		f, err := os.Create(c.outFile)
		if err != nil {
			fmt.Fprintf(stderr, "gtrace: %v\n", err)
			return 1
		}
		defer f.Close()
		out = f
	}
	maxKeys, err := envInt("BPFTRACE_MAP_KEYS_MAX")
	if err != nil {
		fmt.Fprintf(stderr, "gtrace: %v\n", err)
		return 1
	}
	code, err := script.Run(context.Background(), gtrace.RunOptions{
		Stdout:     out,
		Stderr:     stderr,
		Format:     c.format,
		Quiet:      c.quiet,
		Verbose:    c.verbose,
		DryRun:     c.dryRun,
		MaxMapKeys: maxKeys,
		Kernel:     kernel,
		Signals:    true,
		// The command exits right after Run: nobody should wait for the
		// kernel to detach hundreds of tracepoints.
		BackgroundDetach: true,
	})
	if err != nil {
		var d *lang.Diagnostic
		if errors.As(err, &d) {
			script.Source.Render(stderr, d)
		} else {
			fmt.Fprintf(stderr, "ERROR: %v\n", err)
		}
	}
	return code
}

// envInt reads a positive integer setting from the environment, as
// bpftrace's BPFTRACE_* variables; unset gives 0 (the default).
func envInt(name string) (int, error) {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive integer", name, v)
	}
	return n, nil
}
