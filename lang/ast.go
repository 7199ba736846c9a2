package lang

import "strconv"

// Program is one parsed script: the C preamble, an optional config block,
// top-level map declarations and the probe clauses in source order.
type Program struct {
	Span
	Includes []*Include
	Defines  []*Define
	CDefs    []*CDef
	Config   *Config
	MapDecls []*MapDecl
	Probes   []*Probe
}

// Include is an `#include <x.h>` or `#include "x.h"` line. gtrace takes kernel
// types from BTF, so includes are recorded, not read.
type Include struct {
	Span
	Path   string
	System bool // <...> rather than "..."
}

// Define is an object-like `#define NAME value`. The parser substitutes it
// wherever NAME appears as an identifier; it is kept for `-d ast` and tools.
type Define struct {
	Span
	Name  string
	Value string
}

// CDef is a struct, union or enum written in the script's preamble, as
// bpftrace's dcsnoop and runqlen do.
type CDef struct {
	Span
	Kind        string // "struct", "union" or "enum"
	Name        string
	Fields      []*CField     // struct and union members
	Enumerators []*Enumerator // enum members
}

// CField is one member of a script-defined struct or union.
type CField struct {
	Span
	Type *TypeExpr
	Name string
	Bits int // bitfield width, 0 when not a bitfield
}

// Enumerator is one member of a script-defined enum. Value is resolved by the
// parser (explicit value, or previous + 1).
type Enumerator struct {
	Span
	Name  string
	Value int64
}

// Config is a `config = { key = value; ... }` block.
type Config struct {
	Span
	Entries []*ConfigEntry
}

// ConfigEntry is one `key = value` of a config block. Value is an integer,
// string or identifier expression (`stack_mode = perf`).
type ConfigEntry struct {
	Span
	Key   string
	Value Expr
}

// MapDecl is a top-level `let @name = hash(N);` declaration choosing the BPF
// map type and size of a map.
type MapDecl struct {
	Span
	Name    string // without '@'; "" for the anonymous map
	Kind    string // hash, lruhash, percpuhash, percpulruhash, percpuarray
	Entries int64
}

// Probe is one clause: its attach points, optional predicate and body.
type Probe struct {
	Span
	Attach []*AttachPoint
	Pred   Expr // nil when there is no /predicate/
	Body   *Block
}

// AttachPoint is one `provider:arg:arg` probe specification as written.
// Provider is the canonical provider (aliases resolved); Args holds the
// components after the provider with quotes removed and positional
// parameters substituted. Raw keeps the text as written.
type AttachPoint struct {
	Span
	Provider Provider
	Args     []string
	Raw      string
}

// Stmt is a statement. The set is sealed.
type Stmt interface {
	Node
	stmtNode()
}

// Expr is an expression. The set is sealed.
type Expr interface {
	Node
	exprNode()
}

// Block is a `{ ... }` sequence of statements.
type Block struct {
	Span
	Stmts []Stmt
}

// ExprStmt is an expression evaluated for its effect (a call, `@x++`).
type ExprStmt struct {
	Span
	X Expr
}

// AssignStmt is `target = value` or a compound form (`+=`, `<<=`, ...).
// Target is a *Map or *Var. Op is OpAssign or the compound operator
// without '=' (OpAdd for +=, OpShl for <<=, ...).
type AssignStmt struct {
	Span
	Target Expr
	Op     Op
	OpSpan Span // the "=" or "op=" token
	Value  Expr
}

// LetStmt declares a scratch variable: `let $x;`, `let $x: uint8 = 1;`.
type LetStmt struct {
	Span
	Var   *Var
	Type  *TypeExpr // nil when not given
	Value Expr      // nil when not given
}

// IfStmt is `if (cond) { } else ...`. Else is nil, a *Block or an *IfStmt.
type IfStmt struct {
	Span
	Cond Expr
	Then *Block
	Else Stmt
}

// UnrollStmt is `unroll(N) { }`.
type UnrollStmt struct {
	Span
	Count Expr
	Body  *Block
}

// WhileStmt is `while (cond) { }`.
type WhileStmt struct {
	Span
	Cond Expr
	Body *Block
}

// ForStmt is `for ($i : lo..hi) { }` (Range set) or `for ($kv : @map) { }`
// (Map set).
type ForStmt struct {
	Span
	Var   *Var
	Range *Range
	Map   *Map
	Body  *Block
}

// Range is `lo..hi` in a for statement: lo inclusive, hi exclusive.
type Range struct {
	Span
	Lo, Hi Expr
}

// JumpStmt is break, continue or return.
type JumpStmt struct {
	Span
	Kind JumpKind
}

// JumpKind tells the three jumps apart.
type JumpKind uint8

const (
	Break JumpKind = iota
	Continue
	Return
)

func (k JumpKind) String() string {
	return [...]string{"break", "continue", "return"}[k]
}

// IntLit is an integer literal. Text is the literal as written.
type IntLit struct {
	Span
	Value uint64
	Text  string
}

