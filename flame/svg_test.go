package flame

import (
	"bytes"
	"encoding/xml"
	"io"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// svgFrame is one frame as the SVG holds it.
type svgFrame struct {
	Title string  `xml:"title"`
	S     uint64  `xml:"data-s,attr"`
	N     uint64  `xml:"data-n,attr"`
	D     int     `xml:"data-d,attr"`
	Rect  svgRect `xml:"rect"`
	Text  string  `xml:"text"`
	Class string  `xml:"class,attr"`
}

type svgRect struct {
	X     float64 `xml:"x,attr"`
	Y     float64 `xml:"y,attr"`
	Width float64 `xml:"width,attr"`
	Fill  string  `xml:"fill,attr"`
}

// ParseSVGFrames reads the frames of an SVG WriteSVG wrote: it must be
// well-formed XML.
func parseSVGFrames(t testing.TB, data []byte) []svgFrame {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(data))
	var out []svgFrame
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatalf("SVG is not well-formed XML: %v", err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "g" {
			continue
		}
		for _, a := range se.Attr {
			if a.Name.Local == "class" && a.Value == "f" {
				var f svgFrame
				if err := d.DecodeElement(&f, &se); err != nil {
					t.Fatal(err)
				}
				out = append(out, f)
			}
		}
	}
}

func TestSVGFrames(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSVG(&buf, Fold(stackMap()), Options{Subtitle: "profile:hz:99 { @[ustack] = count(); } <&>"}); err != nil {
		t.Fatal(err)
	}
	fs := parseSVGFrames(t, buf.Bytes())
	byName := map[string]svgFrame{}
	for _, f := range fs {
		name := f.Title[:strings.LastIndex(f.Title, " (")]
		byName[name] = f
	}
	all, b, c := byName["all"], byName["b"], byName["c"]
	if all.N != 9 || all.D != 0 || all.Title != "all (9 samples, 100.00%)" {
		t.Errorf("root frame: %+v", all)
	}
	if b.N != 5 || b.D != 4 || b.Title != "b (5 samples, 55.56%)" {
		t.Errorf("b: %+v", b)
	}
	// Width in proportion to the value; b above a above main (flame: the
	// deeper, the higher up, so the smaller y).
	if got, want := b.Rect.Width, 1180.0*5/9; got < want-0.1 || got > want+0.1 {
		t.Errorf("b is %.1f px wide, want %.1f", got, want)
	}
	if !(b.Rect.Y < byName["a"].Rect.Y && byName["a"].Rect.Y < byName["main"].Rect.Y) {
		t.Errorf("b, a, main not stacked upwards: %v %v %v", b.Rect.Y, byName["a"].Rect.Y, byName["main"].Rect.Y)
	}
	if c.S != 5 || byName["a"].S != 0 {
		t.Errorf("a at %d, c at %d: want 0 and 5 (sorted by name)", byName["a"].S, c.S)
	}
	if !strings.HasPrefix(byName["do_syscall_64"].Rect.Fill, "rgb(") || byName["do_syscall_64"].Rect.Fill == b.Rect.Fill {
		t.Errorf("kernel and user frames share a colour")
	}
	if !strings.Contains(buf.String(), "&lt;&amp;&gt;") {
		t.Errorf("subtitle not escaped")
	}
}

func TestSVGIcicle(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSVG(&buf, Fold(stackMap()), Options{Icicle: true}); err != nil {
		t.Fatal(err)
	}
	fs := parseSVGFrames(t, buf.Bytes())
	for i := 1; i < len(fs); i++ {
		if fs[i].D > fs[i-1].D && fs[i].Rect.Y <= fs[i-1].Rect.Y {
			t.Fatalf("icicle: callee %q not below its caller %q", fs[i].Title, fs[i-1].Title)
		}
	}
	if !strings.Contains(buf.String(), ">Icicle Graph<") {
		t.Error("no Icicle Graph title")
	}
}

// manyStacks is a map of n distinct stacks, 20 to 30 frames deep, shaped
// like a profile: the first 16 levels branch in two (stack i follows the
// bits of i), deeper frames are a chain of their own, the last five are
// kernel frames, and names come from a vocabulary of 400 functions, so a
// function shows up in many places. Values are 1 to 100.
func manyStacks(n int) []Sample {
	vocab := make([]string, 400)
	for i := range vocab {
		vocab[i] = "module::function_" + strconv.Itoa(i)
	}
	out := make([]Sample, n)
	for i := range out {
		depth := 20 + i%11
		fs := make([]Frame, depth)
		for d := range fs {
			prefix := uint64(i) >> max(16-d, 0)
			h := (prefix+1)*0x9e3779b97f4a7c15 + uint64(d)*0xbf58476d1ce4e5b9
			h ^= h >> 29
			k := KindUser
			if d >= depth-5 {
				k = KindKernel
			}
			fs[d] = Frame{Name: vocab[h%uint64(len(vocab))], Kind: k}
		}
		out[i] = Sample{Frames: fs, Value: 1 + uint64(i*7919)%100}
	}
	return out
}

