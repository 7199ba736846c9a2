// Command handwritten is the benchmark peer that stands for the limit: it
// runs the event programs of the side-by-side harness (../shared/bench,
// bench.py) with eBPF written by hand, instruction by instruction, and the
// plainest user space that does the job. It is not part of gtrace and
// shares no code with it, so that
//
//	bench.sh ./gtrace ./handwritten --only event
//
// measures how far gtrace's generated code and event pipeline are from
// what the kernel allows for the same semantics: per-CPU maps keyed by
// comm, log2 histogram buckets, the same 32-byte ring-buffer record for
// printf, losses counted and reported as "Lost N events".
//
// It accepts exactly these programs (spaces do not matter), as -e PROGRAM:
//
//	tracepoint:syscalls:sys_enter_getppid { @[comm] = count(); }
//	tracepoint:syscalls:sys_enter_getppid { @ns = hist(nsecs & 0xfffff); }
//	tracepoint:syscalls:sys_enter_getppid { printf("ev %d %s\n", pid, comm); }
//
// prints "Attaching 1 probe..." once the probe is attached, and on SIGINT
// or SIGTERM prints the map as bpftrace 0.17 prints it.
package main
