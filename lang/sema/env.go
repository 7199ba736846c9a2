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
}
