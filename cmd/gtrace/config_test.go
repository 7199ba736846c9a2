package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigMapKeys: config max_map_keys bounds the maps (the third key
// does not fit), and BPFTRACE_MAP_KEYS_MAX outranks it.
func TestConfigMapKeys(t *testing.T) {
	needRoot(t)
	prog := `config = { max_map_keys = 2 } BEGIN { @[1] = 1; @[2] = 2; @[3] = 3; exit(); }`
	code, stdout, stderr := runCLI(t, "", "-q", "-e", prog)
	if code != 0 || stdout != "\n\n@[1]: 1\n@[2]: 2\n" {
		t.Errorf("config: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	t.Setenv("BPFTRACE_MAP_KEYS_MAX", "3")
	code, stdout, stderr = runCLI(t, "", "-q", "-e", prog)
	if code != 0 || stdout != "\n\n@[1]: 1\n@[2]: 2\n@[3]: 3\n" {
		t.Errorf("environment over config: exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestConfigRingPages: config perf_rb_pages = 1 makes the event ring one
// page, which 300 lines printed at once overflow. Every line is either
// printed or counted in a "Lost N events" line, and that line never comes
// first: the lines of the records that were in the ring before the losses
// come before it.
func TestConfigRingPages(t *testing.T) {
	needRoot(t)
	prog := `interval:ms:100 { unroll(100) { printf("line\n"); printf("line\n"); printf("line\n"); } exit(); }`
	for _, tc := range []struct {
		config string
		lost   bool
	}{
		{"config = { perf_rb_pages = 1 } ", true},
		{"", false}, // the default ring holds them all
	} {
		code, stdout, stderr := runCLI(t, "", "-q", "-e", tc.config+prog)
		lines, lost := 0, 0
		for i, l := range strings.Split(stdout, "\n") {
			var n int
			if l == "line" {
				lines++
			} else if _, err := fmt.Sscanf(l, "Lost %d events", &n); err == nil {
				if i == 0 {
					t.Errorf("%q: %q before any line", tc.config, l)
				}
				lost += n
			}
		}
		// The exit() record is lost too when the ring is full, or printed
		// nothing when it is not.
		if code != 0 || (lost > 0) != tc.lost || (lines+lost != 300 && lines+lost != 301) {
			t.Errorf("%q: exit %d, %d lines + %d lost, stdout tail %q, stderr %q", tc.config, code, lines, lost, stdout[max(0, len(stdout)-60):], stderr)
		}
	}
}

// TestConfigCatBytes: config max_cat_bytes bounds what cat() prints.
func TestConfigCatBytes(t *testing.T) {
	needRoot(t)
	file := filepath.Join(t.TempDir(), "data")
	if err := os.WriteFile(file, []byte("0123456789abcdefghij\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := runCLI(t, "", "-q", "-e", `config = { max_cat_bytes = 10 } BEGIN { cat("`+file+`"); exit(); }`)
	if code != 0 || stdout != "0123456789\n\n" {
		t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
}

// TestConfigIgnored: a config variable bpftrace knows but gtrace does not
// act on is accepted with a warning at its entry, never ignored silently.
func TestConfigIgnored(t *testing.T) {
	needRoot(t)
	prog := `config = { on_stack_limit = 4; max_map_keys = 10 } BEGIN { exit(); }`
	code, _, stderr := runCLI(t, "", "--dry-run", "-e", prog)
	want := "stdin:1:12-30: WARNING: gtrace does not use the config variable on_stack_limit; it has no effect\n" +
		prog + "\n" + strings.Repeat(" ", 11) + strings.Repeat("~", 18) + "\n"
	if code != 0 || stderr != want {
		t.Errorf("exit %d, stderr:\n%s\nwant:\n%s", code, stderr, want)
	}
	if code, _, stderr := runCLI(t, "", "--dry-run", "--no-warnings", "-e", prog); code != 0 || stderr != "" {
		t.Errorf("--no-warnings: exit %d, stderr %q", code, stderr)
	}
	// Keys the runner acts on draw no warning.
	if code, _, stderr := runCLI(t, "", "--dry-run", "-e", `config = { cpp_demangle = false } BEGIN { exit(); }`); code != 0 || stderr != "" {
		t.Errorf("cpp_demangle: exit %d, stderr %q", code, stderr)
	}
}
