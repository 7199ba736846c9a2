// Package gtrace is the embeddable API of gtrace, a bpftrace-compatible
// tracer: Compile turns a program into a checked Script; the runner loads its
// eBPF programs, attaches the probes, streams events and prints the maps.
//
// The stages live in their own packages (lang/parse, lang/sema, probes,
// codegen, maps, output); this package wires them together so that a Go
// program can embed tracing without the command line.
package gtrace
