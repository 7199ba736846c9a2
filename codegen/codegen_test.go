package codegen

import (
	"bytes"
	"encoding/binary"
	"errors"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/gtrace/gtrace/internal/testkit"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/maps"
	"github.com/gtrace/gtrace/output"
)

// compileSrc parses, checks and compiles a script with BEGIN/END probes.
func compileSrc(t testing.TB, src string, params ...string) *Program {
	t.Helper()
	s := lang.Source{Name: "stdin", Text: src}
	prog, diags := parse.Parse(s, parse.Options{Params: params})
	if diags.HasErrors() {
		t.Fatalf("parse: %v", diags)
	}
	info, diags := sema.Check(prog, sema.Options{Params: params})
	if diags.HasErrors() {
		t.Fatalf("check: %v", diags)
	}
	p, err := Compile(prog, info, nil, Options{Source: s, Params: params, NumCPU: 4})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return p
}

// run is the outcome of running a script's BEGIN and END in the kernel.
type run struct {
	prog   *Program
	coll   *ebpf.Collection
	events [][]byte
	out    string // printf events rendered
}

// needRoot is the suite's one root check.
var needRoot = testkit.NeedRoot

// runBegin loads the script and runs its BEGIN then END programs through
// BPF_PROG_TEST_RUN, then drains the ring buffer.
func runBegin(t testing.TB, src string, params ...string) *run {
	t.Helper()
	needRoot(t)
	p := compileSrc(t, src, params...)
	coll, err := ebpf.NewCollection(p.Spec)
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			t.Fatalf("load: %+v\n%s", ve, dump(p))
		}
		t.Fatalf("load: %v", err)
	}
	t.Cleanup(func() { coll.Close() })
	rd, err := ringbuf.NewReader(coll.Maps[EventsMap])
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	r := &run{prog: p, coll: coll}
	for _, want := range []lang.Provider{lang.Begin, lang.End} {
		for _, pr := range p.Probes {
			if pr.Provider != want {
				continue
			}
			if _, err := coll.Programs[pr.Program].Run(&ebpf.RunOptions{Context: make([]byte, 8)}); err != nil {
				t.Fatalf("run %s: %v", pr.Program, err)
			}
		}
	}
	rd.SetDeadline(time.Now().Add(50 * time.Millisecond))
	var sb strings.Builder
	for {
		rec, err := rd.Read()
		if err != nil {
			break
		}
		r.events = append(r.events, rec.RawSample)
		id := binary.LittleEndian.Uint64(rec.RawSample)
		a := p.Actions[id]
		if a.Kind == ActPrintf {
			var args []output.Value
			for _, arg := range a.Args {
				args = append(args, maps.Decode(arg.Type, rec.RawSample[arg.Offset:]))
			}
			output.Format(&sb, formatText(a), args)
		}
	}
	r.out = sb.String()
	return r
}

func formatText(a *Action) string {
	var b strings.Builder
	for _, s := range a.Format {
		b.WriteString(s.Text)
	}
	return b.String()
}

func dump(p *Program) string {
	var b bytes.Buffer
	p.Dump(&b)
	return b.String()
}

// mapText reads a map and renders its entries "key: value" sorted by key
// text, one per line (a test rendering, not bpftrace's).
func (r *run) mapText(t testing.TB, name string) string {
	t.Helper()
	d := r.prog.Maps[name]
	m, err := maps.Read(r.coll.Maps[d.SpecName()], d)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range m.Entries {
		var b bytes.Buffer
		for i, k := range e.Key {
			if i > 0 {
				b.WriteString(",")
			}
			b.WriteString(valueText(k))
		}
		b.WriteString(": ")
		b.WriteString(valueText(e.Value))
		lines = append(lines, b.String())
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

func valueText(v output.Value) string {
	var b bytes.Buffer
	switch v.Kind {
	case lang.KindStr:
		return v.Str
	case lang.KindAvg, lang.KindStats:
		output.Format(&b, "%d/%d", []output.Value{output.Uint(v.Int), output.Int(v.Total)})
		return b.String()
	case lang.KindHist, lang.KindLhist:
		var parts []string
		for i, c := range v.Hist.Buckets {
			if c != 0 {
				var x bytes.Buffer
				output.Format(&x, "%d=%d", []output.Value{output.Int(int64(i)), output.Uint(c)})
				parts = append(parts, x.String())
			}
		}
		return strings.Join(parts, " ")
	case lang.KindTuple:
		var parts []string
		for _, e := range v.Elems {
			parts = append(parts, valueText(e))
		}
		return "(" + strings.Join(parts, ",") + ")"
	}
	if v.Signed || v.Kind == lang.KindMin || v.Kind == lang.KindMax {
		output.Format(&b, "%d", []output.Value{output.Int(int64(v.Int))})
	} else {
		output.Format(&b, "%u", []output.Value{output.Uint(v.Int)})
	}
	return b.String()
}
