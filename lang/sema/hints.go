package sema

import "slices"

// closest returns the candidate nearest to name by edit distance, when it is
// close enough to be a plausible typo (at most a third of the name's length,
// and at least one edit), else "".
func closest(name string, cands []string) string {
	limit := max(1, len(name)/3)
	best, bestD := "", limit+1
	sorted := slices.Clone(cands)
	slices.Sort(sorted)
	for _, c := range sorted {
		if c == name {
			continue
		}
		if d := editDistance(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b (bytes).
func editDistance(a, b string) int {
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
