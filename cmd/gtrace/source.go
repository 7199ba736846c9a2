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
	var data []byte
	if name == "-" {
		data, err = io.ReadAll(stdin)
		name = "stdin"
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return lang.Source{}, nil, fmt.Errorf("reading the program: %w", err)
	}
	return lang.Source{Name: name, Text: string(data)}, params, nil
}
