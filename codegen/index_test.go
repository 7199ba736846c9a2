package codegen

import (
	"os/exec"
	"strings"
	"testing"
)

// TestVariableIndex reads array elements at run-time indexes, bounds
// checked (past the end reads 0).
func TestVariableIndex(t *testing.T) {
	r := runBegin(t, `BEGIN { $a = "hello"; $s = 0;
		for ($i : 0..9) { $s += $a[$i]; }
		$j = 1; printf("%d %d %d\n", $a[$j], $a[$j + 9], $s); }`)
	if want := "101 0 532\n"; r.out != want {
		t.Errorf("got %q, want %q", r.out, want)
	}
}

// TestPointerStringField reads char arrays through struct pointers
// (curtask->comm) and tracepoint arrays at variable indexes.
func TestPointerStringField(t *testing.T) {
	out := attachRun(t, `tracepoint:sched:sched_process_exec /args->filename == "/bin/true"/ {
		$t = curtask; printf("%s|%s|%s|%d\n", curtask->comm, $t->comm, comm, curtask->comm == comm);
	}`, func() { exec.Command("/bin/true").Run() })
	if !strings.Contains(out, "true|true|true|1\n") {
		t.Fatalf("output %q", out)
	}
	out = attachRun(t, `tracepoint:sched:sched_switch { $i = 0; $n = 0; while ($i < 16) { if (args->next_comm[$i] != 0) { $n++; } $i++; }
		if ($n > 0 && args->next_comm[$n] == 0) { printf("ok\n"); exit(); } }`, func() { exec.Command("/bin/true").Run() })
	if !strings.Contains(out, "ok\n") {
		t.Errorf("sched_switch output %q", out)
	}
}
