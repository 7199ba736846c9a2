package sema

import "github.com/gtrace/gtrace/lang"

// Env supplies the kernel facts that checking needs. The checker never reads
// files or calls the kernel itself: the command line passes an Env backed by
// tracefs and BTF, tests pass a table.
type Env interface {
	// Tracepoints returns the "category:event" names that match the pattern
	// (category and event may contain * and ? wildcards), sorted. An exact
	// name that does not exist yields an empty list and no error.
	Tracepoints(category, event string) ([]string, error)

	// TracepointArgs returns the record type of a tracepoint's `args`: one
	// member per field of its format file (common_ fields excluded), with
	// offsets and sizes; `__data_loc char[]` fields are KindStr with DataLoc set.
	TracepointArgs(category, event string) (*lang.Type, error)

	// Struct resolves a C type name such as "struct task_struct" (from BTF).
	// It returns nil and no error when the type is unknown.
	Struct(name string) (*lang.Type, error)

	// Enumerator returns the value of a kernel enumerator (a constant of a
	// C enum in BTF, such as SKB_DROP_REASON_NOT_SPECIFIED or TCP_FIN_WAIT1).
	// The checker asks only for identifiers that are neither script enums
	// nor built-in C constants, so an implementation may build its index
	// lazily on the first call. An unknown name gives ok false and no error;
	// err reports that the enumerators cannot be read (no BTF), and the
	// checker then reports the identifier as unknown with err as a hint.
	Enumerator(name string) (value int64, ok bool, err error)

	// Protos returns the BTF signatures of the kernel functions (p is
	// lang.Fentry or lang.Fexit) or raw tracepoints (lang.RawTracepoint)
	// whose names match pattern (* and ? wildcards) in module ("" or
	// "vmlinux": the kernel itself), sorted by name; for lang.Uprobe, the
	// DWARF signatures of the functions of the binary module ("": the -p
	// process's executable), members at their registers' pt_regs offsets. An exact name that
	// does not exist yields an empty list and no error; a kernel without
	// BTF yields nil and no error, and `args` then stays untyped.
	Protos(p lang.Provider, module, pattern string) ([]*lang.Proto, error)
}
