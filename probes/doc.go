// Package probes knows the probe providers: one registry entry per
// lang.Provider (as ply does) that expands an attach point as written into
// concrete Targets (wildcards matched against tracefs, kallsyms, BTF or
// fixed event tables), lists probes for `-l`/`-lv` in bpftrace's format,
// and reads the kernel facts the checker needs (tracepoint format files,
// BTF types) behind the sema.Env interface.
//
// Everything here is read-only except Tracefs, which mounts tracefs at
// /sys/kernel/tracing when it is missing and we run as root (fresh machines
// do not mount it). Attaching is a later concern; Target carries what an
// attacher needs (category/event, symbol, perf event type/config/period).
//
// Kernel facts are loaded lazily and cached: nothing walks all of BTF or
// reads every format file at startup.
package probes
