package sema

import "github.com/gtrace/gtrace/lang"

// fold records the constant value of a binary expression whose operands are
// both constants: the value the generated BPF code computes. Arithmetic
// wraps at 64 bits; division, modulo and right shift are unsigned whatever
// the operands' signedness, as bpftrace 0.17 computes them at run time
// (-7 / 2 = 9223372036854775804, -1 >> 60 = 15; codegen's aluFor), and a
// shift by 64 or more (or a negative amount) and a division or modulo by 0
// are 0 (LLVM folds them so for bpftrace); ordering uses the signedness of
// the operands (unsigned unless both are signed).
func (c *checker) fold(e *lang.Binary, x, y, result *lang.Type) {
	a, ok1 := c.constOf(e.X)
	b, ok2 := c.constOf(e.Y)
	if !ok1 || !ok2 {
		return
	}
	signed := x.Signed && y.Signed
	ua, ub := uint64(a), uint64(b)
	var v int64
	switch e.Op {
	case lang.OpAdd:
		v = a + b
	case lang.OpSub:
		v = a - b
	case lang.OpMul:
		v = a * b
	case lang.OpQuo, lang.OpRem:
		switch {
		case b == 0:
			v = 0
		case e.Op == lang.OpQuo:
			v = int64(ua / ub)
		default:
			v = int64(ua % ub)
		}
	case lang.OpAnd:
		v = a & b
	case lang.OpOr:
		v = a | b
	case lang.OpXor:
		v = a ^ b
	case lang.OpShl:
		// Go shifts by 64 or more give 0, as bpftrace 0.17 (LLVM).
		v = int64(ua << ub)
	case lang.OpShr:
		v = int64(ua >> ub)
	case lang.OpEql:
		v = b2i(a == b)
	case lang.OpNeq:
		v = b2i(a != b)
	case lang.OpLss, lang.OpLeq, lang.OpGtr, lang.OpGeq:
		var lt, eq bool
		if signed {
			lt, eq = a < b, a == b
		} else {
			lt, eq = ua < ub, ua == ub
		}
		switch e.Op {
		case lang.OpLss:
			v = b2i(lt)
		case lang.OpLeq:
			v = b2i(lt || eq)
		case lang.OpGtr:
			v = b2i(!lt && !eq)
		default:
			v = b2i(!lt)
		}
	case lang.OpLAnd:
		v = b2i(a != 0 && b != 0)
	case lang.OpLOr:
		v = b2i(a != 0 || b != 0)
	default:
		return
	}
	c.info.Consts[e] = v
}

// narrowTo is v truncated to the integer type t and extended back to 64
// bits with t's sign, as a value of t held in a register.
func narrowTo(v int64, t *lang.Type) int64 {
	if t == nil || !t.IsInt() || t.Size == 0 || t.Size >= 8 {
		return v
	}
	bits := 64 - 8*t.Size
	if t.Signed {
		return v << bits >> bits
	}
	return int64(uint64(v) << bits >> bits)
}

// UnaryWidth is the integer type whose width unary - and ~ work in on the
// operand x, nil for 64 bits. bpftrace 0.17 negates and complements the
// LLVM value as it is (then extends it with the operand's sign): narrow
// for a cast, a scratch variable, a struct field, an array element or a
// dereference of a narrow type, and a - or ~ of one (-(uint8)251 and
// -$m->small of 250 are 5 and 6); a tracepoint's args fields, builtins,
// parameters and map values are 64-bit values (-args->fd of 3 is
// 18446744073709551613).
func UnaryWidth(x lang.Expr, types map[lang.Expr]*lang.Type) *lang.Type {
	switch e := x.(type) {
	case *lang.Unary:
		switch e.Op {
		case lang.OpSub, lang.OpCompl:
			return UnaryWidth(e.X, types)
		case lang.OpMul:
		default:
			return nil
		}
	case *lang.Field:
		if isArgs(e.X) {
			return nil
		}
	case *lang.Cast, *lang.Var, *lang.Index:
	default:
		return nil
	}
	if t := types[x]; t != nil && t.IsInt() && t.Size > 0 && t.Size < 8 {
		return t
	}
	return nil
}
