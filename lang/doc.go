// Package lang holds what every stage of gtrace shares about the language:
// the AST (nodes with source spans), the value types that checking assigns,
// probe provider names and aliases, and diagnostics rendered the way bpftrace
// renders them (`stdin:1:9-15: ERROR: ...`, the source line, a `~~~` underline).
//
// It imports only the standard library so that parsing, checking and code
// generation can share it without pulling in the grammar library or the kernel
// bindings.
package lang
