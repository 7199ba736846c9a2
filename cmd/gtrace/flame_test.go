package main

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gtrace/gtrace/internal/testkit"
)

// buildCallTree compiles testdata/flame/calltree.c: main → a → b burning
// 3 parts of CPU time, main → c burning 1. Frame pointers and -O0 keep
// every function on the stack; -g gives the profile its lines.
func buildCallTree(t *testing.T) string {
	t.Helper()
	return testkit.BuildC(t, "testdata/flame/calltree.c", "-O0", "-g", "-fno-omit-frame-pointer")
}

// profileRun is one profile of the call tree, written three ways.
type profileRun struct {
	folded map[string]uint64 // path → count, as -f folded printed it
	svg    string            // --flamegraph file
	pprof  string            // --pprof file
}

// profileCallTree profiles the call tree program for 1.5 s of its CPU time
// at 99 Hz, the program filtered by its pid, with all three outputs.
func profileCallTree(t *testing.T) *profileRun {
	t.Helper()
	needRoot(t)
	bin := buildCallTree(t)
	dir := t.TempDir()
	p := &profileRun{folded: map[string]uint64{}, svg: filepath.Join(dir, "calltree.svg"), pprof: filepath.Join(dir, "calltree.pb.gz")}
	code, stdout, stderr := runCLI(t, "", "-f", "folded", "--flamegraph", p.svg, "--pprof", p.pprof,
		"-e", "profile:hz:99 /pid == cpid/ { @[ustack, comm] = count(); }", "-c", bin+" 1500")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if stderr != "Attaching 1 probe...\n" {
		t.Errorf("stderr: %q (folded output sends the Attaching line there)", stderr)
	}
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		i := strings.LastIndexByte(line, ' ')
		n, err := strconv.ParseUint(line[i+1:], 10, 64)
		if i < 0 || err != nil {
			t.Fatalf("not a folded line: %q", line)
		}
		p.folded[line[:i]] += n
	}
	return p
}

// under sums the paths that pass through the frames given, in order and
// adjacent ("main;a;b"), as a flame graph's frame at that place counts.
func under(paths map[string]uint64, frames string) uint64 {
	var n uint64
	for p, v := range paths {
		if strings.Contains(";"+p+";", ";"+frames+";") {
			n += v
		}
	}
	return n
}

func TestFlameGraphCallTree(t *testing.T) {
	p := profileCallTree(t)
	var all uint64
	for _, v := range p.folded {
		all += v
	}
	b, c := under(p.folded, "main;a;b"), under(p.folded, "main;c")
	t.Logf("folded: %d samples, main;a;b %d, main;c %d\n%v", all, b, c, p.folded)
	// 1.5 s of CPU at 99 Hz is ~150 samples however busy the machine is:
	// the profile samples the program only while it runs.
	if all < 50 {
		t.Fatalf("only %d samples", all)
	}
	if b+c < all*95/100 {
		t.Errorf("main;a;b and main;c hold %d of %d samples", b+c, all)
	}
	if share := float64(b) / float64(b+c); share < 0.63 || share > 0.87 {
		t.Errorf("b has %.0f%% of the samples, want 75%% (3:1)", 100*share)
	}

	t.Run("pprof", func(t *testing.T) { checkPprof(t, p) })
	t.Run("svg", func(t *testing.T) { checkSVG(t, p, b, all) })
	t.Run("browser", func(t *testing.T) { checkInBrowser(t, p.svg) })
}

