package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestHelperErrors runs scripts whose helper calls fail with -k and -kk
// through the command line; the expected stdout is what bpftrace 0.17
// prints for the same command (warnings go to the output, as there).
func TestHelperErrors(t *testing.T) {
	needRoot(t)
	full := `BEGIN { @[1] = 1; @[2] = 2; @[3] = 3; exit(); }`
	inPrintf := `BEGIN { printf("%s|\n", str(0)); exit(); }`
	reads := `BEGIN { $s = str(0); @a[1] = 1; $y = @a[2]; delete(@a[5]); @s = stats(5); @x++; exit(); }`
	warn := func(prog string, from, to int, msg string) string {
		return "stdin:1:" + strconv.Itoa(from) + "-" + strconv.Itoa(to) + ": WARNING: " + msg + "\n" + prog + "\n" +
			strings.Repeat(" ", from-1) + strings.Repeat("~", to-from) + "\n"
	}
	for _, tc := range []struct {
		name string
		env  string // BPFTRACE_MAP_KEYS_MAX
		args []string
		want string
	}{
		{"map_full", "2", []string{"-k", "-e", full}, "Attaching 1 probe...\n" +
			warn(full, 34, 35, "Failed to map_update_elem: Argument list too long (-7)") +
			"\n\n@[1]: 1\n@[2]: 2\n"},
		{"map_full_json", "2", []string{"-k", "-f", "json", "-e", full}, `{"type": "attached_probes", "data": {"probes": 1}}` + "\n" +
			`{"type": "helper_error", "helper": "map_update_elem", "retcode": -7, "line": 1, "col": 34}` + "\n\n\n" +
			`{"type": "map", "data": {"@": {"1": 1, "2": 2}}}` + "\n"},
		{"without_k", "2", []string{"-e", full}, "Attaching 1 probe...\n\n\n@[1]: 1\n@[2]: 2\n"},
		// --no-warnings drops the text warnings, not the JSON objects.
		{"no_warnings", "2", []string{"-k", "--no-warnings", "-e", full}, "Attaching 1 probe...\n\n\n@[1]: 1\n@[2]: 2\n"},
		{"no_warnings_json", "2", []string{"-k", "--no-warnings", "-f", "json", "-e", full}, `{"type": "attached_probes", "data": {"probes": 1}}` + "\n" +
			`{"type": "helper_error", "helper": "map_update_elem", "retcode": -7, "line": 1, "col": 34}` + "\n\n\n" +
			`{"type": "map", "data": {"@": {"1": 1, "2": 2}}}` + "\n"},
		// -k leaves failed reads and lookups to the script (they read as 0).
		{"k", "", []string{"-k", "-e", reads}, "Attaching 1 probe...\n" +
			warn(reads, 45, 58, "Failed to map_delete_elem: No such file or directory (-2)") +
			"\n\n@a[1]: 1\n@s: count 1, average 5, total 5\n\n@x: 1\n"},
		{"kk", "", []string{"-kk", "-e", reads}, "Attaching 1 probe...\n" +
			warn(reads, 14, 20, "Failed to probe_read_str: Bad address (-14)") +
			warn(reads, 38, 43, "Failed to map_lookup_elem: 0") +
			warn(reads, 45, 58, "Failed to map_delete_elem: No such file or directory (-2)") +
			warn(reads, 65, 73, "Failed to map_lookup_elem: 0") +
			warn(reads, 65, 73, "Failed to map_lookup_elem: 0") +
			warn(reads, 75, 79, "Failed to map_lookup_elem: 0") +
			"\n\n@a[1]: 1\n@s: count 1, average 5, total 5\n\n@x: 1\n"},
		// The warning about an argument comes before the line it is in.
		{"kk_printf", "", []string{"-kk", "-e", inPrintf}, "Attaching 1 probe...\n" +
			warn(inPrintf, 25, 31, "Failed to probe_read_str: Bad address (-14)") + "|\n\n\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.env != "" {
				t.Setenv("BPFTRACE_MAP_KEYS_MAX", tc.env)
			}
			code, stdout, stderr := runCLI(t, "", tc.args...)
			if code != 0 || stdout != tc.want {
				t.Errorf("exit %d, stderr %q\nstdout:\n%s\nwant:\n%s", code, stderr, stdout, tc.want)
			}
		})
	}
}

// TestHelperErrorsEvents: a helper error in a probe fired by a real event
// (the -c command's execve), and -o: the warning goes to the file with the
// rest of the output, the newlines before the maps to stdout (bpftrace
// 0.17 writes them to stdout whatever -o says).
func TestHelperErrorsEvents(t *testing.T) {
	needRoot(t)
	prog := `tracepoint:syscalls:sys_exit_execve /pid == cpid/ { @m[2] = 1; delete(@m[1]); }`
	file := filepath.Join(t.TempDir(), "out")
	code, stdout, stderr := runCLI(t, "", "-k", "-o", file, "-c", "/bin/true", "-e", prog)
	if code != 0 || stdout != "\n\n" {
		t.Fatalf("exit %d, stdout %q (want the two newlines only), stderr %q", code, stdout, stderr)
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	want := "Attaching 1 probe...\n" +
		"stdin:1:64-77: WARNING: Failed to map_delete_elem: No such file or directory (-2)\n" +
		prog + "\n" + strings.Repeat(" ", 63) + strings.Repeat("~", 13) + "\n" +
		"@m[2]: 1\n"
	if string(got) != want {
		t.Errorf("-o file:\n%s\nwant:\n%s", got, want)
	}
}
