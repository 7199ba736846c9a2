// Package probes knows the probe providers: one registry entry per
// lang.Provider (as ply does) that expands an attach point as written into
// concrete Targets (wildcards matched against tracefs, kallsyms, BTF or
// fixed event tables), lists probes for `-l`/`-lv` in bpftrace's format,
// and reads the kernel facts the checker needs (tracepoint format files,
// BTF types) behind the sema.Env interface.
//
// Expanding and listing are read-only, except Tracefs, which mounts
// tracefs at /sys/kernel/tracing when it is missing and we run as root
// (fresh machines do not mount it). Attaching is each entry's Attach step
// (attach_*.go), behind Kernel.Attach: a Target carries what it needs
// (category/event, symbol, file offset, perf event type/config/period) and
// every link is an fd the kernel drops when gtrace dies. Many targets of
// one program can share one link: kprobe_multi, uprobe_multi and the
// raw_syscalls program that serves every syscalls:* tracepoint.
//
// Kernel facts are loaded lazily and cached: nothing walks all of BTF or
// reads every format file at startup.
//
// User-space probes (uprobe.go, usdt.go) expand against the binary they
// name: elf.go indexes its function symbols (as internal/symbols reads
// them: .symtab, .dynsym, a separate debug file or the MiniDebugInfo) by
// name with their file offsets, and reads its .note.stapsdt probes;
// demangle.go matches C++ functions by their demangled names; insn.go checks that fn+off starts an instruction;
// ldcache.go resolves library names as the dynamic loader does
// (/etc/ld.so.cache, parsed here, and with Kernel.PID the process's maps);
// usdt_args.go parses the notes' argument specs for code generation;
// dwarf_params.go and dwarf_args.go read a function's parameters from
// DWARF for -lv and for uprobe `args` (Kernel.Protos, at the registers of
// the calling convention). Their Provider entries have Expand and List
// functions of their own.
//
// Kernel function probes: protos.go gives fentry/fexit functions and raw
// tracepoints their typed BTF signatures (Kernel.Protos, the sema.Env
// method behind `args` and fexit's `retval`: one u64 context slot per
// argument); ptregs.go holds struct pt_regs per architecture (x86-64,
// arm64) for kprobe/uprobe arguments and reg(); suggest.go names the
// tracepoint nearest a kernel function for kernels that cannot run
// kprobes or fentry.
//
// Syscalls: syscalls.go maps syscalls:sys_enter_NAME/sys_exit_NAME events
// to syscall numbers (syscalls_amd64.go, the x86-64 table; other
// architectures have none yet) and gives the pt_regs layout and the
// compat-task test with which one tp_btf program on raw_syscalls serves
// them all (attach_syscalls.go attaches it, one link per direction).
package probes