// checkPprof reads the profile back with the library: the same paths with
// the same counts as the folded lines, b's location with its source line
// from DWARF and its mapping with the binary and its build id; and
// `go tool pprof -top` reads it.
func checkPprof(t *testing.T, p *profileRun) {
	f, err := os.Open(p.pprof)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	prof, err := profile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(prof.SampleType) != 1 || prof.SampleType[0].Type != "@" {
		t.Errorf("sample types %v", prof.SampleType)
	}
	paths := map[string]uint64{}
	for _, s := range prof.Sample {
		names := make([]string, 0, len(s.Location))
		for i := len(s.Location) - 1; i >= 0; i-- {
			// The frame's own function is the location's last line
			// (inlined ones come before it).
			lines := s.Location[i].Line
			names = append(names, lines[len(lines)-1].Function.Name)
		}
		paths[strings.Join(names, ";")] += uint64(s.Value[0])
	}
	if !mapsEqual(paths, p.folded) {
		t.Errorf("pprof paths differ from the folded ones:\n%v\n%v", paths, p.folded)
	}
	var sawB bool
	for _, l := range prof.Location {
		if l.Line[0].Function.Name != "b" {
			continue
		}
		sawB = true
		fn := l.Line[0].Function
		if !strings.HasSuffix(fn.Filename, "calltree.c") || l.Line[0].Line == 0 {
			t.Errorf("b at %s:%d, want calltree.c and a line from DWARF", fn.Filename, l.Line[0].Line)
		}
		if l.Mapping == nil || !strings.HasSuffix(l.Mapping.File, "/calltree") || l.Mapping.BuildID == "" || l.Address < l.Mapping.Start || l.Address >= l.Mapping.Limit {
			t.Errorf("b's mapping %+v at %#x", l.Mapping, l.Address)
		}
	}
	if !sawB {
		t.Error("no location for b")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Log("go is not on PATH: go tool pprof not tried")
		return
	}
	out, err := exec.Command(goBin, "tool", "pprof", "-top", p.pprof).CombinedOutput()
	if err != nil {
		t.Fatalf("go tool pprof -top: %v\n%s", err, out)
	}
	t.Logf("go tool pprof -top:\n%s", out)
	m := regexp.MustCompile(`(?m)^\s+(\d+)\s+([\d.]+)%.*\s b$`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("go tool pprof -top shows no flat line for b:\n%s", out)
	}
	var flat uint64 // the paths that end in b
	for path, v := range p.folded {
		if strings.HasSuffix(path, ";b") {
			flat += v
		}
	}
	if n, _ := strconv.ParseUint(string(m[1]), 10, 64); n != flat {
		t.Errorf("pprof -top: b has %d flat, the folded lines %d", n, flat)
	}
}

func mapsEqual(a, b map[string]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// svgFrame is a frame of the SVG as gtrace writes it.
type svgFrame struct {
	Title string `xml:"title"`
	S     uint64 `xml:"data-s,attr"`
	N     uint64 `xml:"data-n,attr"`
	D     int    `xml:"data-d,attr"`
	Rect  struct {
		Width float64 `xml:"width,attr"`
	} `xml:"rect"`
}

func (f svgFrame) name() string { return f.Title[:strings.LastIndex(f.Title, " (")] }

func readSVGFrames(t *testing.T, path string) []svgFrame {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	var out []svgFrame
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "g" && len(se.Attr) > 0 && se.Attr[0].Value == "f" {
			var f svgFrame
			if err := d.DecodeElement(&f, &se); err != nil {
				t.Fatal(err)
			}
			out = append(out, f)
		}
	}
}

// checkSVG finds the frame b and walks down to the root: a, then main,
// with b as wide as the folded lines through main;a;b say.
func checkSVG(t *testing.T, p *profileRun, b, all uint64) {
	fs := readSVGFrames(t, p.svg)
	if len(fs) == 0 || fs[0].name() != "all" || fs[0].N != all {
		t.Fatalf("root frame %+v, want all with %d", fs[0], all)
	}
	// parent is the frame one level down whose span holds f.
	parent := func(f svgFrame) svgFrame {
		for _, g := range fs {
			if g.D == f.D-1 && g.S <= f.S && f.S+f.N <= g.S+g.N {
				return g
			}
		}
		t.Fatalf("no parent for %s", f.Title)
		return svgFrame{}
	}
	var found bool
	for _, f := range fs {
		if f.name() != "b" || f.D == 0 {
			continue
		}
		if pa := parent(f); pa.name() == "a" && parent(pa).name() == "main" {
			found = true
			if f.N != b {
				t.Errorf("b under a under main: %d in the SVG, %d folded", f.N, b)
			}
			if want := 1180 * float64(b) / float64(all); f.Rect.Width < want-0.2 || f.Rect.Width > want+0.2 {
				t.Errorf("b is %.1f px wide, want %.1f", f.Rect.Width, want)
			}
		}
	}
	if !found {
		t.Errorf("no frame b under a under main in the SVG")
	}
}

// Maps without stacks: one line, exit 1, before anything is traced.
func TestPicturesNeedStacks(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	for _, flag := range []string{"--flamegraph", "--pprof"} {
		out := filepath.Join(dir, "out")
		code, stdout, stderr := runCLI(t, "", flag, out, "-e", "profile:hz:99 { @[comm] = count(); @h = hist(1); }")
		want := "ERROR: " + flag + " needs a map keyed by kstack or ustack with a count(), sum() or integer value, e.g. @[ustack, comm] = count(); this script has none\n"
		if code != 1 || stdout != "" || stderr != want {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", flag, code, stdout, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s wrote %s", flag, out)
		}
	}
}

