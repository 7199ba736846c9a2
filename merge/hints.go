package merge

import "github.com/gtrace/gtrace/lang"

// Hint is what the script says about one map: how it was written, which
// the JSON does not say.
type Hint struct {
	// Kind is the aggregation (lang.KindCount, KindSum, KindMin, KindMax,
	// KindAvg, KindStats, KindHist, KindLhist), or lang.KindInt for a map
	// assigned plain values.
	Kind lang.Kind
	// Add is set for a KindInt map updated with ++, -- or a compound
	// assignment (+=, ...): a counter kept by hand, whose values add.
	Add bool
	// Bits is k of hist(x, k) when given as a literal.
	Bits int
	// Lhist holds the literal min, max and step of lhist(), when known.
	Lhist         [3]int64
	HasLhistRange bool
}

// aggregations maps the aggregating functions to the kind of value they
// make.
var aggregations = map[string]lang.Kind{
	"count": lang.KindCount, "sum": lang.KindSum, "min": lang.KindMin, "max": lang.KindMax,
	"avg": lang.KindAvg, "stats": lang.KindStats, "hist": lang.KindHist, "lhist": lang.KindLhist,
}

// Hints reads from a parsed script how each map is written, keyed by the
// name as printed ("@", "@bytes").
func Hints(prog *lang.Program) map[string]Hint {
	hints := map[string]Hint{}
	lang.Inspect(prog, func(n lang.Node) bool {
		switch n := n.(type) {
		case *lang.AssignStmt:
			m, ok := n.Target.(*lang.Map)
			if !ok {
				break
			}
			name := "@" + m.Name
			h := hints[name]
			call, isCall := n.Value.(*lang.Call)
			kind, isAgg := lang.Kind(0), false
			if isCall {
				kind, isAgg = aggregations[call.Name]
			}
			switch {
			case n.Op != lang.OpAssign:
				h.Kind, h.Add = lang.KindInt, true
			case isAgg:
				h.Kind = kind
				readHistArgs(&h, call)
			case h.Kind == 0:
				h.Kind = lang.KindInt
			}
			hints[name] = h
		case *lang.IncDec:
			if m, ok := n.X.(*lang.Map); ok {
				hints["@"+m.Name] = Hint{Kind: lang.KindInt, Add: true}
			}
		}
		return true
	})
	return hints
}

// readHistArgs records the literal layout arguments of hist(x, k) and
// lhist(x, min, max, step).
func readHistArgs(h *Hint, call *lang.Call) {
	lit := func(i int) (int64, bool) {
		if i >= len(call.Args) {
			return 0, false
		}
		x, sign := call.Args[i], int64(1)
		if u, ok := x.(*lang.Unary); ok && u.Op == lang.OpSub {
			x, sign = u.X, -1
		}
		l, ok := x.(*lang.IntLit)
		if !ok {
			return 0, false
		}
		return sign * int64(l.Value), true
	}
	switch call.Name {
	case "hist":
		if k, ok := lit(1); ok {
			h.Bits = int(k)
		}
	case "lhist":
		lo, ok1 := lit(1)
		hi, ok2 := lit(2)
		step, ok3 := lit(3)
		if ok1 && ok2 && ok3 && step > 0 {
			h.Lhist, h.HasLhistRange = [3]int64{lo, hi, step}, true
		}
	}
}
