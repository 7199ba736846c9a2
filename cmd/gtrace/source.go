package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/gtrace/gtrace/lang"
)

var errNoProgram = errors.New("no program given: use -e 'program', a script file, or - for standard input")

// readProgram returns the program text and the positional parameters. With
// -e every remaining argument is a parameter; otherwise the first one names
// the script ("-" for standard input) and the rest are its parameters, which
// is also how a `#!/usr/bin/env gtrace` script receives its arguments.
func readProgram(c *config, args []string, stdin io.Reader) (src lang.Source, params []string, err error) {
	if c.program != "" {
		return lang.Source{Name: "stdin", Text: c.program}, args, nil
	}
	if len(args) == 0 {
		return lang.Source{}, nil, errNoProgram
	}
	name, params := args[0], args[1:]
	r := stdin
	if name == "-" {
		name = "stdin"
	} else {
		f, err := os.Open(name)
		if err != nil {
			return lang.Source{}, nil, openError(name, err)
		}
		defer f.Close()
		r = f
	}
	// A bound, so that `gtrace /dev/zero` ends with an error instead of
	// eating all memory.
	data, err := io.ReadAll(io.LimitReader(r, maxProgramBytes+1))
	if err != nil {
		return lang.Source{}, nil, fmt.Errorf("reading the program: %w", err)
	}
	if len(data) > maxProgramBytes {
		return lang.Source{}, nil, fmt.Errorf("the program %s is larger than %d MiB", name, maxProgramBytes>>20)
	}
	return lang.Source{Name: name, Text: string(data)}, params, nil
}

// maxProgramBytes bounds a program read from a file or standard input:
// far beyond any real script, small enough to read in a blink.
const maxProgramBytes = 64 << 20
