package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/testkit"
)

// gtrace runs the command in-process and returns its exit code and output.
func runCLI(t *testing.T, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// TestInvalidPrograms runs every program of testdata/invalid and compares
// the rendered diagnostics with the golden .err file beside it. Each must
// exit 1, print nothing on stdout, and never show a Go panic.
func TestInvalidPrograms(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/invalid/*.bt")
	if len(files) < 40 {
		t.Fatalf("want at least 40 invalid programs, have %d", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".bt")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			// --dry-run: a program that wrongly passed checking must not run forever.
			code, stdout, stderr := runCLI(t, "", "--dry-run", "-e", string(src))
			if code != 1 {
				t.Errorf("exit code %d, want 1; stderr:\n%s", code, stderr)
			}
			if stdout != "" {
				t.Errorf("stdout not empty: %q", stdout)
			}
			if !strings.Contains(stderr, ": ERROR: ") || strings.Contains(stderr, "goroutine ") {
				t.Errorf("not a diagnostic:\n%s", stderr)
			}
			golden := strings.TrimSuffix(f, ".bt") + ".err"
			testkit.Golden(t, golden, stderr)
		})
	}
}

// TestCorpusParses runs `-d ast` over every script of testdata/scripts.
func TestCorpusParses(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/scripts/*.bt")
	if len(files) < 30 {
		t.Fatalf("want at least 30 corpus scripts, have %d", len(files))
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", "-d", "ast", f, "1", "2")
			if code != 0 || !strings.HasPrefix(stdout, "Program") {
				t.Errorf("exit %d\n%s", code, stderr)
			}
		})
	}
}

func TestInputForms(t *testing.T) {
	prog := `BEGIN { printf("%s\n", str($1)); }`
	dir := t.TempDir()
	script := filepath.Join(dir, "s.bt")
	if err := os.WriteFile(script, []byte("#!/usr/bin/env gtrace\n"+prog+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
	}{
		{"-e", "", []string{"-d", "ast", "-e", prog, "x"}},
		{"file", "", []string{"-d", "ast", script, "x"}},
		{"stdin", prog, []string{"-d", "ast", "-", "x"}},
		{"grouped flags stop at the script", "", []string{"-dast", script, "-e", "x"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, tc.stdin, tc.args...)
			if code != 0 || !strings.Contains(stdout, "Call printf") {
				t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
			}
		})
	}
}

func TestErrorNamesTheScriptFile(t *testing.T) {
	dir := t.TempDir()
	script := filepath.Join(dir, "bad.bt")
	os.WriteFile(script, []byte("BEGIN {\n  nosuch();\n}\n"), 0o644)
	code, stdout, stderr := runCLI(t, "", script)
	want := script + ":2:3-9: ERROR: Unknown function: nosuch\n  nosuch();\n  ~~~~~~\n"
	if code != 1 || stdout != "" || !strings.HasPrefix(stderr, want) {
		t.Errorf("exit %d, stdout %q, stderr:\n%s\nwant prefix:\n%s", code, stdout, stderr, want)
	}
}

func TestNoProgram(t *testing.T) {
	code, stdout, stderr := runCLI(t, "")
	if code != 1 || stdout != "" || !strings.Contains(stderr, "no program given") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}
