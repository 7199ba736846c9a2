package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMain lets the test binary act as the gtrace command when it is
// started under that name, so the shebang test can run a script the way a
// user does, through the kernel's #! handling and env's PATH search.
func TestMain(m *testing.M) {
	if filepath.Base(os.Args[0]) == "gtrace" {
		os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestShebangScript(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := t.TempDir()
	if err := os.Symlink(self, filepath.Join(bin, "gtrace")); err != nil {
		t.Fatal(err)
	}
	// Flags cannot be given on a portable shebang line: env passes the
	// script path and its arguments. A bad script's diagnostic names the file.
	bad := filepath.Join(t.TempDir(), "bad.bt")
	if err := os.WriteFile(bad, []byte("#!/usr/bin/env gtrace\nBEGIN { nosuch(); }\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bad, "x")
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	want := bad + ":2:9-15: ERROR: Unknown function: nosuch\n"
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 1 || !strings.HasPrefix(string(out), want) {
		t.Fatalf("err %v, output:\n%s\nwant prefix:\n%s", err, out, want)
	}
	if os.Geteuid() != 0 {
		t.Skip("running the good script needs root")
	}
	good := filepath.Join(t.TempDir(), "hello.bt")
	if err := os.WriteFile(good, []byte("#!/usr/bin/env gtrace\nBEGIN { printf(\"%s %d\\n\", str($1), $2); exit(); }\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd = exec.Command(good, "hello", "42")
	cmd.Env = append(os.Environ(), "PATH="+bin+":"+os.Getenv("PATH"))
	out, err = cmd.Output()
	if err != nil || string(out) != "Attaching 1 probe...\nhello 42\n\n\n" {
		t.Fatalf("err %v, stdout %q", err, out)
	}
}
