// Package sema type-checks a parsed gtrace program.
//
// Check walks the AST (which it never mutates) and records what later stages
// need in an Info side table: the type of every expression, folded integer
// constants, the key and value types of every map, per-clause facts (providers,
// expanded tracepoints, builtins used, scratch variables) and the parsed printf
// formats of every formatting call.
//
// Functions and builtins are described by two registries (signatures.go and
// builtins.go): one entry per name with its arity, argument kinds, result,
// probe restrictions and flags, plus the rule that types it. Kernel facts
// (tracepoint fields, BTF structs) come only through the Env interface so that
// checking stays deterministic and runs without privileges.
//
// Maps are inferred in two passes: the first pass walks the whole program
// quietly to learn every map's key and value type from all its uses (the
// first use fixes the shape, later string uses widen the size); the second
// pass checks every use against those types and reports the diagnostics.
package sema
