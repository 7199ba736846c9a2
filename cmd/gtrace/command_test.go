package main

import (
	"slices"
	"strings"
	"testing"
)

// TestSplitCommand: -c splits as bpftrace 0.17's split_string(cmd, ' ')
// does (getline on a stringstream).
func TestSplitCommand(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"ls", []string{"ls"}},
		{"ls -l /", []string{"ls", "-l", "/"}},
		{"echo a  b", []string{"echo", "a", "", "b"}},
		{"ls ", []string{"ls"}},
		{"ls  ", []string{"ls", ""}},
		{" ls", []string{"", "ls"}},
		{"ls\t-l", []string{"ls\t-l"}},
		{`sh -c "exit 3"`, []string{"sh", "-c", `"exit`, `3"`}},
	} {
		if got := splitCommand(tc.in); !slices.Equal(got, tc.want) {
			t.Errorf("splitCommand(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestCommandEmptyArgument: the command is executed with the empty
// argument two spaces make, as under bpftrace 0.17 (which prints "a||b"
// for this program and command line).
func TestCommandEmptyArgument(t *testing.T) {
	needRoot(t)
	prog := `tracepoint:syscalls:sys_enter_execve /pid == cpid/ { printf("%s|%s|%s\n", str(args->argv[1]), str(args->argv[2]), str(args->argv[3])); }`
	code, stdout, stderr := runCLI(t, "", "-q", "-e", prog, "-c", "/bin/true a  b")
	if code != 0 || !strings.HasPrefix(stdout, "a||b\n") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestJoinArgv: join() prints arguments of up to 1023 bytes whole and stops
// at the first empty one, as bpftrace 0.17 does (its output for these
// command lines: the whole 112-byte line; "/bin/true a").
func TestJoinArgv(t *testing.T) {
	needRoot(t)
	prog := "tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args->argv); }"
	long := strings.Repeat("x", 100)
	for cmd, want := range map[string]string{
		"/bin/true " + long + " b": "/bin/true " + long + " b\n",
		"/bin/true a  b":           "/bin/true a\n",
	} {
		code, stdout, stderr := runCLI(t, "", "-q", "-e", prog, "-c", cmd)
		if code != 0 || !strings.HasPrefix(stdout, want) {
			t.Errorf("-c %q: exit %d, stdout %q, want %q first; stderr %q", cmd, code, stdout, want, stderr)
		}
	}
}
