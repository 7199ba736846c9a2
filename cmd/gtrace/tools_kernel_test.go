package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gtrace/gtrace/probes"
)

// kernelTools are the tools that walk kernel structs from BTF (issue 5).
// Those on kprobes cannot attach on a kernel without CONFIG_KPROBES; there
// TestToolsDryRun loads them into the verifier.
var kernelTools = []string{
	"vfsstat", "vfscount", "tcpconnect", "tcpaccept", "tcplife", "biosnoop",
	"runqlat-kprobe", "biostacks", "capable",
}

func TestKernelToolsExist(t *testing.T) {
	for _, name := range kernelTools {
		data, err := os.ReadFile(filepath.Join(toolsDir, name+".bt"))
		if err != nil {
			t.Errorf("tools/%s.bt: %v", name, err)
			continue
		}
		if !strings.Contains(string(data), "struct ") && !strings.Contains(string(data), "kprobe:") {
			t.Errorf("tools/%s.bt neither probes kernel functions nor reads kernel structs", name)
		}
	}
}

// TestToolTcplife: a loopback session that sends 3000 bytes and receives
// 5000 is printed once per end when it closes, by this process, with the
// listener's port on one side and the byte counts in kilobytes.
func TestToolTcplife(t *testing.T) {
	var port int
	out := runTool(t, "tcplife", func() {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		port = ln.Addr().(*net.TCPAddr).Port
		done := make(chan struct{})
		go func() {
			defer close(done)
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write(make([]byte, 5000))
			io.ReadFull(c, make([]byte, 3000))
			c.Close()
		}()
		c, err := net.DialTimeout("tcp4", ln.Addr().String(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(make([]byte, 3000))
		io.ReadFull(c, make([]byte, 5000))
		c.Close()
		<-done
		time.Sleep(100 * time.Millisecond) // the last state change after close
	})
	pid := os.Getpid()
	// The listening end: sent 5000 bytes (4 KB), received 3000 (2 KB).
	wantLine(t, out, fmt.Sprintf(`^%d +\S+ +127\.0\.0\.1 +%d +127\.0\.0\.1 +\d+ +4 +2 +\d+$`, pid, port))
	// The connecting end.
	wantLine(t, out, fmt.Sprintf(`^%d +\S+ +127\.0\.0\.1 +\d+ +127\.0\.0\.1 +%d +2 +4 +\d+$`, pid, port))
}

// TestKernelTool runs each of gtrace's tools on kprobes under a small
// load where the kernel has kprobes (scripts/vmtest), stops it with
// SIGINT and checks its lines.
func TestKernelTool(t *testing.T) {
	needKprobes(t)
	pid := os.Getpid()
	for _, tc := range []struct {
		name  string
		run   func(t *testing.T) string // the tool's output under its load
		lines []string
	}{
		{"vfsstat", func(t *testing.T) string {
			return runTool(t, "vfsstat", func() { readFiles(t); time.Sleep(1200 * time.Millisecond) })
		}, []string{`^\d\d:\d\d:\d\d$`, `^@\[vfs_read\]: \d+$`}},
		{"vfscount", func(t *testing.T) string { return runTool(t, "vfscount", func() { readFiles(t) }) },
			[]string{`^@\[vfs_read\]: \d+$`}},
		{"tcpconnect", func(t *testing.T) string {
			var port int
			out := runTool(t, "tcpconnect", func() { port = loopbackSession(t) })
			return strings.ReplaceAll(out, fmt.Sprintf(" %d ", port), " PORT ")
		}, []string{fmt.Sprintf(`^\d\d:\d\d:\d\d %d +\S+ +127\.0\.0\.1 +\d+ +127\.0\.0\.1 +PORT *$`, pid)}},
		{"tcpaccept", func(t *testing.T) string {
			var port int
			out := runTool(t, "tcpaccept", func() { port = loopbackSession(t) })
			return strings.ReplaceAll(out, fmt.Sprintf(" %d ", port), " PORT ")
		}, []string{fmt.Sprintf(`^\d\d:\d\d:\d\d %d +\S+ +127\.0\.0\.1 +\d+ +127\.0\.0\.1 +PORT +\d+/\d+$`, pid)}},
		{"capable", func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "owned")
			os.WriteFile(path, nil, 0o644)
			return runTool(t, "capable", func() { os.Chown(path, 1, 1) })
		}, []string{fmt.Sprintf(`^\d\d:\d\d:\d\d 0 +%d +\S+ +0 +CAP_CHOWN +\d$`, pid)}},
		{"runqlat-kprobe", func(t *testing.T) string {
			return runTool(t, "runqlat-kprobe", func() {
				for range 5 {
					time.Sleep(20 * time.Millisecond)
				}
			})
		}, []string{`^@usecs: ?$`}},
		{"biosnoop", func(t *testing.T) string {
			needBlockDevice(t)
			return runTool(t, "biosnoop", func() { writeAndSync(t) })
		}, []string{`^\d+ +\S+ +\S+ +\d+ +W +\d+ +\d+$`}},
		{"biostacks", func(t *testing.T) string {
			needBlockDevice(t)
			return runTool(t, "biostacks", func() { writeAndSync(t) })
		}, []string{`^@usecs\[$`, `^\]: ?$`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out := tc.run(t)
			for _, l := range tc.lines {
				wantLine(t, out, l)
			}
		})
	}
}

func needBlockDevice(t *testing.T) {
	if !blockDevice(os.TempDir()) {
		t.Skip("the temporary directory is not on a block device")
	}
}

// readFiles reads a few files: vfs_read calls.
func readFiles(t *testing.T) {
	for range 3 {
		os.ReadFile("/proc/self/stat")
		os.ReadFile(os.Args[0])
	}
}

