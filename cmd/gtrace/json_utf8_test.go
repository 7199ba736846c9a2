package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// -f json is valid JSON in valid UTF-8 on every line, whatever bytes the
// traced strings hold (issue 13). Bytes that are not UTF-8 are escaped as
// bpftrace 0.17 escapes them.

// jsonLinesValid fails the test for each line of out that is not JSON in
// valid UTF-8.
func jsonLinesValid(t *testing.T, out string) {
	t.Helper()
	for i, line := range strings.Split(out, "\n") {
		if line == "" {
			continue
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d is not UTF-8: %q", i+1, line)
		}
		if !json.Valid([]byte(line)) {
			t.Errorf("line %d is not JSON: %q", i+1, line)
		}
	}
}

// TestJSONInvalidUTF8Golden: strings that are not UTF-8 in printf, map keys,
// map values and tuples print byte for byte as `bpftrace -f json` 0.17
// prints the same program.
func TestJSONInvalidUTF8Golden(t *testing.T) {
	needRoot(t)
	prog := `BEGIN { printf("%s|\n", "a\xffb\xc3\x28\t\"\\\x01\x7f"); @k["k\xfe", 1] = 1; @s = "v\xe2\x82"; @t = ("\x80", 2); exit(); }`
	// bpftrace 0.17 -f json -e PROG (the maps sorted: one key each).
	want := `{"type": "attached_probes", "data": {"probes": 1}}
{"type": "printf", "data": "a\uffffffffb\uffffffc3(\t\"\\\u0001` + "\x7f" + `|\n"}


{"type": "map", "data": {"@k": {"k\ufffffffe,1": 1}}}
{"type": "map", "data": {"@s": "v\uffffffe2\uffffff82"}}
{"type": "map", "data": {"@t": ["\uffffff80",2]}}
`
	code, stdout, stderr := runCLI(t, "", "-f", "json", "-e", prog)
	if code != 0 || stdout != want {
		t.Errorf("exit %d, stdout:\n%s\nwant:\n%s\n%s", code, stdout, want, stderr)
	}
	jsonLinesValid(t, stdout)
	// Well-formed UTF-8 stays as it is (bpftrace 0.17 escapes it too,
	// byte by byte, a bug of its signed char).
	code, stdout, _ = runCLI(t, "", "-f", "json", "-e", `BEGIN { printf("é€\n"); exit(); }`)
	if code != 0 || !strings.Contains(stdout, `{"type": "printf", "data": "é€\n"}`) {
		t.Errorf("exit %d, stdout:\n%s", code, stdout)
	}
}

// TestJSONTracedBytes: a process whose name and the file it opens are not
// UTF-8 (any user can make both) gives valid JSON lines, in events and map
// keys.
func TestJSONTracedBytes(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	file := filepath.Join(dir, "f\xff\xfe")
	if err := os.WriteFile(file, []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cat, err := exec.LookPath("cat")
	if err != nil {
		t.Skip("no cat")
	}
	odd := filepath.Join(dir, "c\xc3")
	if err := os.Symlink(cat, odd); err != nil {
		t.Fatal(err)
	}
	prog := `tracepoint:syscalls:sys_enter_openat /pid == cpid/ { printf("%s %s\n", comm, str(args->filename)); @[comm, str(args->filename)] = count(); }`
	code, stdout, stderr := runCLI(t, "", "-f", "json", "-e", prog, "-c", odd+" "+file)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	jsonLinesValid(t, stdout)
	escaped := `f\uffffffff\ufffffffe`
	if !strings.Contains(stdout, `"data": "c\uffffffc3 `+dir+`/`+escaped+`\n"}`) {
		t.Errorf("no printf event for the file:\n%s", stdout)
	}
	if !strings.Contains(stdout, `"c\uffffffc3,`+dir+"/"+escaped+`": 1`) {
		t.Errorf("no map key for the file:\n%s", stdout)
	}
}
