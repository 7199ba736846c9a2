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

// NarrowWidth is the integer type of x's value as bpftrace 0.17 holds it
// in LLVM when that is narrower than 64 bits, else nil: a cast, a scratch
// variable, a struct field, an array element or a dereference of a narrow
// type, and a -, ~ or ! of one. A tracepoint's args fields, builtins,
// parameters, map values and arithmetic are 64-bit values. Unary - and ~
// work in this width (-(uint8)251 is 5, -$m->small of 250 is 6, but
// -args->fd of 3 is 18446744073709551613), and a cast or a ternary
// extends it with its own sign (Reextend).
func NarrowWidth(x lang.Expr, types map[lang.Expr]*lang.Type) *lang.Type {
	switch e := x.(type) {
	case *lang.Unary:
		switch e.Op {
		case lang.OpSub, lang.OpCompl:
			return NarrowWidth(e.X, types)
		case lang.OpNot:
			// 0 or 1 in the operand's width, unsigned.
			if w := NarrowWidth(e.X, types); w != nil {
				return lang.IntType(w.Size, false)
			}
			return nil
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

// Reextend is the type through which a value x is re-extended when it
// becomes an integer of the given sign and size: bpftrace 0.17 widens a
// narrow LLVM value (NarrowWidth) with the sign of the result, not its
// own, so (uint64)(int8)-1 is 255, (int64)(uint8)253 is -3 and
// `0 ? (uint8)1 : (int16)-2` is 65534. nil when nothing changes.
func Reextend(x lang.Expr, types map[lang.Expr]*lang.Type, signed bool, size int) *lang.Type {
	w := NarrowWidth(x, types)
	if w == nil || w.Signed == signed || w.Size >= min(size, 8) {
		return nil
	}
	return lang.IntType(w.Size, signed)
}
