// Package flame turns maps keyed by stacks into flame graphs: folded stack
// lines (`-f folded`, the input of flamegraph.pl, inferno and speedscope)
// and gtrace's own interactive SVG (`--flamegraph`).
//
// Both start from Fold, which reads an output.Map (read at the end of a
// run, by print(), or from a live snapshot of the Go API) into Samples:
// one path of frames, root first, and a value. Key parts that are not
// stacks (comm, pid, probe) become the root frames, in key order; the user
// stack comes next and the kernel stack last, since a user thread calls
// into the kernel and not the other way round. The package knows nothing
// about BPF: the frames arrive resolved.
package flame
