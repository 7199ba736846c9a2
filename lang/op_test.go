package lang

import "testing"

func TestOps(t *testing.T) {
	for op := OpAdd; op < opCount; op++ {
		s := op.String()
		if s == "" || s == OpInvalid.String() {
			t.Fatalf("Op %d has no spelling", op)
		}
		if b, ok := BinaryOp(s); ok != (op.Precedence() > 0) || ok && b != op {
			t.Errorf("BinaryOp(%q) = %v, %v", s, b, ok)
		}
		if op.IsComparison() {
			if n := op.Negate(); !n.IsComparison() || n.Negate() != op || n == op {
				t.Errorf("%s negates to %s", op, n)
			}
		} else if op.Negate() != OpInvalid {
			t.Errorf("%s negates to %s", op, op.Negate())
		}
		if op.IsArithmetic() {
			if a, ok := AssignOp(s + "="); !ok || a != op {
				t.Errorf("AssignOp(%q) = %v, %v", s+"=", a, ok)
			}
		}
	}
	for _, s := range []string{"==", "&&=", "!=", "<=", "+", "=="} {
		if op, ok := AssignOp(s); ok {
			t.Errorf("AssignOp(%q) = %s", s, op)
		}
	}
	if op, ok := AssignOp("="); !ok || op != OpAssign {
		t.Errorf("AssignOp(=) = %s, %v", op, ok)
	}
	for s, want := range map[string]Op{"-": OpSub, "~": OpCompl, "!": OpNot, "*": OpMul, "&": OpAnd} {
		if op, ok := UnaryOp(s); !ok || op != want {
			t.Errorf("UnaryOp(%q) = %s, %v", s, op, ok)
		}
	}
	if OpMul.Precedence() <= OpAdd.Precedence() || OpLAnd.Precedence() <= OpLOr.Precedence() || OpEql.Precedence() <= OpAnd.Precedence() {
		t.Error("precedence out of order")
	}
}