// StrLit is a string literal with escapes resolved.
type StrLit struct {
	Span
	Value string
}

// BoolLit is `true` or `false`.
type BoolLit struct {
	Span
	Value bool
}

// Positional is `$1`...`$N` (Index ≥ 1) or `$#` (Count set).
type Positional struct {
	Span
	Index int
	Count bool
}

// Builtin is a builtin variable: pid, comm, arg0, args, retval, ...
type Builtin struct {
	Span
	Name string
}

// Ident is a bare identifier that is not a builtin: an enum value, a stack
// mode (`perf`), a type name used as an argument.
type Ident struct {
	Span
	Name string
}

// Var is a scratch variable `$name`.
type Var struct {
	Span
	Name string // without '$'
}

// Map is a map reference `@name` or `@name[k1, k2]`. Name is without '@'
// ("" for the anonymous map `@`). Keys is nil for a scalar map.
type Map struct {
	Span
	Name string
	Keys []Expr
}

// Call is a function call `name(args)`.
type Call struct {
	Span
	Name     string
	NameSpan Span
	Args     []Expr
}

// Binary is `x op y` for arithmetic, bitwise, shift, comparison and logical
// operators.
type Binary struct {
	Span
	Op     Op
	OpSpan Span // the operator token, where bpftrace 0.17 reports most errors
	X, Y   Expr
}

// Unary is a prefix operator: OpSub (-), OpCompl (~), OpNot (!), OpMul
// (* dereference), OpAnd (& address).
type Unary struct {
	Span
	Op Op
	X  Expr
}

// IncDec is `x++`, `x--`, `++x` or `--x` on a variable or map element.
type IncDec struct {
	Span
	Op   Op // OpInc or OpDec
	Post bool
	X    Expr
}

// Ternary is `cond ? then : else`.
type Ternary struct {
	Span
	Cond, Then, Else Expr
}

// Cast is `(type) x`.
type Cast struct {
	Span
	Type *TypeExpr
	X    Expr
}

// Field is `x.name` or `x->name` (Arrow).
type Field struct {
	Span
	X     Expr
	Name  string
	Arrow bool
}

// Index is `x[i]` on an array or pointer.
type Index struct {
	Span
	X, Index Expr
}

// TupleIndex is `t.N`.
type TupleIndex struct {
	Span
	X     Expr
	Index int
}

// Tuple is `(a, b, ...)`.
type Tuple struct {
	Span
	Elems []Expr
}

// Sizeof is `sizeof(type)` (Type set) or `sizeof(expr)` (X set).
type Sizeof struct {
	Span
	Type *TypeExpr
	X    Expr
}

// Offsetof is `offsetof(struct T, field.sub)`.
type Offsetof struct {
	Span
	Type  *TypeExpr
	Field []string
}

// TypeExpr is a C type as written in a cast, sizeof, let or struct member:
// Name is the base ("uint8", "int", "struct task_struct", "char"), Ptr the
// number of '*', ArrayLen the element count of a trailing `[N]` (0: none)
// and InnerDims the lengths of further dimensions (`int m[2][3]`: ArrayLen
// 2, InnerDims [3]).
type TypeExpr struct {
	Span
	Name      string
	Ptr       int
	ArrayLen  int
	InnerDims []int
}

// Dims renders the array dimensions of t as C writes them ("[2][3]").
func (t *TypeExpr) Dims() string {
	if t.ArrayLen <= 0 {
		return ""
	}
	s := "[" + strconv.Itoa(t.ArrayLen) + "]"
	for _, d := range t.InnerDims {
		s += "[" + strconv.Itoa(d) + "]"
	}
	return s
}

func (*ExprStmt) stmtNode()   {}
func (*AssignStmt) stmtNode() {}
func (*LetStmt) stmtNode()    {}
func (*IfStmt) stmtNode()     {}
func (*UnrollStmt) stmtNode() {}
func (*WhileStmt) stmtNode()  {}
func (*ForStmt) stmtNode()    {}
func (*JumpStmt) stmtNode()   {}
func (*Block) stmtNode()      {}

func (*IntLit) exprNode()     {}
func (*StrLit) exprNode()     {}
func (*BoolLit) exprNode()    {}
func (*Positional) exprNode() {}
func (*Builtin) exprNode()    {}
func (*Ident) exprNode()      {}
func (*Var) exprNode()        {}
func (*Map) exprNode()        {}
func (*Call) exprNode()       {}
func (*Binary) exprNode()     {}
func (*Unary) exprNode()      {}
func (*IncDec) exprNode()     {}
func (*Ternary) exprNode()    {}
func (*Cast) exprNode()       {}
func (*Field) exprNode()      {}
func (*Index) exprNode()      {}
func (*TupleIndex) exprNode() {}
func (*Tuple) exprNode()      {}
func (*Sizeof) exprNode()     {}
func (*Offsetof) exprNode()   {}
