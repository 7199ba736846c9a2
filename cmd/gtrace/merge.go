package main

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/merge"
)

// runMerge is `gtrace merge [options] FILE...`: it reads the -f json
// outputs of one script run on several hosts and prints their maps merged,
// as gtrace prints maps at exit (without the two newlines before them).
func runMerge(args []string, stdout, stderr io.Writer) int {
	fs := pflag.NewFlagSet("gtrace merge", pflag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.SortFlags = false
	format := fs.StringP("format", "f", "text", "output format: "+strings.Join(gtrace.OutputFormats(), ", "))
	outFile := fs.StringP("output", "o", "", "write the merged maps to `FILE` instead of stdout")
	script := fs.StringP("script", "s", "", "the script `FILE` the inputs come from: tells min(), max() and assigned maps from counts and sums, and hist/lhist layouts")
	program := fs.StringP("program", "e", "", "the script the inputs come from, as text (as --script)")
	help := fs.BoolP("help", "h", false, "show this help message")
	fs.Usage = func() { mergeUsage(stderr, fs) }
	if err := fs.Parse(args); err != nil {
		fmt.Fprintf(stderr, "ERROR: %v\n", err)
		return 1
	}
	if *help {
		mergeUsage(stderr, fs)
		return 0
	}
	if formats := gtrace.OutputFormats(); !slices.Contains(formats, *format) {
		fmt.Fprintf(stderr, "ERROR: unknown output format %q (want one of %s)\n", *format, strings.Join(formats, ", "))
		return 1
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "ERROR: gtrace merge needs the -f json outputs to merge")
		mergeUsage(stderr, fs)
		return 1
	}
	hints, code := mergeHints(*script, *program, stderr)
	if code != 0 {
		return code
	}
	var inputs []*merge.Input
	for _, name := range fs.Args() {
		in, err := readMergeInput(name)
		if err != nil {
			fmt.Fprintf(stderr, "ERROR: %v\n", err)
			return 1
		}
		inputs = append(inputs, in)
	}
	maps, guessed, err := merge.Merge(inputs, hints)
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: cannot merge: %v\n", err)
		return 1
	}
	if len(guessed) > 0 {
		fmt.Fprintf(stderr, "WARNING: %s: integer values added as count() and sum() are; -f json does not say which aggregation made a map, so pass the script (--script FILE) to merge min(), max() and assigned values right\n", strings.Join(guessed, ", "))
	}
	out := stdout
	if *outFile != "" {
		f, err := os.Create(*outFile)
		if err != nil {
			fmt.Fprintf(stderr, "ERROR: %v\n", err)
			return 1
		}
		defer f.Close()
		out = f
	}
	r, err := gtrace.NewRenderer(out, *format, stderr)
	if err == nil {
		err = r.Exit(maps)
	}
	if err != nil {
		fmt.Fprintf(stderr, "ERROR: writing the merged maps: %v\n", err)
		return 1
	}
	return 0
}

// mergeHints parses the script given with --script or -e, if any.
func mergeHints(file, program string, stderr io.Writer) (map[string]merge.Hint, int) {
	if file == "" && program == "" {
		return nil, 0
	}
	src := lang.Source{Name: "stdin", Text: program}
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			fmt.Fprintf(stderr, "ERROR: reading the script: %v\n", err)
			return nil, 1
		}
		src = lang.Source{Name: file, Text: string(data)}
	}
	prog, err := gtrace.Parse(src, gtrace.Options{})
	if err != nil {
		return nil, reportCompileError(stderr, src, err)
	}
	return merge.Hints(prog), 0
}

func readMergeInput(name string) (*merge.Input, error) {
	if name == "-" {
		return merge.Read(os.Stdin, "stdin")
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return merge.Read(f, name)
}

func mergeUsage(w io.Writer, fs *pflag.FlagSet) {
	fmt.Fprint(w, `USAGE:
    gtrace merge [options] FILE...

Merges the maps of several "gtrace -f json" outputs of one script (one per
host): counts and sums add, hist and lhist add bucket by bucket, stats
combine from their counts and totals, min and max keep the extreme,
integers updated with ++ or += add, and other assigned values must agree.
Maps print as gtrace prints them at exit. Pass the script (--script) so
that min(), max() and assigned values are told from counts and sums.

OPTIONS:
`)
	io.WriteString(w, fs.FlagUsages())
}
