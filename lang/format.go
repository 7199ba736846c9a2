package lang

import (
	"fmt"
	"io"
	"strings"
)

// Format writes p back as bpftrace source. The output parses to the same
// tree (compared with Dump): #define names are already substituted, so the
// defines are printed for the record only; parentheses are added wherever
// precedence would otherwise change the tree.
func Format(w io.Writer, p *Program) {
	f := &formatter{w: w}
	f.program(p)
}

type formatter struct {
	w      io.Writer
	indent int
}

func (f *formatter) printf(format string, args ...any) { fmt.Fprintf(f.w, format, args...) }

func (f *formatter) line(format string, args ...any) {
	f.printf("%s%s\n", strings.Repeat("  ", f.indent), fmt.Sprintf(format, args...))
}

func (f *formatter) program(p *Program) {
	for _, inc := range p.Includes {
		if inc.System {
			f.line("#include <%s>", inc.Path)
		} else {
			f.line("#include %q", inc.Path)
		}
	}
	for _, d := range p.Defines {
		f.line("#define %s %s", d.Name, d.Value)
	}
	for _, c := range p.CDefs {
		f.cdef(c)
	}
	if p.Config != nil {
		f.line("config = {")
		f.indent++
		for _, e := range p.Config.Entries {
			f.line("%s = %s;", e.Key, ExprString(e.Value))
		}
		f.indent--
		f.line("}")
	}
	for _, m := range p.MapDecls {
		f.line("let @%s = %s(%d);", m.Name, m.Kind, m.Entries)
	}
	for _, pr := range p.Probes {
		names := make([]string, len(pr.Attach))
		for i, a := range pr.Attach {
			names[i] = attachText(a)
		}
		head := strings.Join(names, ",\n")
		if pr.Pred != nil {
			head += "\n/" + ExprString(pr.Pred) + "/"
		}
		f.line("%s", head)
		f.block(pr.Body)
		f.printf("\n")
	}
}

func (f *formatter) cdef(c *CDef) {
	f.line("%s %s {", c.Kind, c.Name)
	f.indent++
	for _, fl := range c.Fields {
		decl := fl.Type.Name + " " + strings.Repeat("*", fl.Type.Ptr) + fl.Name
		decl += fl.Type.Dims()
		if fl.Bits != 0 {
			decl += fmt.Sprintf(" : %d", fl.Bits)
		}
		f.line("%s;", decl)
	}
	for _, e := range c.Enumerators {
		f.line("%s = %d,", e.Name, e.Value)
	}
	f.indent--
	f.line("};")
}

func (f *formatter) block(b *Block) {
	f.printf("%s{\n", strings.Repeat("  ", f.indent))
	f.stmts(b)
	f.line("}")
}

func (f *formatter) stmts(b *Block) {
	f.indent++
	for _, s := range b.Stmts {
		f.stmt(s)
	}
	f.indent--
}

// blockTail prints `{ ... }` after text already on the current line.
func (f *formatter) blockTail(b *Block) {
	f.printf("{\n")
	f.stmts(b)
	f.printf("%s}", strings.Repeat("  ", f.indent))
}

func (f *formatter) stmt(s Stmt) {
	pad := strings.Repeat("  ", f.indent)
	switch s := s.(type) {
	case *ExprStmt:
		f.line("%s;", ExprString(s.X))
	case *AssignStmt:
		f.line("%s %s %s;", ExprString(s.Target), s.Op.AssignString(), ExprString(s.Value))
	case *LetStmt:
		text := "let $" + s.Var.Name
		if s.Type != nil {
			text += ": " + typeText(s.Type)
		}
		if s.Value != nil {
			text += " = " + ExprString(s.Value)
		}
		f.line("%s;", text)
	case *IfStmt:
		f.printf("%s", pad)
		f.ifTail(s)
		f.printf("\n")
	case *UnrollStmt:
		f.printf("%sunroll (%s) ", pad, ExprString(s.Count))
		f.blockTail(s.Body)
		f.printf("\n")
	case *WhileStmt:
		f.printf("%swhile (%s) ", pad, ExprString(s.Cond))
		f.blockTail(s.Body)
		f.printf("\n")
	case *ForStmt:
		if s.Range != nil {
			f.printf("%sfor ($%s : %s..%s) ", pad, s.Var.Name, ExprString(s.Range.Lo), ExprString(s.Range.Hi))
		} else {
			f.printf("%sfor ($%s : %s) ", pad, s.Var.Name, ExprString(s.Map))
		}
		f.blockTail(s.Body)
		f.printf("\n")
	case *JumpStmt:
		f.line("%s;", s.Kind)
	case *Block:
		f.block(s)
	}
}

func (f *formatter) ifTail(s *IfStmt) {
	f.printf("if (%s) ", ExprString(s.Cond))
	f.blockTail(s.Then)
	switch e := s.Else.(type) {
	case *IfStmt:
		f.printf(" else ")
		f.ifTail(e)
	case *Block:
		f.printf(" else ")
		f.blockTail(e)
	}
}

// typeText writes a type for a cast or let: `struct sock **`, `uint8[8]`.
func typeText(t *TypeExpr) string {
	s := t.Name
	if t.Ptr > 0 {
		s += " " + strings.Repeat("*", t.Ptr)
	}
	return s + t.Dims()
}

