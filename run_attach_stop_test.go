package gtrace

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// TestStopDuringAttach: a stop request (SIGINT, SIGTERM or ctx, all
// through the same flag) while many perf-event uprobes attach, as on a
// kernel without uprobe_multi links (each costs a millisecond here, tens
// of milliseconds on a machine with many processes mapping libc: the test
// adds 30 ms to each), stops attaching at once; the run then ends as any
// stopped run does: BEGIN, END and the maps, and the probes are detached
// (issue 13: gtrace exited 130 s after SIGINT).
func TestStopDuringAttach(t *testing.T) {
	needRoot(t)
	k := probes.NewKernel()
	src := `BEGIN { printf("begin\n"); } uprobe:libc:str* { @ = count(); } END { printf("end\n"); }`
	s, err := Compile(lang.Source{Name: "stdin", Text: src}, Options{Kernel: k})
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	opts := RunOptions{Stdout: &stdout, Stderr: &stderr, Kernel: k, perfUprobes: true, BackgroundDetach: true,
		beforeAttach: func() { time.Sleep(30 * time.Millisecond) }}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var cancelled time.Time
	stopper := time.AfterFunc(300*time.Millisecond, func() { cancelled = time.Now(); cancel() })
	defer stopper.Stop()
	code, err := s.Run(ctx, opts)
	ended := time.Now()
	if err != nil || code != 0 {
		t.Fatalf("exit %d: %v\n%s", code, err, stderr.String())
	}
	stopped := regexp.MustCompile(`Stopped attaching after (\d+) of (\d+) probes`).FindStringSubmatch(stderr.String())
	if stopped == nil {
		t.Fatalf("attaching was not stopped:\n%s", stderr.String())
	}
	t.Logf("%s; ended %v after the stop", stopped[0], ended.Sub(cancelled).Round(time.Millisecond))
	if took := ended.Sub(cancelled); took > 3*time.Second {
		t.Errorf("the run ended %v after the stop request, want at once", took)
	}
	if !strings.HasPrefix(stdout.String(), "Attaching ") || !strings.Contains(stdout.String(), "begin\nend\n") {
		t.Errorf("stdout:\n%s\nwant BEGIN and END to run", stdout.String())
	}
}
