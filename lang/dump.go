package lang

import (
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Dump writes the tree as `-d ast` shows it: one node per line, children
// indented one space deeper than their parent. Spans are not shown, so two
// parses of equivalent text dump identically.
func Dump(w io.Writer, p *Program) {
	d := &dumper{w: w}
	d.program(p)
}

type dumper struct {
	w     io.Writer
	depth int
}

func (d *dumper) line(format string, args ...any) {
	fmt.Fprintf(d.w, "%s%s\n", strings.Repeat(" ", d.depth), fmt.Sprintf(format, args...))
}

// in runs f one level deeper.
func (d *dumper) in(f func()) {
	d.depth++
	f()
	d.depth--
}

func (d *dumper) program(p *Program) {
	d.line("Program")
	d.in(func() {
		for _, inc := range p.Includes {
			if inc.System {
				d.line("Include <%s>", inc.Path)
			} else {
				d.line("Include %q", inc.Path)
			}
		}
		for _, def := range p.Defines {
			d.line("Define %s %s", def.Name, def.Value)
		}
		for _, c := range p.CDefs {
			d.line("CDef %s %s", c.Kind, c.Name)
			d.in(func() {
				for _, f := range c.Fields {
					if f.Bits != 0 {
						d.line("Field %s %s : %d", f.Type.String(), f.Name, f.Bits)
					} else {
						d.line("Field %s %s", f.Type.String(), f.Name)
					}
				}
				for _, e := range c.Enumerators {
					d.line("Enumerator %s = %d", e.Name, e.Value)
				}
			})
		}
		if p.Config != nil {
			d.line("Config")
			d.in(func() {
				for _, e := range p.Config.Entries {
					d.line("Entry %s", e.Key)
					d.in(func() { d.expr(e.Value) })
				}
			})
		}
		for _, m := range p.MapDecls {
			d.line("MapDecl @%s %s %d", m.Name, m.Kind, m.Entries)
		}
		for _, pr := range p.Probes {
			d.probe(pr)
		}
	})
}

func (d *dumper) probe(p *Probe) {
	names := make([]string, len(p.Attach))
	for i, a := range p.Attach {
		names[i] = attachText(a)
	}
	d.line("Probe %s", strings.Join(names, ", "))
	d.in(func() {
		if p.Pred != nil {
			d.line("Predicate")
			d.in(func() { d.expr(p.Pred) })
		}
		d.block(p.Body)
	})
}

func (d *dumper) block(b *Block) {
	d.line("Block")
	d.in(func() {
		for _, s := range b.Stmts {
			d.stmt(s)
		}
	})
}

func (d *dumper) stmt(s Stmt) {
	switch s := s.(type) {
	case *ExprStmt:
		d.line("ExprStmt")
		d.in(func() { d.expr(s.X) })
	case *AssignStmt:
		d.line("Assign %s", s.Op.AssignString())
		d.in(func() {
			d.expr(s.Target)
			d.expr(s.Value)
		})
	case *LetStmt:
		if s.Type != nil {
			d.line("Let $%s : %s", s.Var.Name, s.Type.String())
		} else {
			d.line("Let $%s", s.Var.Name)
		}
		if s.Value != nil {
			d.in(func() { d.expr(s.Value) })
		}
	case *IfStmt:
		d.line("If")
		d.in(func() {
			d.expr(s.Cond)
			d.block(s.Then)
			if s.Else != nil {
				d.line("Else")
				d.in(func() { d.stmt(s.Else) })
			}
		})
	case *UnrollStmt:
		d.line("Unroll")
		d.in(func() {
			d.expr(s.Count)
			d.block(s.Body)
		})
	case *WhileStmt:
		d.line("While")
		d.in(func() {
			d.expr(s.Cond)
			d.block(s.Body)
		})
	case *ForStmt:
		d.line("For $%s", s.Var.Name)
		d.in(func() {
			if s.Range != nil {
				d.line("Range")
				d.in(func() {
					d.expr(s.Range.Lo)
					d.expr(s.Range.Hi)
				})
			}
			if s.Map != nil {
				d.expr(s.Map)
			}
			d.block(s.Body)
		})
	case *JumpStmt:
		d.line("Jump %s", s.Kind)
	case *Block:
		d.block(s)
	default:
		d.line("?stmt %T", s)
	}
}

func (d *dumper) exprs(xs []Expr) {
	for _, x := range xs {
		d.expr(x)
	}
}

func (d *dumper) expr(x Expr) {
	switch x := x.(type) {
	case nil:
		d.line("<nil>")
	case *IntLit:
		if x.Text != "" && x.Text != strconv.FormatUint(x.Value, 10) {
			d.line("Int %d (%s)", x.Value, x.Text)
		} else {
			d.line("Int %d", x.Value)
		}
	case *StrLit:
		d.line("Str %s", quoteString(x.Value))
	case *BoolLit:
		d.line("Bool %t", x.Value)
	case *Positional:
		if x.Count {
			d.line("Positional $#")
		} else {
			d.line("Positional $%d", x.Index)
		}
	case *Builtin:
		d.line("Builtin %s", x.Name)
	case *Ident:
		d.line("Ident %s", x.Name)
	case *Var:
		d.line("Var $%s", x.Name)
	case *Map:
		if x.Keys != nil {
			d.line("Map @%s[]", x.Name)
			d.in(func() { d.exprs(x.Keys) })
		} else {
			d.line("Map @%s", x.Name)
		}
	case *Call:
		d.line("Call %s", x.Name)
		d.in(func() { d.exprs(x.Args) })
	case *Binary:
		d.line("Binary %s", x.Op)
		d.in(func() {
			d.expr(x.X)
			d.expr(x.Y)
		})
	case *Unary:
		d.line("Unary %s", x.Op)
		d.in(func() { d.expr(x.X) })
	case *IncDec:
		if x.Post {
			d.line("IncDec post%s", x.Op)
		} else {
			d.line("IncDec pre%s", x.Op)
		}
		d.in(func() { d.expr(x.X) })
	case *Ternary:
		d.line("Ternary")
		d.in(func() {
			d.expr(x.Cond)
			d.expr(x.Then)
			d.expr(x.Else)
		})
	case *Cast:
		d.line("Cast %s", x.Type.String())
		d.in(func() { d.expr(x.X) })
	case *Field:
		if x.Arrow {
			d.line("Field ->%s", x.Name)
		} else {
			d.line("Field .%s", x.Name)
		}
		d.in(func() { d.expr(x.X) })
	case *Index:
		d.line("Index")
		d.in(func() {
			d.expr(x.X)
			d.expr(x.Index)
		})
	case *TupleIndex:
		d.line("TupleIndex .%d", x.Index)
		d.in(func() { d.expr(x.X) })
	case *Tuple:
		d.line("Tuple")
		d.in(func() { d.exprs(x.Elems) })
	case *Sizeof:
		if x.Type != nil {
			d.line("Sizeof %s", x.Type.String())
		} else {
			d.line("Sizeof")
			d.in(func() { d.expr(x.X) })
		}
	case *Offsetof:
		d.line("Offsetof %s %s", x.Type.String(), strings.Join(x.Field, "."))
	default:
		d.line("?expr %T", x)
	}
}

// String renders a type as it is written in C: "struct task_struct *",
// "uint8[8]".
func (t *TypeExpr) String() string {
	if t == nil {
		return "<nil>"
	}
	s := t.Name
	if t.Ptr > 0 {
		s += " " + strings.Repeat("*", t.Ptr)
	}
	return s + t.Dims()
}
