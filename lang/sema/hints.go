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
		// The distance is at least the difference in length: skipping
		// hopeless candidates keeps a megabyte-long name from costing
		// megabytes times the candidates.
		if c == name || lenGap(c, name) >= bestD {
			continue
		}
		if d := editDistance(name, c); d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// editDistance is the optimal string alignment distance between a and b
// (Levenshtein plus transposition of adjacent bytes, so "cuont" is one edit
// from "count").
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}

// lenGap is the difference in length of a and b, a lower bound of their
// edit distance.
func lenGap(a, b string) int {
	if len(a) > len(b) {
		return len(a) - len(b)
	}
	return len(b) - len(a)
}
