package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/lang"
)

// version is set by the linker (-X main.version=...).
var version = "v0.1.0-dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run is the whole command; it returns the exit code. Usage, script and
// checking errors exit 1 with nothing on stdout, load and attach failures
// 255, and a run ended by exit(N) exits N, as bpftrace does.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "merge" {
		return runMerge(args[1:], stdout, stderr)
	}
	var c config
	fs := newFlagSet(&c, stderr)
	if err := parseFlags(fs, &c, args); err != nil {
		fmt.Fprintf(stderr, "ERROR: %s\n", flagError(err))
		usage(stderr, fs)
		return 1
	}
	if c.help {
		// bpftrace prints its help on stderr; runbooks that grep it with
		// 2>&1 work with both.
		usage(stderr, fs)
		return 0
	}
	if c.version {
		fmt.Fprintf(stdout, "gtrace %s\n", version)
		return 0
	}
	if c.debug != "" && !slices.Contains(debugStages, c.debug) {
		fmt.Fprintf(stderr, "ERROR: unknown -d stage %q (want one of ast, types, asm, all)\n", c.debug)
		return 1
	}
	if formats := gtrace.OutputFormats(); !slices.Contains(formats, c.format) {
		// bpftrace 0.17's words.
		fmt.Fprintf(stderr, "ERROR: Invalid output format %q\nValid formats: '%s'\n", c.format, strings.Join(formats, "', '"))
		return 1
	}
	if c.buffering != "" && !slices.Contains(bufferModes, c.buffering) {
		fmt.Fprintf(stderr, "ERROR: -B must be none, line or full, not %q\n", c.buffering)
		return 1
	}
	if c.info {
		return printInfo(stdout, stderr)
	}
	if fs.Changed("pid") { // -p 0 is no process either
		pid, err := parsePID(c.pidText)
		if err != nil {
			fmt.Fprintf(stderr, "ERROR: %v\n", err)
			return 1
		}
		c.pid = pid
		if err := gtrace.CheckPID(c.pid); err != nil {
			fmt.Fprintf(stderr, "ERROR: %v\n", err)
			return 1
		}
		if c.command != "" {
			fmt.Fprintln(stderr, "ERROR: -p and -c cannot be used together")
			return 1
		}
	}
	targetPID = c.pid
	env, err := envSettings()
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	if c.list {
		ops := operands(fs)
		if c.listPattern != nil {
			ops = append([]string{*c.listPattern}, ops...)
		}
		return listProbes(&c, ops, env, stdin, stdout, stderr)
	}
	src, params, err := readProgram(&c, operands(fs), stdin)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		if errors.Is(err, errNoProgram) {
			usage(stderr, fs)
		}
		return 1
	}
	opts := gtrace.Options{Params: params, Unsafe: c.unsafe, MaxStrlen: env.strlen, StackMode: env.stackMode, MissingProbes: env.missingProbes, Child: c.command != ""}

	if c.debug == "ast" {
		prog, err := gtrace.Parse(src, opts)
		if err != nil {
			return reportCompileError(stderr, src, err)
		}
		lang.Dump(stdout, prog)
		return 0
	}

	if c.debug == "" {
		if err := gtrace.CheckCapabilities(); err != nil {
			fmt.Fprintf(stderr, "ERROR: %v\n", err)
			return 255
		}
	}
	kernel := kernelEnv(stderr)
	opts.Kernel = kernel
	script, err := gtrace.Compile(src, opts)
	if err != nil {
		return reportCompileError(stderr, src, err)
	}
	if !c.noWarn {
		src.RenderAll(stderr, script.Warnings)
	}
	switch c.debug {
	case "types":
		script.DumpTypes(stdout)
		return 0
	case "asm", "all":
		if c.debug == "all" {
			lang.Dump(stdout, script.Program)
			script.DumpTypes(stdout)
		}
		if err := script.DumpAsm(stdout, runOptions(script, &c, env, kernel, stdout, stderr)); err != nil {
			fmt.Fprintf(stderr, "ERROR: %v\n", err)
			return 1
		}
		return 0
	}
	if err := checkPictures(script, &c.pictures); err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	if err := env.checkMaxProbes(script); err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	return runScript(script, &c, env, kernel, stdout, stderr)
}

// operands returns the arguments after the options. As with bpftrace's
// getopt, one `--` ends the options wherever it stands and is not itself a
// parameter: `gtrace -e PROG a -- b` has $1 = a and $2 = b. Options still
// stop at the script name, so a script's own `-x` arguments pass through.
func operands(fs *pflag.FlagSet) []string {
	args := fs.Args()
	if fs.ArgsLenAtDash() >= 0 {
		return args // pflag consumed the `--`
	}
	if i := slices.Index(args, "--"); i >= 0 {
		args = slices.Delete(slices.Clone(args), i, i+1)
	}
	return args
}

// reportCompileError prints user errors as bpftrace does and returns the
// exit code 1.
func reportCompileError(stderr io.Writer, src lang.Source, err error) int {
	var diags lang.ErrorList
	if errors.As(err, &diags) {
		src.RenderAll(stderr, diags)
		return 1
	}
	fmt.Fprintf(stderr, "ERROR: %v\n", err)
	return 1
}
