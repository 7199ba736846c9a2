// Package symbols is the one place that reads symbol tables: the kernel's
// (/proc/kallsyms, kallsyms.go) and ELF binaries' (.symtab, .dynsym, a
// separate debug file or the MiniDebugInfo, elf.go and debugfile.go).
//
// Everything that names or resolves a symbol goes through it: kprobe
// listing and kaddr() and ksym/kstack printing through one Kallsyms,
// uprobe/usdt expansion and uaddr() and usym/ustack printing through one
// Files cache. Both are held by probes.Kernel, so each table is read at
// most once per run, and only when something needs it.
//
// The package reads and indexes; what counts as a probeable function or
// which alias prints is decided by the callers (probes, the runtime), so
// the raw tables keep every entry with its type, binding and source.
package symbols
