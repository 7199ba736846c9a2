package gtrace

import (
	"fmt"
	"io"
	"sort"

	"github.com/gtrace/gtrace/lang"
)

// DumpTypes writes what checking inferred (`-d types`): every map's key and
// value type, then each clause's scratch variables and the type of every
// expression in source order.
func (s *Script) DumpTypes(w io.Writer) {
	names := make([]string, 0, len(s.Info.Maps))
	for n := range s.Info.Maps {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		m := s.Info.Maps[n]
		key := "(scalar)"
		if m.Key != nil {
			key = m.Key.String()
		}
		fmt.Fprintf(w, "map @%s: key %s, value %s\n", n, key, m.Value)
	}
	for i, p := range s.Program.Probes {
		fmt.Fprintf(w, "probe %d: %s\n", i, attachNames(p))
		if i < len(s.Info.Probes) {
			vars := s.Info.Probes[i].Vars
			vnames := make([]string, 0, len(vars))
			for v := range vars {
				vnames = append(vnames, v)
			}
			sort.Strings(vnames)
			for _, v := range vnames {
				fmt.Fprintf(w, " var $%s: %s\n", v, vars[v])
			}
		}
		lang.Inspect(p, func(n lang.Node) bool {
			if x, ok := n.(lang.Expr); ok {
				if t := s.Info.Types[x]; t != nil {
					fmt.Fprintf(w, " %d:%d %s: %s\n", x.SpanOf().Start.Line, x.SpanOf().Start.Col, lang.ExprString(x), t)
				}
			}
			return true
		})
	}
}

func attachNames(p *lang.Probe) string {
	out := ""
	for i, ap := range p.Attach {
		if i > 0 {
			out += ", "
		}
		out += ap.Name()
	}
	return out
}
