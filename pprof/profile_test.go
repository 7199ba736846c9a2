package pprof

import (
	"bytes"
	"errors"
	"testing"

	"github.com/google/pprof/profile"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// Two maps keyed by stacks become two sample types; the profile written
// reads back with the library with every frame, address and mapping.
func TestProfileRoundTrip(t *testing.T) {
	bin := &output.Mapping{Start: 0x400000, Limit: 0x401000, File: "/nonexistent/prog", BuildID: "abcdef"}
	kernel := &output.Mapping{File: "[kernel.kallsyms]", BuildID: "123456"}
	uf := func(sym string, addr uint64) output.Frame {
		return output.Frame{Addr: addr, Sym: sym, Module: bin.File, Mapping: bin}
	}
	cpu := &output.Map{Name: "@cpu", Kind: lang.KindCount, Entries: []output.Entry{
		{Key: []output.Value{output.UStack(output.StackBpftrace, uf("b", 0x400130), uf("a", 0x400120), uf("main", 0x400110)), output.Str("prog")}, Value: output.Count(30)},
		{Key: []output.Value{output.UStack(output.StackBpftrace, uf("c", 0x400140), uf("main", 0x400114)), output.Str("prog")}, Value: output.Count(10)},
	}}
	io := &output.Map{Name: "@io", Kind: lang.KindSum, Entries: []output.Entry{
		{Key: []output.Value{output.KStack(output.StackBpftrace,
			output.Frame{Addr: 0xffffffff81000010, Sym: "vfs_read", Mapping: kernel},
			output.Frame{Addr: 0xffffffff81000020, Sym: "do_syscall_64", Mapping: kernel})}, Value: output.Sum(4096, false)},
	}}
	plain := &output.Map{Name: "@n", Kind: lang.KindCount, Entries: []output.Entry{{Key: []output.Value{output.Str("x")}, Value: output.Count(1)}}}

	var buf bytes.Buffer
	if err := Write(&buf, []*output.Map{cpu, io, plain}, Options{Comments: []string{"gtrace test"}}); err != nil {
		t.Fatal(err)
	}
	p, err := profile.Parse(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.SampleType) != 2 || p.SampleType[0].Type != "@cpu" || p.SampleType[0].Unit != "count" || p.SampleType[1].Type != "@io" {
		t.Fatalf("sample types %v", p.SampleType)
	}
	want := map[string][2]int64{
		"prog;main;a;b":          {30, 0},
		"prog;main;c":            {10, 0},
		"do_syscall_64;vfs_read": {0, 4096},
	}
	for _, s := range p.Sample {
		path := ""
		for i := len(s.Location) - 1; i >= 0; i-- {
			if path != "" {
				path += ";"
			}
			path += s.Location[i].Line[0].Function.Name
		}
		w, ok := want[path]
		if !ok || s.Value[0] != w[0] || s.Value[1] != w[1] {
			t.Errorf("sample %s = %v", path, s.Value)
		}
		delete(want, path)
	}
	if len(want) > 0 {
		t.Errorf("samples missing: %v", want)
	}
	// main has one function but two locations (two addresses).
	var mains, mainFuncs int
	for _, l := range p.Location {
		if l.Line[0].Function.Name == "main" {
			mains++
			if l.Mapping == nil || l.Mapping.File != bin.File || l.Mapping.BuildID != "abcdef" || !l.Mapping.HasFunctions {
				t.Errorf("main's mapping: %+v", l.Mapping)
			}
		}
	}
	for _, f := range p.Function {
		if f.Name == "main" {
			mainFuncs++
		}
	}
	if mains != 2 || mainFuncs != 1 {
		t.Errorf("main: %d locations, %d functions; want 2 and 1", mains, mainFuncs)
	}
	// The program's binary comes first: pprof reports it as the file.
	if p.Mapping[0].File != bin.File {
		t.Errorf("first mapping %s", p.Mapping[0].File)
	}
	if len(p.Comments) != 1 || p.Comments[0] != "gtrace test" {
		t.Errorf("comments %q", p.Comments)
	}
}

func TestProfileNeedsStacks(t *testing.T) {
	plain := &output.Map{Name: "@n", Kind: lang.KindCount, Entries: []output.Entry{{Key: []output.Value{output.Str("x")}, Value: output.Count(1)}}}
	if _, err := Build([]*output.Map{plain}, Options{}); !errors.Is(err, ErrNoStacks) {
		t.Errorf("Build without stacks: %v", err)
	}
}