// Frames below the minimum width are left out with a note saying so.
func TestSVGLeavesOutTinyFrames(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSVG(&buf, manyStacks(20000), Options{}); err != nil {
		t.Fatal(err)
	}
	fs := parseSVGFrames(t, buf.Bytes())
	for _, f := range fs {
		if f.Rect.Width < 0.1-0.05 {
			t.Fatalf("frame %q is %.2f px wide", f.Title, f.Rect.Width)
		}
	}
	m := regexp.MustCompile(`([0-9,]+) frames narrower than 0.1 px are not drawn \(([0-9.]+)% of the samples\)`).FindStringSubmatch(buf.String())
	if m == nil {
		t.Fatal("no note about the frames left out")
	}
	t.Logf("%d frames drawn, %s left out (%s%%), %d bytes", len(fs), m[1], m[2], buf.Len())
}

func TestFitName(t *testing.T) {
	for _, c := range []struct {
		name  string
		width float64
		want  string
	}{
		{"main", 100, "main"},
		{"a_long_function_name", 60, "a_lon.."},
		{"main", 10, ""},
		{"héllo_world", 45, "hé.."},
		{"héllo_world", 35, "h.."}, // not inside the é,
	} {
		if got := fitName(c.name, c.width); got != c.want {
			t.Errorf("fitName(%q, %v) = %q, want %q", c.name, c.width, got, c.want)
		}
	}
}

// manyStackMap is manyStacks as the map a run reads:
// @[kstack, ustack, comm] = count(), n entries.
func manyStackMap(n int) *output.Map {
	m := &output.Map{Name: "@", Kind: lang.KindCount}
	for _, s := range manyStacks(n) {
		var user, kernel []output.Frame
		for i := len(s.Frames) - 1; i >= 0; i-- { // innermost first
			f := output.Frame{Addr: 0x401000 + uint64(i), Sym: s.Frames[i].Name, Off: uint64(i)}
			if s.Frames[i].Kind == KindKernel {
				kernel = append(kernel, f)
			} else {
				user = append(user, f)
			}
		}
		m.Entries = append(m.Entries, output.Entry{
			Key:   []output.Value{output.KStack(output.StackBpftrace, kernel...), output.UStack(output.StackBpftrace, user...), output.Str("app")},
			Value: output.Count(s.Value),
		})
	}
	return m
}

// BenchmarkFlameGraph50k is the time from a 50k-stack map, as read at the
// end of a run, to its SVG: folding, merging, laying out and writing.
// Besides wall time it reports the CPU time of the process per graph
// (garbage collection included), which a busy machine disturbs less.
func BenchmarkFlameGraph50k(b *testing.B) {
	ms := []*output.Map{manyStackMap(50000)}
	var n int
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	for b.Loop() {
		var buf bytes.Buffer
		if err := WriteSVG(&buf, FoldAll(ms), Options{}); err != nil {
			b.Fatal(err)
		}
		n = buf.Len()
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := time.Duration(after.Utime.Nano() + after.Stime.Nano() - before.Utime.Nano() - before.Stime.Nano())
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(n), "bytes")
}

// Past MaxFrames the minimum width doubles until the frames fit, and the
// note gives the width used.
func TestSVGMaxFrames(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteSVG(&buf, manyStacks(20000), Options{MaxFrames: 5000}); err != nil {
		t.Fatal(err)
	}
	fs := parseSVGFrames(t, buf.Bytes())
	if len(fs) > 5000 || len(fs) < 1000 {
		t.Errorf("%d frames drawn, want at most 5000 (and not far fewer)", len(fs))
	}
	m := regexp.MustCompile(`frames narrower than ([0-9.]+) px are not drawn`).FindStringSubmatch(buf.String())
	if m == nil || m[1] == "0.1" {
		t.Errorf("note: %v", m)
	}
	t.Logf("%d frames, minimum width %s px", len(fs), m[1])
}

// Names with bytes that are not UTF-8 (a comm can hold any) and control
// characters still make a well-formed SVG.
func TestSVGHostileNames(t *testing.T) {
	ss := []Sample{{Frames: []Frame{{Name: "bad\xff\xfe comm\x01", Kind: KindKey}, {Name: "f<T>&\"x\"", Kind: KindUser}, {Name: "caf\xc3\xa9", Kind: KindUser}}, Value: 3}}
	var buf bytes.Buffer
	if err := WriteSVG(&buf, ss, Options{Subtitle: "-e 'cut in the middle \xe2\x82'"}); err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(buf.Bytes()) {
		t.Error("the SVG is not UTF-8")
	}
	fs := parseSVGFrames(t, buf.Bytes())
	if len(fs) != 4 || !strings.HasPrefix(fs[1].Title, "bad\uFFFD\uFFFD comm ") || !strings.HasPrefix(fs[2].Title, "f<T>&\"x\" (") || !strings.HasPrefix(fs[3].Title, "café (") {
		t.Errorf("frames %+v", fs)
	}
}
