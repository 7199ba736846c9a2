// Package codegen turns a checked bpftrace program into eBPF bytecode with
// cilium/ebpf's asm package: one program per probe clause and group of
// targets that share a context layout, plus the specs of the runtime and
// user maps, and the layouts of the events the programs send to user space.
//
// Codegen is pure: it builds an *ebpf.CollectionSpec and never creates
// kernel objects (tests do, to run the result in the kernel).
//
// Register conventions: R6 holds the context pointer for the whole program;
// R7–R9 hold values that must survive helper calls (a pool handed out by
// gen.hold, spilling to the stack when empty); R0–R5 are used only inside
// one emit helper. R10 is the frame pointer; stack slots are handed out by
// the frame allocator and never exceed the kernel's 512 bytes.
//
// Every statement's first instruction carries its source text as an asm
// comment, so Program.Dump reads like the script, and every instruction
// carries the span of the node that produced it (Program.SpanAt), so a
// verifier rejection can be reported against the script.
//
// A clause's syscalls:* tracepoint targets (two or more of a direction)
// become one tp_btf program on raw_syscalls:sys_enter or sys_exit that
// filters by syscall number (syscalls.go); Probe.RawSyscalls tells the
// runner to attach it there once.
package codegen
