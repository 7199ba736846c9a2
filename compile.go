package gtrace

import (
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
)

// Options control compilation.
type Options struct {
	// Params are the positional parameters $1..$N.
	Params []string
	// Env supplies kernel facts (tracepoint formats, BTF). Nil checks
	// without a kernel: tracepoints and kernel structs are then unknown.
	Env sema.Env
	// Unsafe allows system(), signal() and the other unsafe functions.
	Unsafe bool
}

// Script is a parsed and checked program.
type Script struct {
	Source  lang.Source
	Program *lang.Program
	Info    *sema.Info
	// Warnings are the non-fatal diagnostics of parsing and checking.
	Warnings lang.ErrorList
}

// Parse parses src without checking it (for `-d ast`). User errors come back
// as a lang.ErrorList.
func Parse(src lang.Source, opts Options) (*lang.Program, error) {
	prog, diags := parse.Parse(src, parse.Options{Params: opts.Params})
	diags.Sort()
	if err := diags.Err(); err != nil {
		return nil, err
	}
	return prog, nil
}

// Compile parses and checks src. User errors come back as a lang.ErrorList,
// sorted by position.
func Compile(src lang.Source, opts Options) (*Script, error) {
	prog, diags := parse.Parse(src, parse.Options{Params: opts.Params})
	if diags.HasErrors() {
		diags.Sort()
		return nil, diags
	}
	info, checkDiags := sema.Check(prog, sema.Options{Params: opts.Params, Env: opts.Env, Unsafe: opts.Unsafe})
	diags = append(diags, checkDiags...)
	diags.Sort()
	if err := diags.Err(); err != nil {
		return nil, err
	}
	return &Script{Source: src, Program: prog, Info: info, Warnings: diags}, nil
}
