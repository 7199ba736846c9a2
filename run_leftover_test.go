package gtrace

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/link"
	"golang.org/x/sys/unix"
)

// Nothing left behind (issue 7): however the gtrace command ends (exit(),
// SIGINT, SIGTERM, SIGKILL), every program, map and link it held is gone
// from the kernel afterwards, and tracefs has no new uprobe or kprobe
// event. The objects are the ones the running process holds, read from
// its /proc fdinfo, so programs of other tracers running meanwhile do not
// count.

// heldObjects are the ids of the BPF objects a process holds through fds.
type heldObjects struct {
	progs, maps, links []uint32
}

func (h heldObjects) String() string {
	return fmt.Sprintf("%d programs, %d maps, %d links", len(h.progs), len(h.maps), len(h.links))
}

// readHeld reads /proc/PID/fdinfo: a program fd has "prog_id:", a map fd
// "map_id:", a link fd "link_id:" (and the prog_id of its program).
func readHeld(pid int) (heldObjects, error) {
	var h heldObjects
	dir := fmt.Sprintf("/proc/%d/fdinfo", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		return h, err
	}
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		ids := map[string]uint32{}
		for _, line := range strings.Split(string(data), "\n") {
			k, v, ok := strings.Cut(line, ":")
			if n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32); ok && err == nil {
				ids[k] = uint32(n)
			}
		}
		switch {
		case ids["link_id"] != 0:
			h.links = append(h.links, ids["link_id"])
		case ids["map_id"] != 0:
			h.maps = append(h.maps, ids["map_id"])
		case ids["prog_id"] != 0:
			h.progs = append(h.progs, ids["prog_id"])
		}
	}
	return h, nil
}

// alive lists the objects of h the kernel still has.
func (h heldObjects) alive() []string {
	var out []string
	for _, id := range h.progs {
		if p, err := ebpf.NewProgramFromID(ebpf.ProgramID(id)); err == nil {
			p.Close()
			out = append(out, fmt.Sprintf("prog %d", id))
		}
	}
	for _, id := range h.maps {
		if m, err := ebpf.NewMapFromID(ebpf.MapID(id)); err == nil {
			m.Close()
			out = append(out, fmt.Sprintf("map %d", id))
		}
	}
	for _, id := range h.links {
		if l, err := link.NewFromID(link.ID(id)); err == nil {
			l.Close()
			out = append(out, fmt.Sprintf("link %d", id))
		}
	}
	return out
}

// dynamicEvents reads the tracefs files that list kprobe and uprobe events
// created by name (the legacy interface gtrace must not use).
func dynamicEvents(t *testing.T) map[string]bool {
	t.Helper()
	seen := map[string]bool{}
	for _, f := range []string{"uprobe_events", "kprobe_events", "dynamic_events"} {
		data, err := os.ReadFile(filepath.Join("/sys/kernel/tracing", f))
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			if l != "" {
				seen[f+": "+l] = true
			}
		}
	}
	return seen
}

// newEvents lists the entries of now that are not in before and belong to
// this test: they name its target binary, or are kprobes (none can be
// made on this kernel by anyone).
func newEvents(before, now map[string]bool, target string) []string {
	var out []string
	for l := range now {
		if !before[l] && (strings.Contains(l, target) || strings.HasPrefix(l, "kprobe_events")) {
			out = append(out, l)
		}
	}
	return out
}

// leftoverScript has a tracepoint, a uprobe and an interval probe; with
// many, it also attaches 11 more perf tracepoints (so that detaching is
// handed to the helper process, see run_detach.go). $1 is the test's pid,
// $2 the number of 100 ms ticks before exit().
func leftoverScript(target string, many bool) string {
	s := `tracepoint:syscalls:sys_enter_getppid /pid == $1/ { @tp = count(); }
uprobe:` + target + `:work { @up = count(); }
interval:ms:100 { @iv = count(); @ticks++; if (@ticks >= $2) { exit(); } }
`
	if many {
		s += "tracepoint:sched:sched_process_*, tracepoint:task:*, tracepoint:signal:*, tracepoint:syscalls:sys_enter_get* { @many = count(); }\n"
	}
	return s
}

