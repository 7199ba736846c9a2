package main

import (
	"io"

	"github.com/gtrace/gtrace/probes"
)

// kernelEnv returns the source of kernel facts for checking (tracepoint
// formats from tracefs, types from BTF) and for running: the same Kernel,
// so each fact is read once. It reads nothing until asked.
func kernelEnv(stderr io.Writer) *probes.Kernel {
	k := probes.NewKernel()
	k.PID = targetPID
	return k
}

// targetPID is -p: library names of uprobes and usdt probes (-l too)
// resolve in that process first.
var targetPID int
