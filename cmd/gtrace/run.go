package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// runScript runs a checked script in the kernel and returns the exit code:
// 0, the code of exit(N), or 255 when loading or attaching failed (as
// bpftrace's -1), with one line on stderr saying what to do.
func runScript(script *gtrace.Script, c *config, env settings, kernel *probes.Kernel, stdout, stderr io.Writer) int {
	if advice := addressSpaceAdvice(); advice != "" && !c.noWarn {
		fmt.Fprintf(stderr, "WARNING: %s\n", advice)
	}
	out := stdout
	if c.outFile != "" {
		f, err := os.Create(c.outFile)
		if err != nil {
			// bpftrace's words, with the reason without Go's "open PATH: ".
			var pe *os.PathError
			if errors.As(err, &pe) {
				err = pe.Err
			}
			fmt.Fprintf(stderr, "ERROR: Failed to open output file: %q: %v\n", c.outFile, err)
			return 1
		}
		defer f.Close()
		out = f
	}
	bw := newBufferedWriter(out, c.buffering)
	defer bw.Flush()
	if !c.noWarn {
		script.Source.RenderAll(stderr, ignoredConfig(script))
	}
	opts := runOptions(script, c, env, kernel, bw, stderr)
	if c.outFile != "" {
		// bpftrace 0.17 writes the newlines before the maps and the -v
		// logs to stdout, not to the -o file.
		opts.Console = stdout
	}
	ctx, stop := stopOnSignals()
	defer stop()
	code, err := runToEnd(ctx, script, c, opts)
	if err != nil {
		var d *lang.Diagnostic
		var ce *gtrace.CommandError
		switch {
		case errors.As(err, &d):
			script.Source.Render(stderr, d)
		case errors.As(err, &ce):
			fmt.Fprintf(stderr, "ERROR: -c: %v\n", err)
		default:
			fmt.Fprintf(stderr, "ERROR: %v\n", err)
		}
	}
	return code
}

// runToEnd runs the script to its end, serving its maps as metrics while
// it runs (--metrics) and, when asked, writes the pictures of its stack
// maps as they were at the end. Output and exit code are those of a run
// without them.
func runToEnd(ctx context.Context, script *gtrace.Script, c *config, opts gtrace.RunOptions) (int, error) {
	var ln net.Listener
	if c.metrics != "" && !opts.DryRun {
		// Taken before anything is loaded: a port in use fails at once.
		var err error
		if ln, err = net.Listen("tcp", c.metrics); err != nil {
			return 1, fmt.Errorf("--metrics: %w", err)
		}
		defer ln.Close()
	}
	// SIGUSR1 prints the maps, as bpftrace's; watched from before the
	// run starts so that an early one does not kill gtrace.
	usr1 := make(chan os.Signal, 1)
	signal.Notify(usr1, syscall.SIGUSR1)
	defer signal.Stop(usr1)
	started := time.Now()
	r, err := script.Start(ctx, opts)
	if err != nil {
		return gtrace.ExitCode(err), err
	}
	go func() {
		for {
			select {
			case <-usr1:
				r.PrintMaps()
			case <-r.Done():
				return
			}
		}
	}()
	if ln != nil {
		defer serveMetrics(ln, r, script, c, opts.Stderr)()
	}
	code, err := r.Wait()
	if err != nil || !c.pictures.wanted() || opts.DryRun {
		return code, err
	}
	ms, err := r.Snapshot()
	if err == nil {
		err = writePictures(c, script, ms, started)
	}
	if err != nil && code == 0 {
		code = 1
	}
	return code, err
}

// runOptions gathers the settings of a run from the flags, the
// environment and the script's config block.
func runOptions(script *gtrace.Script, c *config, env settings, kernel *probes.Kernel, stdout, stderr io.Writer) gtrace.RunOptions {
	env = env.withScript(script)
	printMaps, set := script.ConfigBool("print_maps_on_exit")
	return gtrace.RunOptions{
		Stdout:       stdout,
		Stderr:       stderr,
		Format:       c.format,
		Quiet:        c.quiet,
		Verbose:      c.verbose,
		DryRun:       c.dryRun,
		MaxMapKeys:   env.mapKeys,
		MaxCatBytes:  env.catBytes,
		LogSize:      env.logSize,
		RingBufBytes: env.ringBytes(),
		NoMapsOnExit: set && !printMaps,
		HelperErrors: c.helperErr,
		Mangled:      env.mangled,
		NoWarnings:   c.noWarn,
		Kernel:       kernel,
		Command:      splitCommand(c.command),
		// The command shares gtrace's terminal, as under bpftrace.
		CommandStdin:  os.Stdin,
		CommandStdout: os.Stdout,
		CommandStderr: os.Stderr,
		PID:           c.pid,
		// The command exits right after Run: nobody should wait for the
		// kernel to detach hundreds of tracepoints.
		BackgroundDetach: true,
	}
}

// stopOnSignals returns a context cancelled by the first SIGINT or
// SIGTERM, which ends the run as bpftrace does (END, then the maps). The
// signals' default action comes back at once, so a second Ctrl-C kills
// gtrace, as it kills bpftrace. stop stops watching.
func stopOnSignals() (ctx context.Context, stop func()) {
	ctx, stop = signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	go func() {
		<-ctx.Done()
		stop()
	}()
	return ctx, stop
}
