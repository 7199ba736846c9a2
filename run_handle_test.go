package gtrace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
	"github.com/gtrace/gtrace/probes"
)

// compileForRun compiles src against the running kernel.
func compileForRun(t *testing.T, src string) *Script {
	t.Helper()
	needRoot(t)
	s, err := Compile(lang.Source{Name: "stdin", Text: src}, Options{Kernel: probes.NewKernel()})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitFor polls cond until it holds or 10 s have passed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// TestSnapshotWhileRunning reads maps of every value family while the
// probes update them, then stops the run and checks the final maps.
func TestSnapshotWhileRunning(t *testing.T) {
	s := compileForRun(t, `BEGIN { @s["x", 2] = sum(-3); @s["y", 1] = sum(5); @a = avg(10); @a = avg(5); @st = stats(7); @mm = min(-4); @mx = max(9); }
interval:ms:5 { @n = count(); @h = hist(5); @h = hist(0); @h = hist(-1); @l = lhist(15, 0, 100, 10); @l = lhist(1000, 0, 100, 10); }`)
	var stdout bytes.Buffer
	run, err := s.Start(context.Background(), RunOptions{Stdout: &stdout, Quiet: true})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Stop()
	if got := strings.Join(run.MapNames(), " "); got != "@a @h @l @mm @mx @n @s @st" {
		t.Errorf("MapNames = %s", got)
	}
	var n *output.Map
	waitFor(t, "@n to count 3", func() bool {
		ms, err := run.Snapshot("@n")
		if err != nil {
			t.Fatal(err)
		}
		n = ms[0]
		return len(n.Entries) == 1 && n.Entries[0].Value.Count() >= 3
	})
	if n.Name != "@n" || !n.Scalar || n.Kind != lang.KindCount {
		t.Errorf("@n = %+v", n)
	}
	ms, err := run.Snapshot()
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*output.Map{}
	for _, m := range ms {
		byName[m.Name] = m
	}
	if len(ms) != 8 {
		t.Fatalf("Snapshot() returned %d maps, want 8", len(ms))
	}
	s2 := byName["@s"]
	if len(s2.Entries) != 2 {
		t.Fatalf("@s = %+v", s2)
	}
	for _, e := range s2.Entries {
		key := e.Key[0].String() + "," + e.Key[1].String()
		switch key {
		case "x,2":
			if e.Value.Sum() != -3 || e.Value.Int64() != -3 {
				t.Errorf("@s[x, 2] = %d", e.Value.Sum())
			}
		case "y,1":
			if e.Value.Sum() != 5 || e.Key[1].Int64() != 1 || e.Key[0].Kind != lang.KindStr {
				t.Errorf("@s[y, 1] = %d", e.Value.Sum())
			}
		default:
			t.Errorf("@s has key %s", key)
		}
	}
	if a := byName["@a"].Entries[0].Value; a.Count() != 2 || a.Sum() != 15 || a.Int64() != 7 || a.Float64() != 7.5 {
		t.Errorf("@a = count %d sum %d avg %d mean %v", a.Count(), a.Sum(), a.Int64(), a.Float64())
	}
	if st := byName["@st"].Entries[0].Value; st.String() != "count 1, average 7, total 7" {
		t.Errorf("@st = %s", st)
	}
	if v := byName["@mm"].Entries[0].Value.Int64(); v != -4 {
		t.Errorf("@mm = %d", v)
	}
	if v := byName["@mx"].Entries[0].Value.Int64(); v != 9 {
		t.Errorf("@mx = %d", v)
	}
	h := byName["@h"].Entries[0].Value
	counts := map[[2]int64]uint64{}
	for _, b := range h.Hist.Ranges() {
		if b.Count > 0 {
			counts[[2]int64{b.Low, b.High}] = b.Count
		}
	}
	if len(counts) != 3 || counts[[2]int64{math.MinInt64, 0}] == 0 || counts[[2]int64{0, 1}] == 0 || counts[[2]int64{4, 8}] == 0 {
		t.Errorf("@h buckets %v", counts)
	}
	l := byName["@l"].Entries[0].Value
	lc := map[[2]int64]uint64{}
	for _, b := range l.Hist.Ranges() {
		if b.Count > 0 {
			lc[[2]int64{b.Low, b.High}] = b.Count
		}
	}
	if len(lc) != 2 || lc[[2]int64{10, 20}] == 0 || lc[[2]int64{100, math.MaxInt64}] == 0 {
		t.Errorf("@l buckets %v", lc)
	}
	if _, err := run.Snapshot("@nosuch"); err == nil {
		t.Error("Snapshot of a map the script lacks: no error")
	}

	final, err := run.Stop()
	if err != nil {
		t.Fatal(err)
	}
	if len(final) != 8 || final[5].Name != "@n" || final[5].Entries[0].Value.Count() < n.Entries[0].Value.Count() {
		t.Errorf("Stop returned %d maps, @n %v", len(final), final[5].Entries)
	}
	if code, err := run.Wait(); code != 0 || err != nil {
		t.Errorf("Wait = %d, %v", code, err)
	}
	// After the end, snapshots are the final maps, and the printed maps
	// are those maps.
	again, err := run.Snapshot("n")
	if err != nil || again[0] != final[5] {
		t.Errorf("Snapshot after the end = %v, %v", again, err)
	}
	if !strings.Contains(stdout.String(), "\n@n: "+final[5].Entries[0].Value.String()+"\n") {
		t.Errorf("printed maps do not show the final @n %s:\n%s", final[5].Entries[0].Value, stdout.String())
	}
}

// TestEventsChannel receives printf events with their arguments, exit()
// and the end, and checks that nothing is printed meanwhile.
func TestEventsChannel(t *testing.T) {
	s := compileForRun(t, `BEGIN { printf("%s-%d\n", "a", 7); print(5); time("%Y"); }
interval:ms:5 { @i = count(); if (@i == 3) { exit(4); } }
END { printf("end %d\n", 1); }`)
	var stdout bytes.Buffer
	ch := make(chan Event)
	run, err := s.Start(context.Background(), RunOptions{Stdout: &stdout, Events: ch})
	if err != nil {
		t.Fatal(err)
	}
	var got []Event
	for ev := range ch {
		got = append(got, ev)
	}
	code, err := run.Wait()
	if code != 4 || err != nil {
		t.Errorf("Wait = %d, %v", code, err)
	}
	if stdout.Len() != 0 {
		t.Errorf("stdout got %q", stdout.String())
	}
	var kinds []string
	for _, ev := range got {
		switch e := ev.(type) {
		case AttachEvent:
			kinds = append(kinds, "attach")
		case PrintfEvent:
			kinds = append(kinds, "printf:"+e.Text)
			if e.Format == "%s-%d\n" && (len(e.Args) != 2 || e.Args[0].Str != "a" || e.Args[1].Int64() != 7) {
				t.Errorf("printf args %+v", e.Args)
			}
		case PrintEvent:
			kinds = append(kinds, "print:"+e.Value.String())
		case TimeEvent:
			kinds = append(kinds, "time")
		case ExitEvent:
			kinds = append(kinds, "exit:"+output.Int(int64(e.Code)).String())
		case EndEvent:
			kinds = append(kinds, "end:"+e.Maps[0].Name)
		default:
			t.Errorf("unexpected event %#v", ev)
		}
	}
	want := "attach|printf:a-7\n|print:5|time|exit:4|printf:end 1\n|end:@i"
	if g := strings.Join(kinds, "|"); g != want {
		t.Errorf("events %q, want %q", g, want)
	}
	// The events render as the command line prints them.
	var text bytes.Buffer
	r := output.NewText(&text)
	for _, ev := range got {
		if err := ev.Render(r); err != nil {
			t.Fatal(err)
		}
	}
	if !strings.HasPrefix(text.String(), "Attaching 3 probes...\na-7\n5\n") || !strings.HasSuffix(text.String(), "end 1\n\n\n@i: 3\n") {
		t.Errorf("rendered events:\n%s", text.String())
	}
}

// TestStopByContext ends a run by cancelling its context: END runs and
// its event is delivered to OnEvent.
func TestStopByContext(t *testing.T) {
	s := compileForRun(t, `interval:ms:5 { @ = count(); } END { printf("bye\n"); }`)
	ctx, cancel := context.WithCancel(context.Background())
	var texts []string
	run, err := s.Start(ctx, RunOptions{OnEvent: func(e Event) {
		if p, ok := e.(PrintfEvent); ok {
			texts = append(texts, p.Text)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(30 * time.Millisecond)
	cancel()
	code, err := run.Wait()
	if code != 0 || err != nil {
		t.Errorf("Wait = %d, %v", code, err)
	}
	if strings.Join(texts, "") != "bye\n" {
		t.Errorf("printf events %q", texts)
	}
	if l := run.Losses(); l.Events != 0 || l.MapUpdates != 0 {
		t.Errorf("Losses = %+v", l)
	}
}

// TestPrintMaps prints every map between events, as bpftrace does on
// SIGUSR1: each as print(@m) prints it, no separator.
func TestPrintMaps(t *testing.T) {
	s := compileForRun(t, `BEGIN { @a = 1; @b[1] = count(); @h = hist(5); printf("hi\n"); }`)
	mu := newSyncBuffer("")
	run, err := s.Start(context.Background(), RunOptions{Stdout: mu})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "BEGIN's output", func() bool { return strings.Contains(mu.String(), "hi\n") })
	run.PrintMaps()
	const maps = "@a: 1\n@b[1]: 1\n@h: \n[4, 8)                 1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n\n"
	waitFor(t, "the maps", func() bool { return strings.Contains(mu.String(), maps) })
	if _, err := run.Stop(); err != nil {
		t.Fatal(err)
	}
	// bpftrace 0.17's output for SIGUSR1 then SIGINT.
	if want := "Attaching 1 probe...\nhi\n" + maps + "\n\n" + maps; mu.String() != want {
		t.Errorf("output:\n%q\nwant\n%q", mu.String(), want)
	}
	run.PrintMaps() // ended: nothing
}

// TestSnapshotStacksConcurrently takes snapshots of a map keyed by stacks
// and symbols while the event loop prints the same map: the symbol
// tables are shared by both goroutines (go test -race checks this).
func TestSnapshotStacksConcurrently(t *testing.T) {
	// A syscall tracepoint's kernel stack always has frames (a profile
	// sample of a loaded machine may all be in user space).
	s := compileForRun(t, fmt.Sprintf(`tracepoint:syscalls:sys_enter_getppid /pid == %d/ { @[kstack, ksym(nsecs | 0xffffffff00000000), uid] = count(); @u[username] = count(); }
interval:ms:20 { print(@); print(@u); }`, os.Getpid()))
	run, err := s.Start(context.Background(), RunOptions{Stdout: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	frames := 0
	for time.Since(start) < 300*time.Millisecond || frames == 0 && time.Since(start) < 10*time.Second {
		syscall.Getppid()
		ms, err := run.Snapshot()
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ms[0].Entries {
			if e.Key[0].Kind != lang.KindKStack || e.Key[1].Kind != lang.KindKsym {
				t.Fatalf("key kinds %v, %v", e.Key[0].Kind, e.Key[1].Kind)
			}
			frames += len(e.Key[0].Stack.Frames)
		}
	}
	if _, err := run.Stop(); err != nil {
		t.Fatal(err)
	}
	if frames == 0 {
		t.Error("no stack frames in any snapshot")
	}
}

func TestExitCode(t *testing.T) {
	script := &startError{code: 1, err: &lang.Diagnostic{Msg: "too big"}}
	for _, c := range []struct {
		err  error
		code int
	}{{nil, 0}, {script, 1}, {&startError{code: ExitFailure, err: io.EOF}, ExitFailure}, {io.EOF, ExitFailure}} {
		if got := ExitCode(c.err); got != c.code {
			t.Errorf("ExitCode(%v) = %d, want %d", c.err, got, c.code)
		}
	}
	var d *lang.Diagnostic
	if !errors.As(error(script), &d) {
		t.Error("a Start error does not unwrap to its diagnostic")
	}
}

// TestEventsRenderAsPrinted runs one script twice, printed and as events,
// and renders the events with the same format: the printed output is
// exactly the rendering of the events, in text and in JSON.
func TestEventsRenderAsPrinted(t *testing.T) {
	s := compileForRun(t, `BEGIN { printf("%s %d %x\n", "a", -3, 255); print(7); print(("t", 1)); @c[1, "k"] = count(); @s = sum(-4); @a = avg(9); @st = stats(3); @h = hist(1000); @l = lhist(5, 0, 10, 2); @m = max(6); print(@c); exit(); }
END { printf("end\n"); }`)
	for _, format := range []string{"text", "json"} {
		var printed bytes.Buffer
		code, err := s.Run(context.Background(), RunOptions{Stdout: &printed, Format: format})
		if code != 0 || err != nil {
			t.Fatalf("%s: Run = %d, %v", format, code, err)
		}
		var events []Event
		code, err = s.Run(context.Background(), RunOptions{Format: format, OnEvent: func(e Event) { events = append(events, e) }})
		if code != 0 || err != nil {
			t.Fatalf("%s: Run with events = %d, %v", format, code, err)
		}
		var rendered bytes.Buffer
		var r output.Renderer
		for _, f := range outputFormats {
			if f.name == format {
				r = f.make(&rendered, &RunOptions{Stderr: io.Discard})
			}
		}
		for _, e := range events {
			if err := e.Render(r); err != nil {
				t.Fatal(err)
			}
		}
		if rendered.String() != printed.String() {
			t.Errorf("%s: rendered events\n%s\ndiffer from the printed output\n%s", format, rendered.String(), printed.String())
		}
	}
}

// TestBackPressureCountsLosses holds the OnEvent consumer up while the
// probe fires 20000 times into a two-page ring buffer: the kernel drops
// what does not fit, and every call is either delivered or counted lost
// (LostEvent, Run.Losses), none silently.
func TestBackPressureCountsLosses(t *testing.T) {
	s := compileForRun(t, fmt.Sprintf(`tracepoint:syscalls:sys_enter_getppid /pid == %d/ { printf("%%d\n", nsecs); }`, os.Getpid()))
	release := make(chan struct{})
	var held sync.Once
	var delivered, lostReported uint64
	run, err := s.Start(context.Background(), RunOptions{
		RingBufBytes: 2 * os.Getpagesize(),
		OnEvent: func(e Event) {
			switch e := e.(type) {
			case PrintfEvent:
				held.Do(func() { <-release })
				delivered++
			case LostEvent:
				lostReported += e.N
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	const calls = 20000
	for range calls {
		syscall.Getppid()
	}
	close(release)
	if _, err := run.Stop(); err != nil {
		t.Fatal(err)
	}
	lost := run.Losses().Events
	if lost == 0 || lostReported != lost || delivered+lost != calls {
		t.Errorf("delivered %d + lost %d (reported %d) != %d calls", delivered, lost, lostReported, calls)
	}
}
