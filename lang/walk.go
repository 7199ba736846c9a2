package lang

// Inspect walks the tree rooted at n in source order, calling f for each node
// before its children. When f returns false the node's children are skipped.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	visit := func(c Node) { Inspect(c, f) }
	exprs := func(xs []Expr) {
		for _, x := range xs {
			if x != nil {
				visit(x)
			}
		}
	}
	opt := func(x Expr) {
		if x != nil {
			visit(x)
		}
	}
	switch n := n.(type) {
	case *Program:
		if n.Config != nil {
			visit(n.Config)
		}
		for _, p := range n.Probes {
			visit(p)
		}
	case *Config:
		for _, e := range n.Entries {
			opt(e.Value)
		}
	case *Probe:
		opt(n.Pred)
		visit(n.Body)
	case *Block:
		for _, s := range n.Stmts {
			visit(s)
		}
	case *ExprStmt:
		visit(n.X)
	case *AssignStmt:
		visit(n.Target)
		visit(n.Value)
	case *LetStmt:
		visit(n.Var)
		opt(n.Value)
	case *IfStmt:
		visit(n.Cond)
		visit(n.Then)
		if n.Else != nil {
			visit(n.Else)
		}
	case *UnrollStmt:
		visit(n.Count)
		visit(n.Body)
	case *WhileStmt:
		visit(n.Cond)
		visit(n.Body)
	case *ForStmt:
		visit(n.Var)
		if n.Range != nil {
			visit(n.Range.Lo)
			visit(n.Range.Hi)
		}
		if n.Map != nil {
			visit(n.Map)
		}
		visit(n.Body)
	case *Map:
		exprs(n.Keys)
	case *Call:
		exprs(n.Args)
	case *Binary:
		visit(n.X)
		visit(n.Y)
	case *Unary:
		visit(n.X)
	case *IncDec:
		visit(n.X)
	case *Ternary:
		visit(n.Cond)
		visit(n.Then)
		visit(n.Else)
	case *Cast:
		visit(n.X)
	case *Field:
		visit(n.X)
	case *Index:
		visit(n.X)
		visit(n.Index)
	case *TupleIndex:
		visit(n.X)
	case *Tuple:
		exprs(n.Elems)
	case *Sizeof:
		opt(n.X)
	}
}
