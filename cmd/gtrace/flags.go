package main

import (
	"fmt"
	"io"
	"strings"

	"github.com/spf13/pflag"

	"github.com/gtrace/gtrace/metrics"

	"github.com/gtrace/gtrace"
)

// config is the parsed command line.
type config struct {
	program   string // -e
	file      string // script path, "-" for stdin
	debug     string // -d STAGE
	list      bool   // -l [SEARCH]
	verbose   bool
	quiet     bool
	unsafe    bool
	version   bool
	help      bool
	info      bool
	noWarn    bool
	helperErr int // -k (1) / -kk (2)
	buffering string
	includes  []string
	incDirs   []string
	format    string // -f text|json
	outFile   string // -o FILE
	dryRun    bool
	pid       int    // -p PID
	pidText   string // -p as given
	// listPattern is -l's search pattern when options followed it.
	listPattern *string
	command     string // -c 'CMD ARGS'
	pictures           // --flamegraph, --pprof, --icicle
	metrics     string // --metrics ADDR
	// metricsMaxKeys is --metrics-max-keys: keys one map exports at most.
	metricsMaxKeys int
}

// debugStages are the values -d accepts.
var debugStages = []string{"ast", "types", "asm", "all"}

// bufferModes are the values -B accepts.
var bufferModes = []string{"none", "line", "full"}

func newFlagSet(c *config, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet("gtrace", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	// Stop at the script name: what follows belongs to the script ($1..$N).
	fs.SetInterspersed(false)
	fs.SortFlags = false
	fs.StringVarP(&c.program, "program", "e", "", "execute this program")
	fs.BoolVarP(&c.list, "list", "l", false, "list probes matching the search (all without one), or those the program attaches; -lv adds their arguments")
	fs.StringVarP(&c.debug, "debug", "d", "", "print a compilation stage and exit: ast, types, asm, all")
	fs.BoolVarP(&c.verbose, "verbose", "v", false, "verbose messages (verifier log and program statistics)")
	fs.BoolVarP(&c.quiet, "quiet", "q", false, "keep messages quiet")
	fs.StringVarP(&c.format, "format", "f", "text", "output format: "+strings.Join(gtrace.OutputFormats(), ", "))
	fs.StringVarP(&c.outFile, "output", "o", "", "write the tracing output to FILE instead of stdout")
	fs.StringVarP(&c.buffering, "buffering", "B", "", "output buffering: none, line or full")
	fs.CountVarP(&c.helperErr, "warnings", "k", "report helper errors as warnings (-kk: including probe_read)")
	fs.StringVarP(&c.pidText, "pid", "p", "", "trace this process: library names resolve in it, uprobes fire only in it, and gtrace exits when it exits")
	fs.StringVarP(&c.command, "command", "c", "", "run this command (split on spaces) once the probes are attached; gtrace exits when it exits")
	fs.StringVar(&c.flamegraph, "flamegraph", "", "at the end of the run, write the maps keyed by kstack/ustack as an interactive SVG flame graph to `FILE`")
	fs.BoolVar(&c.icicle, "icicle", false, "draw the --flamegraph upside down (an icicle graph: callers on top)")
	fs.StringVar(&c.pprof, "pprof", "", "at the end of the run, write the maps keyed by kstack/ustack as a pprof profile to `FILE` (go tool pprof)")
	fs.StringVar(&c.metrics, "metrics", "", "while the script runs, serve its maps as Prometheus metrics at http://`ADDR`/metrics (host:port, or :port for every address)")
	fs.IntVar(&c.metricsMaxKeys, "metrics-max-keys", metrics.DefaultMaxKeys, "`N` keys of one map --metrics exports at most (those with the largest values)")
	fs.BoolVar(&c.dryRun, "dry-run", false, "compile and load the programs into the kernel, attach nothing, and exit")
	fs.BoolVar(&c.unsafe, "unsafe", false, "allow unsafe builtin functions")
	fs.BoolVar(&c.noWarn, "no-warnings", false, "disable all warning messages")
	fs.StringArrayVarP(&c.incDirs, "include-dir", "I", nil, "add the directory to the include search path (accepted; types come from BTF)")
	fs.StringArrayVar(&c.includes, "include", nil, "add an #include file before the program (accepted; types come from BTF)")
	fs.BoolVar(&c.info, "info", false, "print what this kernel supports, what is missing and how to fix it")
	fs.BoolVarP(&c.version, "version", "V", false, "print the gtrace version")
	fs.BoolVarP(&c.help, "help", "h", false, "show this help message")
	fs.Usage = func() { usage(stderr, fs) }
	return fs
}

func usage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprint(w, `USAGE:
    gtrace [options] filename [args...]
    gtrace [options] - <stdin input>
    gtrace [options] -e 'program' [args...]
    gtrace -l [SEARCH]
    gtrace merge [-f FORMAT] [--script FILE] FILE.json...   (gtrace merge -h)

OPTIONS:
`)
	io.WriteString(w, fs.FlagUsages())
	io.WriteString(w, `
ENVIRONMENT:
    BPFTRACE_MAX_STRLEN      [default: 64] bytes of a str() result (also BPFTRACE_STRLEN)
    BPFTRACE_MAX_MAP_KEYS    [default: 4096] entries of a map (also BPFTRACE_MAP_KEYS_MAX)
    BPFTRACE_MAX_CAT_BYTES   [default: 10240] bytes cat() prints (also BPFTRACE_CAT_BYTES_MAX)
    BPFTRACE_PERF_RB_PAGES   [default: 256] pages of the event ring buffer
    BPFTRACE_STACK_MODE      [default: bpftrace] kstack/ustack output: bpftrace, perf, raw
    BPFTRACE_MAX_PROBES      [default: none] refuse to attach more probes than this
    BPFTRACE_LOG_SIZE        [default: 65536] verifier log bytes to start with (grown as needed)
    BPFTRACE_NO_CPP_DEMANGLE [default: 0] 1: C++ names mangled in func, usym and ustack
    BPFTRACE_MISSING_PROBES  [default: none] attach points not on this machine: warn, ignore, error
    A variable outranks the same key of the script's config block.

EXAMPLES:
gtrace -l '*sleep*'
    list probes containing "sleep"
gtrace -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }'
    count file opens by process name until Ctrl-C
gtrace -e 'tracepoint:syscalls:sys_enter_openat { printf("%s %s\n", comm, str(args.filename)); }'
    trace files opened, with the process name
gtrace -d asm -e 'BEGIN { printf("hello\n"); }'
    print the generated eBPF instructions and exit
`)
}

// parseFlags parses the command line. Options end at the script name (the
// rest are its arguments), but -l's search pattern is no script: options
// may follow it, as bpftrace's getopt allows (gtrace -l 'uprobe:*' -p PID).
func parseFlags(fs *pflag.FlagSet, c *config, args []string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	if rest := fs.Args(); c.list && c.program == "" && len(rest) > 1 && fs.ArgsLenAtDash() < 0 && strings.HasPrefix(rest[1], "-") {
		pattern := rest[0]
		if err := fs.Parse(rest[1:]); err != nil {
			return err
		}
		c.listPattern = &pattern
	}
	return nil
}
