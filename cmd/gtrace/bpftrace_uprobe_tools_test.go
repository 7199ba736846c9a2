package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// bpftraceToolsDir is where the installed bpftrace keeps its tools
// (GTRACE_BPFTRACE_TOOLS, else Debian's /usr/sbin); they are read at test
// time, never part of this repository.
func bpftraceToolsDir(t *testing.T, tool string) string {
	t.Helper()
	dir := os.Getenv("GTRACE_BPFTRACE_TOOLS")
	if dir == "" {
		dir = "/usr/sbin"
	}
	if _, err := os.Stat(filepath.Join(dir, tool+".bt")); err != nil {
		t.Skipf("bpftrace's %s.bt is not installed here (%v)", tool, err)
	}
	return dir
}

// tlsHandshakes runs a local openssl s_server and three s_client
// handshakes against it: SSL_do_handshake, SSL_read, SSL_write and the
// libcrypto signatures that bpftrace's sslsnoop and ssllatency trace.
func tlsHandshakes(t *testing.T) func() {
	t.Helper()
	if _, err := exec.LookPath("openssl"); err != nil {
		t.Skip("no openssl command here")
	}
	dir := t.TempDir()
	key, cert := filepath.Join(dir, "k.pem"), filepath.Join(dir, "c.pem")
	if out, err := exec.Command("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost",
		"-keyout", key, "-out", cert, "-days", "1").CombinedOutput(); err != nil {
		t.Skipf("openssl req: %v\n%s", err, out)
	}
	return func() {
		srv := exec.Command("openssl", "s_server", "-accept", "14433", "-cert", cert, "-key", key, "-www", "-quiet")
		if err := srv.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { srv.Process.Kill(); srv.Wait() }()
		for range 50 { // until the server listens
			if exec.Command("sh", "-c", "echo | openssl s_client -connect localhost:14433").Run() == nil {
				break
			}
		}
		for range 3 {
			exec.Command("sh", "-c", "echo | openssl s_client -connect localhost:14433").Run()
		}
	}
}

// bpftrace 0.17's own sslsnoop and ssllatency name libcrypto functions
// this OpenSSL 3 does not export (rsa_ossl_*, ossl_ecdsa_*): gtrace warns
// once for each, attaches the others, traces TLS handshakes and stops on
// Ctrl-C with END and the maps, as bpftrace runs them here.
func TestBpftraceSSLTools(t *testing.T) {
	needRoot(t)
	for _, tc := range []struct{ tool, want string }{
		{"sslsnoop", " SSL_write\n"},
		{"ssllatency", "@hist["}, // keys of exited processes print as addresses, as in bpftrace
	} {
		t.Run(tc.tool, func(t *testing.T) {
			f := filepath.Join(bpftraceToolsDir(t, tc.tool), tc.tool+".bt")
			load := tlsHandshakes(t)
			r := runInterrupted(t, exec.Command(filepath.Join(gtraceOnPath(t), "gtrace"), f), load)
			if !r.attached || r.code != 0 {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tc.want) {
				t.Errorf("no %q in the output:\n%s", tc.want, r.stdout)
			}
			for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
				if strings.Contains(l, "ERROR") {
					t.Errorf("stderr:\n%s", r.stderr)
					break
				}
			}
			if !strings.Contains(r.stderr, "WARNING: No matches for uprobe libcrypto:") {
				t.Logf("no missing libcrypto function here; stderr:\n%s", r.stderr)
			}
		})
	}
}

// bpftrace 0.17's threadsnoop probes uprobe:libpthread:pthread_create;
// on glibc 2.34+ libpthread is an empty stub. Its only clause has no
// target: a script error with the way out, or, with missing_probes =
// "warn", a run without it.
func TestBpftraceThreadsnoop(t *testing.T) {
	needRoot(t)
	f := filepath.Join(bpftraceToolsDir(t, "threadsnoop"), "threadsnoop.bt")
	r := runInterrupted(t, exec.Command(filepath.Join(gtraceOnPath(t), "gtrace"), f), nil)
	if r.attached {
		t.Skipf("libpthread has pthread_create here (glibc before 2.34); stdout:\n%s", r.stdout)
	}
	if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "HINT: since glibc 2.34 pthread_create is in libc (libpthread is an empty stub): use uprobe:libc:pthread_create") {
		t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
	src, err := os.ReadFile(f)
	if err != nil {
		t.Fatal(err)
	}
	warn := filepath.Join(t.TempDir(), "threadsnoop-warn.bt")
	if err := os.WriteFile(warn, append([]byte("config = { missing_probes = \"warn\" }\n"), src...), 0o644); err != nil {
		t.Fatal(err)
	}
	r = runInterrupted(t, exec.Command(filepath.Join(gtraceOnPath(t), "gtrace"), warn), nil)
	if !r.attached || r.code != 0 || !strings.Contains(r.stdout, "Attaching 1 probe...\nTIME(ms)") ||
		!strings.Contains(r.stderr, "WARNING: Probe has no valid attach points.") {
		t.Errorf("missing_probes = warn: exit %d\nstdout:\n%s\nstderr:\n%s", r.code, r.stdout, r.stderr)
	}
}