// loopbackSession connects to a listener on 127.0.0.1, exchanges a few
// bytes and closes both ends; it returns the listener's port.
func loopbackSession(t *testing.T) int {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	done := make(chan struct{})
	go func() {
		defer close(done)
		c, err := ln.Accept()
		if err != nil {
			return
		}
		c.Write([]byte("hello"))
		c.Close()
	}()
	c, err := net.DialTimeout("tcp4", ln.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(c)
	c.Close()
	<-done
	return ln.Addr().(*net.TCPAddr).Port
}

// TestBpftraceTools runs bpftrace's own kprobe tools, from the installed
// bpftrace package (GTRACE_BPFTRACE_TOOLS: scripts/vmtest sets it; they
// are read at test time, never part of this repository), under a small
// load and stops each with SIGINT. A tool whose kernel functions all
// exist runs cleanly; one naming functions this kernel lacks runs with a
// warning naming them, as long as each clause keeps one; a clause left
// with none is a script error located at the probe (exit 1), found
// before loading.
func TestBpftraceTools(t *testing.T) {
	needKprobes(t)
	dir := os.Getenv("GTRACE_BPFTRACE_TOOLS")
	if dir == "" {
		t.Skip("GTRACE_BPFTRACE_TOOLS is not set (scripts/vmtest sets it to the installed bpftrace's tools)")
	}
	funcs, err := probes.NewKernel().KernelFuncs()
	if err != nil {
		t.Fatal(err)
	}
	exists := func(pattern string) bool {
		return slices.ContainsFunc(funcs, func(fn string) bool { ok, _ := path.Match(pattern, fn); return ok })
	}
	beginPrints := regexp.MustCompile(`(?s)BEGIN\s*\{[^}]*printf\(`)
	files, _ := filepath.Glob(filepath.Join(dir, "*.bt"))
	for _, f := range files {
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var missing []string
		kprobes, emptied := false, false
		for _, clause := range clauseHeads(string(src)) {
			left := false
			for _, p := range clause {
				_, fn, _ := strings.Cut(p, ":")
				if !strings.HasPrefix(p, "kprobe:") && !strings.HasPrefix(p, "kretprobe:") {
					left = true
					continue
				}
				kprobes = true
				if exists(fn) {
					left = true
				} else {
					missing = append(missing, fn)
				}
			}
			emptied = emptied || !left
		}
		if !kprobes {
			continue
		}
		name := strings.TrimSuffix(filepath.Base(f), ".bt")
		t.Run(name, func(t *testing.T) {
			cmd := exec.Command(filepath.Join(gtraceOnPath(t), "gtrace"), f)
			r := runInterrupted(t, cmd, func() { toolLoad(t) })
			switch {
			case emptied:
				if r.attached || r.code != 1 || r.stdout != "" ||
					!regexp.MustCompile(`(?m)^`+regexp.QuoteMeta(f)+`:\d+:\d+(-\d+)?: ERROR: `).MatchString(r.stderr) {
					t.Errorf("a clause has none of its functions here (missing: %q): want a located script error and exit 1, got exit %d\nstdout:\n%s\nstderr:\n%s", missing, r.code, r.stdout, r.stderr)
				}
				return
			case !r.attached || r.code != 0:
				t.Fatalf("exit %d (missing here: %q)\nstdout:\n%s\nstderr:\n%s", r.code, missing, r.stdout, r.stderr)
			case len(missing) > 0:
				for _, m := range missing {
					if !strings.Contains(r.stderr, m) {
						t.Errorf("%s is not in this kernel: want a warning naming it, stderr:\n%s", m, r.stderr)
					}
				}
			case r.stderr != "":
				t.Errorf("stderr:\n%s", r.stderr)
			}
			// The Attaching line, then what BEGIN printed, if it prints
			// (swapin, say, prints only when pages are swapped in).
			if !strings.HasPrefix(r.stdout, "Attaching ") {
				t.Errorf("no Attaching line:\n%s", r.stdout)
			}
			if beginPrints.Match(src) && len(strings.Fields(mapLines(r.stdout))) == 0 {
				t.Errorf("BEGIN prints, but there is nothing but the Attaching line:\n%s", r.stdout)
			}
		})
	}
}

// clauseHeads lists the attach points of each clause of a script written
// as the tools are: points on lines of their own or after commas, then the
// predicate or the block on a new line.
func clauseHeads(src string) [][]string {
	point := regexp.MustCompile(`^[a-z]+:[^\s{/]+$`)
	var heads [][]string
	var cur []string
	for l := range strings.SplitSeq(src, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "/") && !strings.HasPrefix(l, "//") || strings.HasPrefix(l, "{"):
			if len(cur) > 0 {
				heads = append(heads, cur)
			}
			cur = nil
		case l == "" || strings.HasPrefix(l, "//") || strings.HasPrefix(l, "#"):
		default:
			ok := true
			var pts []string
			for p := range strings.SplitSeq(l, ",") {
				if p = strings.TrimSpace(p); p != "" {
					pts = append(pts, p)
					ok = ok && point.MatchString(p)
				}
			}
			if ok {
				cur = append(cur, pts...)
			} else {
				cur = nil
			}
		}
	}
	return heads
}

// toolLoad is a little of what the kernel tools trace: file reads, a
// write synced to disk, a loopback TCP session, a process, a capability
// check.
func toolLoad(t *testing.T) {
	readFiles(t)
	if blockDevice(os.TempDir()) {
		writeAndSync(t)
	}
	loopbackSession(t)
	exec.Command("true").Run()
	path := filepath.Join(t.TempDir(), "owned")
	os.WriteFile(path, nil, 0o644)
	os.Chown(path, 1, 1)
	time.Sleep(200 * time.Millisecond)
}