// A run that sampled nothing still writes both files at exit(): a flame
// graph that says so and a profile with the map's sample type and no
// samples.
func TestPicturesOfNothing(t *testing.T) {
	needRoot(t)
	dir := t.TempDir()
	svg, pb := filepath.Join(dir, "none.svg"), filepath.Join(dir, "none.pb.gz")
	code, _, stderr := runCLI(t, "", "-q", "--flamegraph", svg, "--pprof", pb,
		"-e", "profile:hz:99 /pid == 0 && pid == 1/ { @cpu[ustack] = count(); } interval:ms:200 { exit(); }")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, err := os.ReadFile(svg)
	if err != nil || !strings.Contains(string(data), "Nothing was counted") {
		t.Errorf("SVG: %v, %d bytes without the note", err, len(data))
	}
	f, err := os.Open(pb)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	prof, err := profile.Parse(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(prof.SampleType) != 1 || prof.SampleType[0].Type != "@cpu" || len(prof.Sample) != 0 {
		t.Errorf("profile: types %v, %d samples", prof.SampleType, len(prof.Sample))
	}
}

// With --metrics, the stack maps are a flame graph and a profile at any
// moment of the run: /flamegraph.svg and /pprof on the same server.
func TestPicturesLive(t *testing.T) {
	needRoot(t)
	bin := buildCallTree(t)
	addr := testkit.FreePort(t)
	done := make(chan int, 1)
	go func() {
		code, _, stderr := runCLI(t, "", "-q", "--metrics", addr,
			"-e", "profile:hz:99 /pid == cpid/ { @[ustack, comm] = count(); } BEGIN { @n = 1; }", "-c", bin+" 3000")
		if code != 0 {
			t.Errorf("exit %d: %s", code, stderr)
		}
		done <- code
	}()
	get := func(path string) ([]byte, string, error) {
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return nil, "", err
		}
		defer resp.Body.Close()
		data, err := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusOK {
			return nil, "", fmt.Errorf("%s: %s %s", path, resp.Status, data)
		}
		return data, resp.Header.Get("Content-Type"), err
	}
	// Wait for a profile with samples of b in it.
	var prof *profile.Profile
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		data, _, err := get("/pprof")
		if err != nil {
			continue
		}
		if prof, err = profile.ParseData(data); err != nil {
			t.Fatal(err)
		}
		if len(prof.Sample) > 0 {
			break
		}
	}
	if prof == nil || len(prof.Sample) == 0 || prof.SampleType[0].Type != "@" {
		t.Fatalf("no live profile with samples: %v", prof)
	}
	// ?seconds=1 is the growth over one second: more than nothing (the
	// program burns CPU all along), at most what the totals read around
	// it grew by.
	total := func(path string) int64 {
		data, _, err := get(path)
		if err != nil {
			t.Fatal(err)
		}
		p, err := profile.ParseData(data)
		if err != nil {
			t.Fatal(err)
		}
		var n int64
		for _, s := range p.Sample {
			n += s.Value[0]
		}
		return n
	}
	first := total("/pprof")
	delta := total("/pprof?seconds=1")
	last := total("/pprof")
	if delta <= 0 || delta > last-first {
		t.Errorf("?seconds=1 has %d samples; the totals around it went from %d to %d", delta, first, last)
	}
	if _, _, err := get("/pprof?seconds=0"); err == nil || !strings.Contains(err.Error(), "400") {
		t.Errorf("?seconds=0: %v", err)
	}
	svg, ctype, err := get("/flamegraph.svg?icicle")
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "image/svg+xml" || !bytes.Contains(svg, []byte(">Icicle Graph<")) || !bytes.Contains(svg, []byte("<title>main (")) {
		t.Errorf("live flame graph: %s, %d bytes", ctype, len(svg))
	}
	<-done
}

// Ctrl-C ends a run as exit() does: the maps print, and the flame graph
// and the profile are written.
func TestPicturesOnCtrlC(t *testing.T) {
	needRoot(t)
	bin := gtraceOnPath(t)
	dir := t.TempDir()
	svg, pb := filepath.Join(dir, "int.svg"), filepath.Join(dir, "int.pb.gz")
	cmd := exec.Command(filepath.Join(bin, "gtrace"), "--flamegraph", svg, "--pprof", pb,
		"-e", "profile:hz:99 { @[kstack, comm] = count(); }")
	r := runInterrupted(t, cmd, nil)
	if !r.attached || r.code != 0 || !strings.Contains(r.stdout, "@[") {
		t.Fatalf("exit %d, attached %v\nstdout:\n%s\nstderr:\n%s", r.code, r.attached, r.stdout, r.stderr)
	}
	if fs := readSVGFrames(t, svg); len(fs) < 2 || fs[0].N == 0 {
		t.Errorf("flame graph after Ctrl-C: %d frames", len(fs))
	}
	f, err := os.Open(pb)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if prof, err := profile.Parse(f); err != nil || len(prof.Sample) == 0 {
		t.Errorf("profile after Ctrl-C: %v", err)
	}
}
