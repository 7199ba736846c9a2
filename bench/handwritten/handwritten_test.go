package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWriteHist: the histogram comes out as bpftrace 0.17 printed it for
// the same values (testdata/hist.bpftrace.txt, from
// bpftrace -e 'BEGIN { @ns = hist(0); @ns = hist(1); @ns = hist(-3); @ns = hist(5);
// @ns = hist(1000); @ns = hist(1000); @ns = hist(1048575); @ns = hist(3000000000); exit(); }').
func TestWriteHist(t *testing.T) {
	want, err := os.ReadFile("testdata/hist.bpftrace.txt")
	if err != nil {
		t.Fatal(err)
	}
	var buckets [histBuckets]uint64
	for _, v := range []int64{0, 1, -3, 5, 1000, 1000, 1048575, 3000000000} {
		buckets[bucketOf(v)]++
	}
	var got bytes.Buffer
	w := bufio.NewWriter(&got)
	w.WriteString("Attaching 1 probe...\n\n\n")
	writeHist(w, "@ns", buckets[:])
	w.Flush()
	if got.String() != string(want) {
		t.Errorf("got\n%s\nwant\n%s", got.String(), want)
	}
}

// bucketOf is the bucket the program puts v in, written the slow way.
func bucketOf(v int64) int {
	switch {
	case v < 0:
		return 0
	case v < 2:
		return int(v) + 1
	}
	i := 2
	for v >= 2 {
		v >>= 1
		i++
	}
	return i
}

// TestPrograms builds the command, runs each program while this process
// calls getppid n times, and checks what it prints: every call of this
// process counted under its comm, in the histogram, or printed as a line.
func TestPrograms(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to load BPF programs")
	}
	if _, err := os.Stat("/sys/kernel/tracing/events/syscalls/sys_enter_getppid"); err != nil {
		t.Skipf("no syscall tracepoints in tracefs: %v", err)
	}
	bin := filepath.Join(t.TempDir(), "handwritten")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	comm := filepath.Base(os.Args[0])
	if len(comm) > 15 {
		comm = comm[:15]
	}
	const n = 20000
	mine := fmt.Sprintf("ev %d %s", os.Getpid(), comm)
	tests := []struct {
		name, prog string
		check      func(t *testing.T, out string)
	}{
		{"count", `tracepoint:syscalls:sys_enter_getppid { @[comm] = count(); }`, func(t *testing.T, out string) {
			if want := fmt.Sprintf("\n@[%s]: %d\n", comm, n); !strings.Contains(out, want) {
				t.Errorf("no line %q in\n%s", strings.TrimSpace(want), out)
			}
			if !strings.HasPrefix(out, "Attaching 1 probe...\n\n\n@[") {
				t.Errorf("not as bpftrace prints a map:\n%s", out)
			}
		}},
		{"hist", `tracepoint:syscalls:sys_enter_getppid { @ns = hist(nsecs & 0xfffff); }`, func(t *testing.T, out string) {
			row := regexp.MustCompile(`^(\[\d+[KMG]?(, \d+[KMG]?\))?|\]) +(\d+) \|@* *\|$`)
			lines := strings.Split(strings.TrimSuffix(out, "\n\n"), "\n")
			if len(lines) < 5 || strings.Join(lines[:4], "\n") != "Attaching 1 probe...\n\n\n@ns: " {
				t.Fatalf("not as bpftrace prints a histogram:\n%s", out)
			}
			total := 0
			for _, l := range lines[4:] {
				m := row.FindStringSubmatch(l)
				if m == nil || len(l) != 24+2+52+1 {
					t.Fatalf("row %q is not a bpftrace row", l)
				}
				c, _ := strconv.Atoi(m[3])
				total += c
			}
			if total < n {
				t.Errorf("%d events in the histogram, want at least %d", total, n)
			}
		}},
		{"printf", `tracepoint:syscalls:sys_enter_getppid { printf("ev %d %s\n", pid, comm); }`, func(t *testing.T, out string) {
			got := strings.Count(out, mine+"\n")
			lost := 0
			if m := regexp.MustCompile(`Lost (\d+) events`).FindStringSubmatch(out); m != nil {
				lost, _ = strconv.Atoi(m[1])
			}
			if got != n && got+lost < n {
				t.Errorf("%d lines %q and %d lost, want %d in all", got, mine, lost, n)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// stdout is a file, read while the command writes it.
			stdout, err := os.Create(filepath.Join(t.TempDir(), "stdout"))
			if err != nil {
				t.Fatal(err)
			}
			defer stdout.Close()
			var stderr bytes.Buffer
			cmd := exec.Command(bin, "-e", tt.prog)
			cmd.Stdout, cmd.Stderr = stdout, &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			output := func() string {
				b, _ := os.ReadFile(stdout.Name())
				return string(b)
			}
			deadline := time.Now().Add(30 * time.Second)
			for !strings.Contains(output(), "Attaching 1 probe") {
				if time.Now().After(deadline) {
					cmd.Process.Kill()
					cmd.Wait()
					t.Fatalf("not attached after 30 s: %s", stderr.String())
				}
				time.Sleep(10 * time.Millisecond)
			}
			for range n {
				syscall.Getppid()
			}
			time.Sleep(200 * time.Millisecond) // let the printf lines drain
			cmd.Process.Signal(syscall.SIGINT)
			if err := cmd.Wait(); err != nil {
				t.Fatalf("%v: %s", err, stderr.String())
			}
			tt.check(t, output())
		})
	}
}

// TestOnlyBenchmarkPrograms: anything else is refused, not run as
// something else.
func TestOnlyBenchmarkPrograms(t *testing.T) {
	if code := run([]string{"-e", `tracepoint:syscalls:sys_enter_getppid { @[pid] = count(); }`}); code != 1 {
		t.Errorf("exit %d for another program, want 1", code)
	}
	if code := run([]string{"tracepoint:syscalls:sys_enter_getppid { @[comm] = count(); }"}); code != 1 {
		t.Errorf("exit %d without -e, want 1", code)
	}
}
