// Package parse turns bpftrace source text into a lang.Program.
//
// The work is split in stages, each in its own file:
//
//   - preproc.go runs the small C preprocessor bpftrace scripts rely on
//     (#include, #define, #ifdef ...) and blanks the lines it consumed, so
//     every later offset still points into the original text.
//   - lexer.go holds the participle stateful lexer for the body language
//     (strings, comments, numbers, operators); scan.go drives it from a
//     hand-written top-level scanner, because attach points
//     (`uprobe:/bin/bash:readline`) and the end of a /predicate/ depend on
//     context that a regular lexer cannot see. scan.go also expands
//     #define names and hands struct/enum definitions to cdef.go.
//   - grammar.go is the participle grammar for program, probe and statement
//     structure; expr.go parses expressions by precedence climbing and is
//     plugged into the grammar with participle.ParseTypeWith; expr_types.go
//     reads the C types in them (casts, sizeof, offsetof).
//   - lower.go turns the grammar structs into lang nodes; attach.go checks
//     attach points; literal.go decodes numbers and strings; errors.go
//     translates participle errors into lang diagnostics.
//
// This is the only package that imports participle: its types and wording
// never leave it.
package parse
