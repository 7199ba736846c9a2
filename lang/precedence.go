package lang

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

var binaryPrecedence = map[string]int{
	"||": precLogOr, "&&": precLogAnd, "|": precBitOr, "^": precBitXor, "&": precBitAnd,
	"==": precEquality, "!=": precEquality,
	"<": precRelational, "<=": precRelational, ">": precRelational, ">=": precRelational,
	"<<": precShift, ">>": precShift,
	"+": precAdditive, "-": precAdditive,
	"*": precMultiplicative, "/": precMultiplicative, "%": precMultiplicative,
}

// Levels the parser starts its climbs at: || is the loosest binary
// operator; C constant expressions in the preamble stop below |.
const (
	PrecLowestBinary = precLogOr
	PrecBitOr        = precBitOr
)

// BinaryPrecedence returns the precedence level of a binary operator, and
// false for anything else.
func BinaryPrecedence(op string) (int, bool) {
	p, ok := binaryPrecedence[op]
	return p, ok
}
