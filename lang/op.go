package lang

// Op is an operator of the language, as go/token.Token is Go's: the AST
// holds Ops, not strings, so a misspelt operator is a compile error and
// the sets (comparisons, arithmetic, precedence) are methods here rather
// than lists in the parser, checker and code generator.
//
// Unary operators reuse the binary ones that are spelt the same: -x is
// OpSub, *p OpMul, &x OpAnd (as go/ast's UnaryExpr does).
type Op uint8

const (
	OpInvalid Op = iota

	OpAdd // +
	OpSub // -
	OpMul // *
	OpQuo // /
	OpRem // %
	OpAnd // &
	OpOr  // |
	OpXor // ^
	OpShl // <<
	OpShr // >>

	OpLAnd // &&
	OpLOr  // ||

	OpEql // ==
	OpNeq // !=
	OpLss // <
	OpLeq // <=
	OpGtr // >
	OpGeq // >=

	OpNot   // !
	OpCompl // ~
	OpInc   // ++
	OpDec   // --

	OpAssign // = (AssignStmt; a compound assignment holds its binary Op)

	opCount
)

var opNames = [opCount]string{
	OpAdd: "+", OpSub: "-", OpMul: "*", OpQuo: "/", OpRem: "%",
	OpAnd: "&", OpOr: "|", OpXor: "^", OpShl: "<<", OpShr: ">>",
	OpLAnd: "&&", OpLOr: "||",
	OpEql: "==", OpNeq: "!=", OpLss: "<", OpLeq: "<=", OpGtr: ">", OpGeq: ">=",
	OpNot: "!", OpCompl: "~", OpInc: "++", OpDec: "--",
	OpAssign: "=",
}

// String is the operator as written.
func (op Op) String() string {
	if op < opCount && opNames[op] != "" {
		return opNames[op]
	}
	return "<invalid operator>"
}

// Operator precedence levels, loosest first, as in C and bpftrace: the
// parser climbs them and Format parenthesizes by them, so both read this
// one table.
const (
	precTernary = iota + 1
	precLogOr
	precLogAnd
	precBitOr
	precBitXor
	precBitAnd
	precEquality
	precRelational
	precShift
	precAdditive
	precMultiplicative
	precUnary
	precPostfix
	precPrimary
)

// Levels the parser starts its climbs at: || is the loosest binary
// operator; C constant expressions in the preamble stop below |.
const (
	PrecLowestBinary = precLogOr
	PrecBitOr        = precBitOr
)

var binaryPrecedence = [opCount]int{
	OpLOr: precLogOr, OpLAnd: precLogAnd, OpOr: precBitOr, OpXor: precBitXor, OpAnd: precBitAnd,
	OpEql: precEquality, OpNeq: precEquality,
	OpLss: precRelational, OpLeq: precRelational, OpGtr: precRelational, OpGeq: precRelational,
	OpShl: precShift, OpShr: precShift,
	OpAdd: precAdditive, OpSub: precAdditive,
	OpMul: precMultiplicative, OpQuo: precMultiplicative, OpRem: precMultiplicative,
}

// AssignString is the operator of an AssignStmt as written: "=" for
// OpAssign, else the compound form ("+=", "<<=").
func (op Op) AssignString() string {
	if op == OpAssign {
		return "="
	}
	return op.String() + "="
}

// Precedence is the binary operator's level (higher binds tighter), 0 for
// an operator that is not binary.
func (op Op) Precedence() int {
	if op < opCount {
		return binaryPrecedence[op]
	}
	return 0
}

// IsComparison reports ==, !=, <, <=, > and >=.
func (op Op) IsComparison() bool { return op >= OpEql && op <= OpGeq }

// IsLogical reports && and ||.
func (op Op) IsLogical() bool { return op == OpLAnd || op == OpLOr }

// IsArithmetic reports the binary operators whose result is an integer
// whatever integers they combine: arithmetic, bitwise and shifts.
func (op Op) IsArithmetic() bool { return op >= OpAdd && op <= OpShr }

// Negate is the comparison that is true exactly when op is false
// (== and !=, < and >=, > and <=); OpInvalid for other operators.
func (op Op) Negate() Op {
	switch op {
	case OpEql:
		return OpNeq
	case OpNeq:
		return OpEql
	case OpLss:
		return OpGeq
	case OpGeq:
		return OpLss
	case OpGtr:
		return OpLeq
	case OpLeq:
		return OpGtr
	}
	return OpInvalid
}

// BinaryOp returns the binary operator spelt s.
func BinaryOp(s string) (Op, bool) {
	for op := OpAdd; op < opCount; op++ {
		if binaryPrecedence[op] != 0 && opNames[op] == s {
			return op, true
		}
	}
	return OpInvalid, false
}

// UnaryOp returns the prefix operator spelt s: - ~ ! * &.
func UnaryOp(s string) (Op, bool) {
	op, ok := unaryOps[s]
	return op, ok
}

var unaryOps = map[string]Op{"-": OpSub, "~": OpCompl, "!": OpNot, "*": OpMul, "&": OpAnd}

// IncDecOp returns ++ or -- for s.
func IncDecOp(s string) (Op, bool) {
	for _, op := range []Op{OpInc, OpDec} {
		if s == op.String() {
			return op, true
		}
	}
	return OpInvalid, false
}

// AssignOp returns the Op of an assignment operator: OpAssign for "=",
// the binary operator for a compound one ("+=" is OpAdd, "<<=" OpShl).
func AssignOp(s string) (Op, bool) {
	if s == "=" {
		return OpAssign, true
	}
	if len(s) < 2 || s[len(s)-1] != '=' {
		return OpInvalid, false
	}
	op, ok := BinaryOp(s[:len(s)-1])
	if !ok || !op.IsArithmetic() {
		return OpInvalid, false
	}
	return op, true
}
