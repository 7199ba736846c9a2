package merge

import (
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/output"
)

// splitKeys turns the key texts of a map back into key parts. -f json
// joins the parts with "," and so loses where a string part itself held a
// comma: a map's number of parts is taken as the fewest any key has, and
// surplus commas stay in the first part. Parts that read as integers are
// integers again, so that they print and sort as gtrace prints them.
func splitKeys(slots []*slot) [][]output.Value {
	keys := make([][]output.Value, len(slots))
	arity := -1
	for _, s := range slots {
		if n := strings.Count(s.key, ",") + 1; arity < 0 || n < arity {
			arity = n
		}
	}
	for i, s := range slots {
		parts := strings.Split(s.key, ",")
		if extra := len(parts) - arity; extra > 0 {
			parts = append([]string{strings.Join(parts[:extra+1], ",")}, parts[extra+1:]...)
		}
		key := make([]output.Value, len(parts))
		for j, p := range parts {
			if n, err := strconv.ParseInt(p, 10, 64); err == nil && strconv.FormatInt(n, 10) == p {
				key[j] = output.Int(n)
			} else {
				key[j] = output.Str(p)
			}
		}
		keys[i] = key
	}
	return keys
}
