package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// TestLostEventsDuringRun: with a one-page ring buffer, a probe that prints
// 300 lines at once loses some; "Lost N events" is printed while the run
// goes on (before the line printed 400 ms later), as bpftrace 0.17 prints
// losses when its perf buffer reports them, and in -f json as a
// lost_events object. Printed plus lost lines add up to 300.
func TestLostEventsDuringRun(t *testing.T) {
	needRoot(t)
	t.Setenv("BPFTRACE_PERF_RB_PAGES", "1")
	prog := `interval:ms:100 { @n++; if (@n == 1) { unroll(100) { printf("line\n"); printf("line\n"); printf("line\n"); } }
		if (@n == 5) { printf("later\n"); exit(); } }`
	lostText := regexp.MustCompile(`^Lost (\d+) events$`)
	lostJSON := regexp.MustCompile(`^\{"type": "lost_events", "data": \{"events": (\d+)\}\}$`)
	for _, tc := range []struct {
		format, line, later string
		lost                *regexp.Regexp
	}{
		{"text", "line", "later", lostText},
		{"json", `{"type": "printf", "data": "line\n"}`, `{"type": "printf", "data": "later\n"}`, lostJSON},
	} {
		code, stdout, stderr := runCLI(t, "", "-f", tc.format, "-e", prog)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", tc.format, code, stderr)
		}
		lines, lost, sawLost := 0, 0, false
		for _, l := range strings.Split(stdout, "\n") {
			switch {
			case l == tc.line:
				lines++
			case tc.lost.MatchString(l):
				n, _ := strconv.Atoi(tc.lost.FindStringSubmatch(l)[1])
				lost += n
				sawLost = true
			case l == tc.later:
				if !sawLost {
					t.Errorf("%s: the losses were not reported before the run went on:\n%s", tc.format, stdout)
				}
			}
		}
		if lost == 0 || lines+lost != 300 {
			t.Errorf("%s: %d lines printed, %d reported lost, want some lost and 300 in all", tc.format, lines, lost)
		}
	}
}
