package main

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"
)

// config is the parsed command line.
type config struct {
	program  string // -e
	file     string // script path, "-" for stdin
	params   []string
	debug    string // -d STAGE
	verbose  bool
	quiet    bool
	unsafe   bool
	version  bool
	help     bool
	noWarn   bool
	includes []string
	incDirs  []string
	format   string // -f text|json
	outFile  string // -o FILE
	dryRun   bool
}

// outputFormats are the values -f accepts.
var outputFormats = []string{"text", "json", "table"}

// stages accepted by -d.
var debugStages = []string{"ast", "types", "all"}

func newFlagSet(c *config, stderr io.Writer) *pflag.FlagSet {
	fs := pflag.NewFlagSet("gtrace", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	// Stop at the script name: what follows belongs to the script ($1..$N).
	fs.SetInterspersed(false)
	fs.SortFlags = false
	fs.StringVarP(&c.program, "program", "e", "", "execute this program")
	fs.StringVarP(&c.debug, "debug", "d", "", "print a compilation stage and exit: ast, types, all")
	fs.BoolVarP(&c.verbose, "verbose", "v", false, "verbose messages")
	fs.BoolVarP(&c.quiet, "quiet", "q", false, "keep messages quiet")
	fs.StringVarP(&c.format, "format", "f", "text", "output format: text, json or table")
	fs.StringVarP(&c.outFile, "output", "o", "", "write the tracing output to FILE instead of stdout")
	fs.BoolVar(&c.dryRun, "dry-run", false, "compile and load the programs into the kernel, attach nothing, and exit")
	fs.BoolVar(&c.unsafe, "unsafe", false, "allow unsafe builtin functions")
	fs.BoolVar(&c.noWarn, "no-warnings", false, "disable all warning messages")
	fs.StringArrayVarP(&c.incDirs, "include-dir", "I", nil, "add the directory to the include search path (accepted; types come from BTF)")
	fs.StringArrayVar(&c.includes, "include", nil, "add an #include file before the program (accepted; types come from BTF)")
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

OPTIONS:
`)
	fmt.Fprint(w, fs.FlagUsages())
	fmt.Fprint(w, `
EXAMPLES:
gtrace -e 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }'
    count file opens by process name until Ctrl-C
gtrace -d ast -e 'BEGIN { printf("hello\n"); }'
    print the parsed program and exit
`)
}
