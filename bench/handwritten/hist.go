package main

import (
	"bufio"
	"fmt"
	"strings"
)

// writeHist prints a log2 histogram as bpftrace 0.17 does: the rows from
// the first to the last non-empty bucket, a 52-character bar scaled to
// the largest bucket, a blank line after it; nothing for an empty one.
func writeHist(out *bufio.Writer, name string, buckets []uint64) {
	first, last := -1, -1
	var top uint64
	for i, n := range buckets {
		if n == 0 {
			continue
		}
		if first < 0 {
			first = i
		}
		last = i
		top = max(top, n)
	}
	if first < 0 {
		return
	}
	fmt.Fprintf(out, "%s: \n", name)
	for i := first; i <= last; i++ {
		bar := int(buckets[i] * 52 / top)
		fmt.Fprintf(out, "%-16s%8d |%s%s|\n", bucketLabel(i), buckets[i],
			strings.Repeat("@", bar), strings.Repeat(" ", 52-bar))
	}
	out.WriteString("\n")
}

// bucketLabel names bucket i: (..., 0), [0], [1], then [2^k, 2^(k+1))
// with K, M, G... for powers of 1024.
func bucketLabel(i int) string {
	switch i {
	case 0:
		return "(..., 0)"
	case 1:
		return "[0]"
	case 2:
		return "[1]"
	}
	k := i - 2
	return fmt.Sprintf("[%s, %s)", power2(k), power2(k+1))
}

func power2(k int) string {
	const suffixes = "KMGTPE"
	if k < 10 {
		return fmt.Sprint(uint64(1) << k)
	}
	unit := min(k/10, len(suffixes))
	return fmt.Sprintf("%d%c", uint64(1)<<(k-10*unit), suffixes[unit-1])
}
