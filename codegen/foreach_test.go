package codegen

import (
	"os/exec"
	"strings"
	"testing"
)

// TestForMap iterates maps in the kernel (bpf_for_each_map_elem, 5.13+).
func TestForMap(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"sum", `BEGIN { @m[1] = 10; @m[2] = 20; @m[3] = 30; $s = 0; $k = 0;
			for ($kv : @m) { $s += $kv.1; $k += $kv.0; }
			printf("%d %d\n", $s, $k); }`, "60 6\n"},
		{"break", `BEGIN { @m[1] = 1; @m[2] = 2; @m[3] = 3; $n = 0;
			for ($kv : @m) { $n++; if ($n == 2) { break; } }
			printf("%d\n", $n); }`, "2\n"},
		{"continue", `BEGIN { @m[1] = 1; @m[2] = 2; @m[3] = 3; $n = 0;
			for ($kv : @m) { if ($kv.0 == 2) { continue; } $n += $kv.1; }
			printf("%d\n", $n); }`, "4\n"},
		{"return", `BEGIN { @m[1] = 1; @m[2] = 2;
			for ($kv : @m) { printf("in\n"); return; }
			printf("after\n"); }`, "in\n"},
		{"strings", `BEGIN { @m["a", 1] = "x"; @m["b", 2] = "y"; $t = 0;
			for ($kv : @m) { if ($kv.0.0 == "b") { printf("%s %d %s\n", $kv.0.0, $kv.0.1, $kv.1); } $t++; }
			printf("%d\n", $t); }`, "b 2 y\n2\n"},
		{"count", `BEGIN { @c["a"] = count(); @c["a"] = count(); @c["b"] = count(); $s = 0;
			for ($kv : @c) { $s += $kv.1; }
			printf("%d\n", $s); }`, "3\n"},
		{"nested", `BEGIN { @a[1] = 1; @a[2] = 2; @b[10] = 10; @b[20] = 20; $s = 0;
			for ($x : @a) { for ($y : @b) { $s += $x.1 * $y.1; } }
			printf("%d\n", $s); }`, "90\n"},
		{"print", `BEGIN { @m[7] = 8; for ($kv : @m) { print($kv); } }`, ""},
		{"len", `BEGIN { @m[1] = 1; @m[2] = 2; @m[5] = 2; @e[1] = 1; delete(@e[1]);
			printf("%d %d\n", len(@m), len(@e)); }`, "3 0\n"},
		{"len count", `BEGIN { @c[1] = count(); @c[2] = count(); $n = len(@c); printf("%d\n", $n); }`, "2\n"},
		{"args", `BEGIN { @m[1] = 1; for ($kv : @m) { printf("%d %d %s\n", elapsed >= 0, pid > 0, $kv.1 == 1 ? "one" : "other"); } }`, "1 1 one\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runBegin(t, tc.src)
			if r.out != tc.want {
				t.Errorf("got %q, want %q\n%s", r.out, tc.want, dump(r.prog))
			}
		})
	}
}

// TestForMapTracepoint uses the probe's context (args, R6) inside the
// loop body, which runs in the callback.
func TestForMapTracepoint(t *testing.T) {
	out := attachRun(t, `tracepoint:sched:sched_process_exec /args->filename == "/bin/true"/ {
		@seen[1] = 1; @seen[2] = 2;
		$n = 0;
		for ($kv : @seen) { if (args->pid > 0 && $kv.0 == 2) { printf("%s %d\n", args->filename, $kv.1); } $n++; }
		printf("n=%d\n", $n);
	}`, func() { exec.Command("/bin/true").Run() })
	if !strings.Contains(out, "/bin/true 2\n") || !strings.Contains(out, "n=2\n") {
		t.Fatalf("output %q", out)
	}
}
