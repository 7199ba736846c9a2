package parse

import (
	"sort"
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// attachPoint checks one attach point as written and resolves its
// provider, splitting components on ':' outside quotes, removing quotes
// and substituting positional parameters ($1) outside quotes.
func (st *state) attachPoint(raw string, sp lang.Span) *lang.AttachPoint {
	ap := &lang.AttachPoint{Span: sp, Raw: raw}
	comps, ok := st.splitAttach(raw, sp)
	if !ok {
		return ap
	}
	name := comps[0]
	p, found := lang.LookupProvider(name)
	if !found {
		d := lang.ErrorAt(sp, "Invalid probe type: %s", name)
		if s := closestProvider(name); s != "" {
			d.WithHint("did you mean '%s'?", s)
		}
		st.diag(d)
		return ap
	}
	ap.Provider = p
	ap.Args = comps[1:]
	info := lang.Providers[p]
	if n := len(ap.Args); n < info.MinArgs || n > info.MaxArgs {
		switch {
		case info.MaxArgs == 0:
			st.diag(lang.ErrorAt(sp, "%s probes take no arguments", info.Name))
		case n < info.MinArgs:
			st.diag(lang.ErrorAt(sp, "%s probe type requires %s", info.Name, argCount(info.MinArgs)))
		default:
			st.diag(lang.ErrorAt(sp, "%s probe type takes at most %s", info.Name, argCount(info.MaxArgs)))
		}
		return ap
	}
	for i, a := range ap.Args {
		if a == "" && !(p == lang.USDT && i < len(ap.Args)-1) {
			// usdt's file and provider may be empty: usdt::prov:probe
			// searches the files of the -p process, usdt:bin::probe
			// every provider.
			st.diag(lang.ErrorAt(sp, "empty component in attach point '%s'", raw))
			break
		}
	}
	return ap
}

func argCount(n int) string {
	if n == 1 {
		return "1 argument"
	}
	return strconv.Itoa(n) + " arguments"
}

// splitAttach splits raw into components. Quotes protect ':' and '$'.
func (st *state) splitAttach(raw string, sp lang.Span) ([]string, bool) {
	var comps []string
	var cur strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '"':
			for i++; i < len(raw) && raw[i] != '"'; i++ {
				if raw[i] == '\\' && i+1 < len(raw) {
					i++
				}
				cur.WriteByte(raw[i])
			}
		case c == ':':
			comps = append(comps, cur.String())
			cur.Reset()
		case c == '$':
			j := i + 1
			for j < len(raw) && raw[j] >= '0' && raw[j] <= '9' {
				j++
			}
			if j == i+1 {
				st.diag(lang.ErrorAt(sp, "invalid positional parameter in attach point '%s'", raw))
				return nil, false
			}
			n, err := strconv.Atoi(raw[i+1 : j])
			if err != nil || n < 1 || n > len(st.params) {
				st.diag(lang.ErrorAt(sp, "positional parameter %s is not set", raw[i:j]))
				return nil, false
			}
			cur.WriteString(st.params[n-1])
			i = j - 1
		default:
			cur.WriteByte(c)
		}
	}
	comps = append(comps, cur.String())
	return comps, true
}

// closestProvider suggests a provider name within edit distance 2.
func closestProvider(name string) string {
	names := lang.ProviderNames()
	sort.Strings(names)
	best, bestD := "", 3
	for _, n := range names {
		if len(n) <= 2 {
			continue // one-letter aliases match everything short
		}
		if d := editDistance(strings.ToLower(name), strings.ToLower(n)); d < bestD {
			best, bestD = n, d
		}
	}
	return best
}

func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