// testNothingLeft runs the script, reads the objects gtrace holds once it
// has attached, ends it with sig (0: the script's own exit() after a
// second), and waits until every object is gone. It returns how long that
// took after the process ended.
func testNothingLeft(t *testing.T, sig syscall.Signal, many bool) time.Duration {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	target := buildUprobeTarget(t)
	ticks := "10"
	if sig != 0 {
		ticks = "1000000"
	}
	before := dynamicEvents(t)
	if many && sig != syscall.SIGKILL {
		// The detach helper outlives gtrace: as a subreaper this process
		// inherits it, and can tell when it is gone.
		if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
			t.Fatal(err)
		}
		defer unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)
	}
	cmd := exec.Command(bin, "-e", leftoverScript(target, many), strconv.Itoa(os.Getpid()), ticks)
	rd, stderr, stop := startTracer(t, cmd, 30*time.Second)
	defer stop()
	held, err := readHeld(cmd.Process.Pid)
	if err != nil {
		t.Fatal(err)
	}
	// Fire the probes once each.
	syscall.Getppid()
	if out, err := exec.Command(target, "1").CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", target, err, out)
	}
	if len(held.progs) < 3 || len(held.maps) == 0 {
		t.Errorf("the running gtrace holds only %v", held)
	}
	if ev := newEvents(before, dynamicEvents(t), target); len(ev) > 0 {
		t.Errorf("tracefs events made while running: %v", ev)
	}
	if sig != 0 {
		cmd.Process.Signal(sig)
	}
	outc := make(chan string)
	go func() {
		b, _ := io.ReadAll(rd)
		outc <- string(b)
	}()
	out := <-outc
	err = cmd.Wait()
	ended := time.Now()
	switch {
	case sig == syscall.SIGKILL:
		if err == nil {
			t.Errorf("killed, yet exit status 0")
		}
	case err != nil || !strings.Contains(out, "@up: 1\n") || !strings.Contains(out, "@tp: 1\n"):
		t.Errorf("exit %v, output:\n%s\nstderr:\n%s", err, out, stderr.String())
	}
	// Programs are freed after an RCU grace period; perf events handed to
	// the detach helper live until it has closed them.
	var left []string
	for deadline := ended.Add(60 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if left = held.alive(); len(left) == 0 || time.Now().After(deadline) {
			break
		}
	}
	took := time.Since(ended)
	if many && sig != syscall.SIGKILL {
		helper := waitDetachHelper(t)
		if helper > 0 {
			t.Logf("the detach helper ended %v after gtrace", helper.Round(time.Millisecond))
		}
		took = max(took, helper)
	}
	if len(left) > 0 {
		t.Errorf("%v after the end, still in the kernel: %v", took, left)
	}
	if ev := newEvents(before, dynamicEvents(t), target); len(ev) > 0 {
		t.Errorf("tracefs events left: %v", ev)
	}
	t.Logf("held %v; all gone %v after the process ended", held, took.Round(time.Millisecond))
	return took
}

func TestNothingLeftAfterExit(t *testing.T)    { testNothingLeft(t, 0, false) }
func TestNothingLeftAfterSIGINT(t *testing.T)  { testNothingLeft(t, syscall.SIGINT, false) }
func TestNothingLeftAfterSIGTERM(t *testing.T) { testNothingLeft(t, syscall.SIGTERM, false) }
func TestNothingLeftAfterSIGKILL(t *testing.T) { testNothingLeft(t, syscall.SIGKILL, false) }

// With many perf tracepoints, detaching is handed to a `sh -c 'read _'`
// helper that outlives gtrace: the objects go when it has closed them.
func TestNothingLeftManyTracepoints(t *testing.T) {
	for _, sig := range []syscall.Signal{0, syscall.SIGINT, syscall.SIGTERM, syscall.SIGKILL} {
		t.Run(fmt.Sprint(int(sig)), func(t *testing.T) { testNothingLeft(t, sig, true) })
	}
}

// waitDetachHelper finds the `sh -c 'read _'` that gtrace left holding its
// perf events (this process, a subreaper, inherited it), waits until it has
// exited (closing them), and returns how long after now that took.
func waitDetachHelper(t *testing.T) time.Duration {
	t.Helper()
	start := time.Now()
	pid := 0
	for pid == 0 && time.Since(start) < 300*time.Millisecond {
		pid = childRunning(os.Getpid(), "/bin/sh\x00-c\x00read _\x00")
		if pid == 0 {
			time.Sleep(10 * time.Millisecond)
		}
	}
	if pid == 0 {
		// Releasing these perf events can be quick: the helper then ends
		// before gtrace does (and gtrace reaps it).
		t.Log("no detach helper outlived gtrace")
		return 0
	}
	for time.Since(start) < 60*time.Second {
		var ws unix.WaitStatus
		if got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil); got == pid || err != nil {
			return time.Since(start)
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("detach helper %d still running after 60 s", pid)
	return time.Since(start)
}

// childRunning returns a child of parent whose command line is cmdline.
func childRunning(parent int, cmdline string) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		st, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue
		}
		// "pid (comm) state ppid ...": comm may hold spaces.
		fields := strings.Fields(string(st[bytes.LastIndexByte(st, ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(parent) {
			continue
		}
		if cl, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); string(cl) == cmdline {
			return pid
		}
	}
	return 0
}
