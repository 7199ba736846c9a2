package main

import (
	"io"

	"github.com/gtrace/gtrace/lang/sema"
)

// kernelEnv returns the source of kernel facts for checking (tracepoint
// formats from tracefs, types from BTF).
func kernelEnv(stderr io.Writer) sema.Env {
	return nil
}
