//go:build ignore

// soak-helper holds the two helpers of scripts/soak:
//
//	soak-helper storm DURATION RATE STARTFILE COUNTFILE
//
// once STARTFILE exists, calls getppid for DURATION (at most RATE calls a
// second, 0 for as fast as it can), then writes how many calls it made;
//
//	soak-helper count MARKER RESULT
//
// reads a printer's output from stdin as it streams: creates MARKER at the
// "Attaching" line, counts "e" lines and "Lost N events", and writes
// "lines lost other" to RESULT at the end.
package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	switch {
	case len(os.Args) == 6 && os.Args[1] == "storm":
		storm(os.Args[2:])
	case len(os.Args) == 4 && os.Args[1] == "count":
		count(os.Args[2], os.Args[3])
	default:
		fmt.Fprintln(os.Stderr, "usage: soak-helper storm DURATION RATE STARTFILE COUNTFILE | count MARKER RESULT")
		os.Exit(2)
	}
}

func count(marker, result string) {
	var lines, lost, other int64
	sc := bufio.NewScanner(os.Stdin)
	for sc.Scan() {
		l := sc.Text()
		switch {
		case l == "e":
			lines++
		case strings.HasPrefix(l, "Attaching "):
			if err := os.WriteFile(marker, nil, 0o644); err != nil {
				fail(err)
			}
		case strings.HasPrefix(l, "Lost ") && strings.HasSuffix(l, " events"):
			n, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimPrefix(l, "Lost "), " events"), 10, 64)
			if err != nil {
				fail(err)
			}
			lost += n
		case l != "":
			if other++; other <= 5 {
				fmt.Fprintf(os.Stderr, "soak: unexpected printer line %q\n", l)
			}
		}
	}
	if err := sc.Err(); err != nil {
		fail(err)
	}
	if err := os.WriteFile(result, fmt.Appendf(nil, "%d %d %d\n", lines, lost, other), 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "soak-helper:", err)
	os.Exit(1)
}

func storm(args []string) {
	dur, err := time.ParseDuration(args[0])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	rate, err := strconv.Atoi(args[1])
	if err != nil || rate < 0 {
		fmt.Fprintln(os.Stderr, "bad rate", args[1])
		os.Exit(2)
	}
	for {
		if _, err := os.Stat(args[2]); err == nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Calls go in batches of a millisecond's worth, so the rate holds
	// without a timer per call.
	batch := 1000
	if rate > 0 {
		batch = max(rate/1000, 1)
	}
	start := time.Now()
	end := start.Add(dur)
	var n int64
	for now := start; now.Before(end); now = time.Now() {
		for range batch {
			syscall.Getppid()
		}
		n += int64(batch)
		if rate > 0 {
			// Sleep until the calls made so far are due.
			due := start.Add(time.Duration(n * int64(time.Second) / int64(rate)))
			if d := time.Until(due); d > 0 {
				time.Sleep(d)
			}
		}
	}
	if err := os.WriteFile(args[3], []byte(strconv.FormatInt(n, 10)+"\n"), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
