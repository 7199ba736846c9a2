package flame

import (
	"bytes"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

func fr(sym string) output.Frame { return output.Frame{Addr: 0x1000, Sym: sym, Off: 4} }

// stackMap is @[kstack, ustack, comm] = count() with two entries whose
// stacks differ only in offsets, and one with an unresolved user frame.
func stackMap() *output.Map {
	entry := func(comm string, n uint64, k, u []output.Frame) output.Entry {
		return output.Entry{
			Key:   []output.Value{output.KStack(output.StackBpftrace, k...), output.UStack(output.StackBpftrace, u...), output.Str(comm)},
			Value: output.Count(n),
		}
	}
	leaf := fr("b")
	leaf.Off = 9
	return &output.Map{Name: "@", Kind: lang.KindCount, Entries: []output.Entry{
		entry("prog", 3, nil, []output.Frame{fr("b"), fr("a"), fr("main")}),
		entry("prog", 2, nil, []output.Frame{leaf, fr("a"), fr("main")}),
		entry("prog", 4, []output.Frame{fr("do_syscall_64"), fr("entry_SYSCALL_64")},
			[]output.Frame{{Addr: 0x7f00, Module: "/usr/lib/libc.so.6"}, fr("c"), fr("main")}),
		entry("prog", 0, nil, []output.Frame{fr("zero")}),
	}}
}

func TestFoldedLines(t *testing.T) {
	got := string(AppendFolded(nil, Fold(stackMap())))
	want := "prog;main;a;b 5\n" +
		"prog;main;c;[libc.so.6];entry_SYSCALL_64;do_syscall_64 4\n"
	if got != want {
		t.Errorf("folded:\n%s\nwant:\n%s", got, want)
	}
}

func TestFoldedKinds(t *testing.T) {
	ss := Fold(stackMap())
	kinds := map[string]Kind{}
	for _, s := range ss {
		for _, f := range s.Frames {
			kinds[f.Name] = f.Kind
		}
	}
	for name, want := range map[string]Kind{"prog": KindKey, "main": KindUser, "[libc.so.6]": KindUser, "do_syscall_64": KindKernel} {
		if kinds[name] != want {
			t.Errorf("kind of %s = %d, want %d", name, kinds[name], want)
		}
	}
}

func TestFoldableRule(t *testing.T) {
	for _, c := range []struct {
		keys  []lang.Kind
		value lang.Kind
		want  bool
	}{
		{[]lang.Kind{lang.KindKStack}, lang.KindCount, true},
		{[]lang.Kind{lang.KindStr, lang.KindUStack}, lang.KindSum, true},
		{[]lang.Kind{lang.KindUStack}, lang.KindInt, true},
		{[]lang.Kind{lang.KindStr}, lang.KindCount, false},
		{[]lang.Kind{lang.KindKStack}, lang.KindHist, false},
		{[]lang.Kind{lang.KindKStack}, lang.KindAvg, false},
	} {
		if got := Foldable(c.keys, c.value); got != c.want {
			t.Errorf("Foldable(%v, %v) = %v", c.keys, c.value, got)
		}
	}
}

// Several stack maps print with their names as root frames; a map without
// stacks prints as text; the Attaching line goes to the messages.
func TestFoldedRenderer(t *testing.T) {
	var out, msg bytes.Buffer
	f := NewFolded(&out, &msg)
	if err := f.AttachedProbes(1); err != nil {
		t.Fatal(err)
	}
	other := stackMap()
	other.Name = "@other"
	other.Entries = other.Entries[:1]
	plain := &output.Map{Name: "@n", Kind: lang.KindCount, Entries: []output.Entry{{Key: []output.Value{output.Str("x")}, Value: output.Count(7)}}}
	if err := f.Exit([]*output.Map{plain, other, stackMap()}); err != nil {
		t.Fatal(err)
	}
	want := "@;prog;main;a;b 5\n" +
		"@;prog;main;c;[libc.so.6];entry_SYSCALL_64;do_syscall_64 4\n" +
		"@n[x]: 7\n" +
		"@other;prog;main;a;b 3\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
	if msg.String() != "Attaching 1 probe...\n" {
		t.Errorf("messages: %q", msg.String())
	}
	out.Reset()
	if err := f.Map(stackMap(), 1, 2); err != nil {
		t.Fatal(err)
	}
	if want := "prog;main;c;[libc.so.6];entry_SYSCALL_64;do_syscall_64 2\n"; out.String() != want {
		t.Errorf("print(@, 1, 2) = %q, want %q", out.String(), want)
	}
}

func TestFrameNames(t *testing.T) {
	for _, c := range []struct {
		f    output.Frame
		want string
	}{
		{output.Frame{Sym: "ns::f(int)", Off: 3}, "ns::f(int)"},
		{output.Frame{Addr: 0x7f00, Module: "/usr/lib/libz.so.1"}, "[libz.so.1]"},
		{output.Frame{Addr: 0x7f00, Module: "[vdso]"}, "[vdso]"},
		{output.Frame{Addr: 0xffff1234}, "0xffff1234"},
		{output.Frame{Sym: "a;b\nc"}, "a:b c"},
	} {
		if got := frameName(&c.f); got != c.want {
			t.Errorf("frameName(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
}

func TestFoldedEmptyStack(t *testing.T) {
	m := &output.Map{Name: "@", Kind: lang.KindCount, Entries: []output.Entry{
		{Key: []output.Value{output.KStack(output.StackBpftrace)}, Value: output.Count(3)},
		{Key: []output.Value{output.KStack(output.StackBpftrace, fr("vfs_read"))}, Value: output.Count(2)},
	}}
	if got, want := string(AppendFolded(nil, Fold(m))), "[empty stack] 3\nvfs_read 2\n"; got != want {
		t.Errorf("folded %q, want %q", got, want)
	}
}
