package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/lang"
)

// programLog is one program's block of -v output, as bpftrace 0.17 prints
// it after "Attaching N probes...".
const programLog = `\nProgram ID: \d+\n\nThe verifier log: \nprocessed \d+ insns \(limit 1000000\) max_states_per_insn \d+ total_states \d+ peak_states \d+ mark_read \d+\n\n`

// TestVerbose: -v prints each program's id and verifier statistics on
// stdout, names the probes on stderr, and says how a -c command ended;
// with -f json the messages go to stderr; with -o they stay on stdout.
func TestVerbose(t *testing.T) {
	needRoot(t)
	// The run ends when the command does.
	prog := `BEGIN { printf("hi\n"); } tracepoint:syscalls:sys_enter_exit_group /pid == cpid/ { @n = count(); }`
	code, stdout, stderr := runCLI(t, "", "-v", "-c", "/bin/sh -c exit", "-e", prog)
	want := regexp.MustCompile(`^Attaching 2 probes\.\.\.\n(` + programLog + `){2}hi\n\n\n@n: 1\nChild exited with code: 0\n$`)
	if code != 0 || !want.MatchString(stdout) {
		t.Errorf("exit %d, stdout:\n%s", code, stdout)
	}
	for _, name := range []string{"Attaching BEGIN\n", "Attaching tracepoint:syscalls:sys_enter_exit_group\n"} {
		if !strings.Contains(stderr, name) {
			t.Errorf("stderr lacks %q:\n%s", name, stderr)
		}
	}

	code, stdout, stderr = runCLI(t, "", "-v", "-f", "json", "-e", `BEGIN { exit(); }`)
	for _, l := range strings.Split(stdout, "\n") {
		if l != "" && !json.Valid([]byte(l)) {
			t.Errorf("-f json: stdout line %q is not JSON", l)
		}
	}
	if code != 0 || !regexp.MustCompile(programLog).MatchString(stderr) {
		t.Errorf("-f json: exit %d, no program log on stderr:\n%s", code, stderr)
	}

	file := filepath.Join(t.TempDir(), "out")
	code, stdout, _ = runCLI(t, "", "-v", "-o", file, "-e", `BEGIN { printf("hi\n"); exit(); }`)
	got, _ := os.ReadFile(file)
	if code != 0 || !regexp.MustCompile(`^`+programLog+`\n\n$`).MatchString(stdout) || string(got) != "Attaching 1 probe...\nhi\n" {
		t.Errorf("-o: exit %d, stdout %q, file %q", code, stdout, got)
	}
}

// TestLogSize: BPFTRACE_LOG_SIZE, else config log_size, sizes the
// verifier log buffer the run starts with.
func TestLogSize(t *testing.T) {
	logSize := func(src string) int {
		t.Helper()
		env, err := envSettings()
		if err != nil {
			t.Fatal(err)
		}
		s, err := gtrace.Compile(lang.Source{Name: "stdin", Text: src}, gtrace.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return runOptions(s, &config{}, env, nil, nil, nil).LogSize
	}
	if got := logSize(`config = { log_size = 200000 } BEGIN { }`); got != 200000 {
		t.Errorf("config log_size: %d", got)
	}
	t.Setenv("BPFTRACE_LOG_SIZE", "300000")
	if got := logSize(`config = { log_size = 200000 } BEGIN { }`); got != 300000 {
		t.Errorf("environment over config: %d", got)
	}
}