func precedence(x Expr) int {
	switch x := x.(type) {
	case *Ternary:
		return precTernary
	case *Binary:
		return x.Op.Precedence()
	case *Unary, *Cast:
		return precUnary
	case *IncDec:
		if x.Post {
			return precPostfix
		}
		return precUnary
	case *Field, *Index, *TupleIndex, *Call:
		return precPostfix
	case *Map:
		if x.Keys != nil {
			return precPostfix
		}
	}
	return precPrimary
}

// ExprString renders an expression as bpftrace source.
func ExprString(x Expr) string {
	var b strings.Builder
	writeExpr(&b, x)
	return b.String()
}

// operand writes x, parenthesized when its precedence is below min.
func operand(b *strings.Builder, x Expr, min int) {
	if precedence(x) < min {
		b.WriteByte('(')
		writeExpr(b, x)
		b.WriteByte(')')
		return
	}
	writeExpr(b, x)
}

func exprList(b *strings.Builder, xs []Expr) {
	for i, x := range xs {
		if i > 0 {
			b.WriteString(", ")
		}
		writeExpr(b, x)
	}
}

func writeExpr(b *strings.Builder, x Expr) {
	switch x := x.(type) {
	case *IntLit:
		if x.Text != "" {
			b.WriteString(x.Text)
		} else {
			fmt.Fprintf(b, "%d", x.Value)
		}
	case *StrLit:
		b.WriteString(quoteString(x.Value))
	case *BoolLit:
		fmt.Fprintf(b, "%t", x.Value)
	case *Positional:
		if x.Count {
			b.WriteString("$#")
		} else {
			fmt.Fprintf(b, "$%d", x.Index)
		}
	case *Builtin:
		b.WriteString(x.Name)
	case *Ident:
		b.WriteString(x.Name)
	case *Var:
		b.WriteString("$" + x.Name)
	case *Map:
		b.WriteString("@" + x.Name)
		if x.Keys != nil {
			b.WriteByte('[')
			exprList(b, x.Keys)
			b.WriteByte(']')
		}
	case *Call:
		b.WriteString(x.Name)
		b.WriteByte('(')
		exprList(b, x.Args)
		b.WriteByte(')')
	case *Binary:
		p := x.Op.Precedence()
		operand(b, x.X, p)
		b.WriteString(" " + x.Op.String() + " ")
		operand(b, x.Y, p+1)
	case *Unary:
		b.WriteString(x.Op.String())
		// Keep "- -x" and "& &x" from lexing as "--x" / "&&x".
		if inner, ok := x.X.(*Unary); ok && inner.Op == x.Op {
			b.WriteByte(' ')
		}
		if inner, ok := x.X.(*IncDec); ok && !inner.Post {
			b.WriteByte(' ')
		}
		operand(b, x.X, precUnary)
	case *IncDec:
		if x.Post {
			operand(b, x.X, precPostfix)
			b.WriteString(x.Op.String())
		} else {
			b.WriteString(x.Op.String())
			operand(b, x.X, precUnary)
		}
	case *Ternary:
		operand(b, x.Cond, precLogOr)
		b.WriteString(" ? ")
		operand(b, x.Then, precTernary)
		b.WriteString(" : ")
		operand(b, x.Else, precTernary)
	case *Cast:
		b.WriteString("(" + typeText(x.Type) + ")")
		// A cast to a typedef name is only recognized before a primary
		// operand, so anything looser is parenthesized.
		operand(b, x.X, precPostfix)
	case *Field:
		operand(b, x.X, precPostfix)
		if x.Arrow {
			b.WriteString("->")
		} else {
			b.WriteByte('.')
		}
		b.WriteString(x.Name)
	case *Index:
		operand(b, x.X, precPostfix)
		b.WriteByte('[')
		writeExpr(b, x.Index)
		b.WriteByte(']')
	case *TupleIndex:
		operand(b, x.X, precPostfix)
		fmt.Fprintf(b, ".%d", x.Index)
	case *Tuple:
		b.WriteByte('(')
		exprList(b, x.Elems)
		if len(x.Elems) == 1 {
			b.WriteByte(',') // (a,) is a tuple, (a) is a
		}
		b.WriteByte(')')
	case *Sizeof:
		if x.Type != nil {
			b.WriteString("sizeof(" + typeText(x.Type) + ")")
		} else {
			b.WriteString("sizeof(")
			writeExpr(b, x.X)
			b.WriteByte(')')
		}
	case *Offsetof:
		b.WriteString("offsetof(" + typeText(x.Type) + ", " + strings.Join(x.Field, ".") + ")")
	}
}

// quoteString writes a string literal with bpftrace's escapes.
func quoteString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case '\n':
			b.WriteString(`\n`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		default:
			if c < 0x20 || c == 0x7f {
				fmt.Fprintf(&b, `\x%02x`, c)
			} else {
				b.WriteByte(c)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// attachText writes an attach point so that it parses back to the same
// provider and arguments, quoting components that need it.
func attachText(a *AttachPoint) string {
	parts := []string{a.Provider.String()}
	for _, arg := range a.Args {
		parts = append(parts, attachComponent(arg))
	}
	return strings.Join(parts, ":")
}

func attachComponent(s string) string {
	if s == "" {
		return `""`
	}
	path := s[0] == '/' || s[0] == '.' || s[0] == '~'
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			strings.IndexByte("-.*?+@[]~#", c) >= 0 || c == '/' && path
		if !ok {
			r := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
			return `"` + r + `"`
		}
	}
	return s
}
