package metrics

import (
	"strconv"

	"github.com/gtrace/gtrace/lang"
)

// LabelNames returns, for each map of the program ("@name"), the label
// name of each key part: the natural name of the key expression where it
// has one (comm, pid, cpu, probe, func, the field of args.filename, the
// argument of str(args.filename), a variable's name), else keyN (N counts
// from 1). A part whose expressions disagree between two places in the
// script, or whose name is taken by an earlier part or reserved by
// Prometheus (le, quantile, __*), is keyN too.
func LabelNames(prog *lang.Program) map[string][]string {
	seen := map[string][]string{}
	lang.Inspect(prog, func(n lang.Node) bool {
		m, ok := n.(*lang.Map)
		if !ok || len(m.Keys) == 0 {
			return true
		}
		name := "@" + m.Name
		parts := m.Keys
		if len(parts) == 1 {
			if t, ok := parts[0].(*lang.Tuple); ok {
				parts = t.Elems // @m[(a, b)] has the key parts a and b
			}
		}
		prev, known := seen[name]
		names := make([]string, len(parts))
		for i, k := range parts {
			names[i] = naturalName(k)
			if known && (i >= len(prev) || prev[i] != names[i]) {
				names[i] = ""
			}
		}
		if known && len(prev) != len(names) {
			return true
		}
		seen[name] = names
		return true
	})
	out := make(map[string][]string, len(seen))
	for name, parts := range seen {
		labels := make([]string, len(parts))
		used := map[string]bool{}
		for i, p := range parts {
			if p == "" || used[p] || reservedLabel(p) {
				p = "key" + strconv.Itoa(i+1)
			}
			used[p] = true
			labels[i] = p
		}
		out[name] = labels
	}
	return out
}

// naturalName is the label a key expression names itself by, or "".
func naturalName(x lang.Expr) string {
	switch x := x.(type) {
	case *lang.Builtin:
		return x.Name
	case *lang.Var:
		return x.Name
	case *lang.Field:
		return x.Name
	case *lang.Cast:
		return naturalName(x.X)
	case *lang.Call:
		// str(args.filename) is "filename", ksym(func) is "func".
		if len(x.Args) > 0 {
			if n := naturalName(x.Args[0]); n != "" {
				return n
			}
		}
		return x.Name // kstack(3), ustack(perf), cgroup_path(...)
	}
	return ""
}

// reservedLabel reports label names Prometheus keeps for itself or the
// exposition formats use, and names outside the label alphabet.
func reservedLabel(s string) bool {
	if s == "le" || s == "quantile" || len(s) >= 2 && s[:2] == "__" {
		return true
	}
	for i, c := range s {
		ok := c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9'
		if !ok {
			return true
		}
	}
	return s == ""
}
