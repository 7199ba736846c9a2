package sema_test

import (
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/sema"
)

// mapWant is the expected key and value type of a map, as rendered by
// lang.Type.String ("" key: scalar map).
type mapWant struct{ key, value string }

func TestValidMaps(t *testing.T) {
	tests := []struct {
		src  string
		maps map[string]mapWant
	}{
		{`BEGIN { @x = 1; }`, map[string]mapWant{"x": {"", "int64"}}},
		{`BEGIN { @ = pid; }`, map[string]mapWant{"": {"", "unsigned int64"}}},
		{`BEGIN { @x[pid] = count(); }`, map[string]mapWant{"x": {"unsigned int64", "count"}}},
		{`BEGIN { @x[comm, pid] = sum(1); }`, map[string]mapWant{"x": {"(string[16],unsigned int64)", "sum"}}},
		{`BEGIN { @s["a"] = 1; @s["abcdef"] = 2; }`, map[string]mapWant{"s": {"string[7]", "int64"}}},
		{`BEGIN { @v = "a"; @v = "abcd"; }`, map[string]mapWant{"v": {"", "string[5]"}}},
		{`BEGIN { @h = hist(5); @l[tid] = lhist(5, 0, 100, 10); }`, map[string]mapWant{"h": {"", "hist"}, "l": {"unsigned int64", "lhist"}}},
		{`BEGIN { @t = (1, "ab"); @t = (2, "abc"); }`, map[string]mapWant{"t": {"", "(int64,string[4])"}}},
		{`BEGIN { @a = avg(1); @b = stats(2); @c = min(-1); @d = max(1); }`, map[string]mapWant{
			"a": {"", "avg"}, "b": {"", "stats"}, "c": {"", "min"}, "d": {"", "max"}}},
		{`BEGIN { @k[kstack] = count(); @u[ustack(perf, 3)] = count(); }`, map[string]mapWant{
			"k": {"kstack", "count"}, "u": {"ustack", "count"}}},
		// A map read before (in source order) its only assignment.
		{`BEGIN { if (@start[tid]) { @x = 1; } } END { @start[tid] = nsecs; }`, map[string]mapWant{
			"start": {"unsigned int64", "unsigned int64"}, "x": {"", "int64"}}},
		// @d[1] += 5 is @d[1] = @d[1] + 5 with @d untyped: unsigned in bpftrace 0.17.
		{`BEGIN { @c++; @d[1] += 5; }`, map[string]mapWant{"c": {"", "int64"}, "d": {"int64", "unsigned int64"}}},
		{`tracepoint:syscalls:sys_enter_openat { @f[str(args->filename)] = count(); }`, map[string]mapWant{
			"f": {"string[64]", "count"}}},
		{`tracepoint:syscalls:sys_enter_openat { @f[args.dfd] = count(); }`, map[string]mapWant{
			"f": {"int64", "count"}}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			_, info, errs := checkSrc(t, tt.src, sema.Options{})
			if len(errs) > 0 {
				t.Fatalf("unexpected diagnostics:\n%s", render(tt.src, errs))
			}
			if len(info.Maps) != len(tt.maps) {
				t.Errorf("got %d maps, want %d", len(info.Maps), len(tt.maps))
			}
			for name, want := range tt.maps {
				mi := info.Maps[name]
				if mi == nil {
					t.Errorf("map @%s missing", name)
					continue
				}
				key := ""
				if mi.Key != nil {
					key = mi.Key.String()
				}
				if key != want.key || mi.Value.String() != want.value {
					t.Errorf("@%s: key %q value %q, want key %q value %q", name, key, mi.Value, want.key, want.value)
				}
			}
		})
	}
}

func TestValidExprTypes(t *testing.T) {
	tests := []struct {
		src   string
		pick  func(lang.Expr) bool
		typ   string
		konst *int64
	}{
		{`BEGIN { $x = 1 + 2 * 3; }`, isBinary("+"), "int64", ptr(7)},
		{`BEGIN { $x = 18446744073709551615; }`, isKind[*lang.IntLit], "unsigned int64", ptr(-1)},
		{`BEGIN { $x = "abc"; }`, isKind[*lang.StrLit], "string[4]", nil},
		{`BEGIN { $x = comm; }`, isKind[*lang.Builtin], "string[16]", nil},
		{`BEGIN { $x = pid; }`, isKind[*lang.Builtin], "unsigned int32", nil},
		{`BEGIN { $x = nsecs; }`, isKind[*lang.Builtin], "unsigned int64", nil},
		{`BEGIN { $x = (uint8)300; }`, isKind[*lang.Cast], "unsigned int8", ptr(44)},
		{`BEGIN { $x = (int8)255; }`, isKind[*lang.Cast], "int8", ptr(-1)},
		{`BEGIN { $x = sizeof(uint32); }`, isKind[*lang.Sizeof], "unsigned int64", ptr(4)},
		{`BEGIN { $x = sizeof(struct task_struct); }`, isKind[*lang.Sizeof], "unsigned int64", ptr(64)},
		{`BEGIN { $x = offsetof(struct task_struct, comm); }`, isKind[*lang.Offsetof], "unsigned int64", ptr(8)},
		{`BEGIN { $x = $1 + 1; }`, isBinary("+"), "int64", ptr(43)},
		{`BEGIN { $x = $#; }`, isKind[*lang.Positional], "int64", ptr(2)},
		{`BEGIN { $x = str($2); }`, isKind[*lang.Call], "string[4]", nil},
		{`BEGIN { $x = str(0); }`, isKind[*lang.Call], "string[64]", nil},
		{`BEGIN { $x = str(0, 8); }`, isKind[*lang.Call], "string[9]", nil},
		// bpftrace 0.17 divides unsigned: (2^64-5)/2.
		{`BEGIN { $x = -5 / 2; }`, isBinary("/"), "int64", ptr(9223372036854775805)},
		{`BEGIN { $x = 1 << 4 | 1; }`, isBinary("|"), "int64", ptr(17)},
		{`BEGIN { $x = 1 < 2 && 3 != 3; }`, isBinary("&&"), "int64", ptr(0)},
		{`BEGIN { $x = (1, "a", comm); }`, isKind[*lang.Tuple], "(int64,string[2],string[16])", nil},
		{`BEGIN { $t = (1, "a"); $x = $t.1; }`, isKind[*lang.TupleIndex], "string[2]", nil},
		{`BEGIN { $x = curtask->real_parent->pid; }`, isField("pid"), "int32", nil},
		{`BEGIN { $x = curtask.comm; }`, isField("comm"), "string[16]", nil},
		{`BEGIN { $x = kstack(perf, 5); }`, isKind[*lang.Call], "kstack", nil},
		{`BEGIN { $x = ksym(0); }`, isKind[*lang.Call], "ksym", nil},
		{`BEGIN { $x = ntop(2, 0); }`, isKind[*lang.Call], "inet", nil},
		{`BEGIN { $x = pton("::1"); }`, isKind[*lang.Call], "unsigned int8[16]", nil},
		{`BEGIN { $x = 1 ? "a" : "abc"; }`, isKind[*lang.Ternary], "string[4]", nil},
		{`uretprobe:/bin/sh:main { $x = retval; }`, isKind[*lang.Builtin], "unsigned int64", nil},
		{`kprobe:vfs_read { $x = func; }`, isKind[*lang.Builtin], "ksym", nil},
		{`uprobe:/bin/sh:main { $x = func; }`, isKind[*lang.Builtin], "usym", nil},
		{`tracepoint:syscalls:sys_enter_read { $x = args->count; }`, isField("count"), "unsigned int64", nil},
		{`tracepoint:syscalls:sys_enter_open* { $x = args.filename; }`, isField("filename"), "int8 *", nil},
		{`tracepoint:sched:sched_switch { $x = args->next_comm; }`, isField("next_comm"), "string[16]", nil},
		{`struct foo { int a; char b; long c; }; BEGIN { $x = sizeof(struct foo); }`, isKind[*lang.Sizeof], "unsigned int64", ptr(16)},
		{`enum color { RED, GREEN = 5, BLUE }; BEGIN { $x = BLUE; }`, isKind[*lang.Ident], "int64", ptr(6)},
		{`BEGIN { @m[1, "a"] = 1; for ($kv : @m) { $x = $kv; } }`, isVar("x"), "((int64,string[2]),int64)", nil},
		{`BEGIN { for ($i : 0..10) { $x = $i; } }`, isVar("x"), "int64", nil},
		{`BEGIN { @c = count(); $x = @c; }`, isMap("c", 1), "unsigned int64", nil},
		{`BEGIN { @m[1] = 1; $x = has_key(@m, 1); }`, isKind[*lang.Call], "bool", nil},
		{`BEGIN { let $x: uint16 = 5; $y = $x; }`, isVar("y"), "unsigned int16", nil},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			p, info, errs := checkSrc(t, tt.src, sema.Options{Params: []string{"42", "abc"}})
			if len(errs) > 0 {
				t.Fatalf("unexpected diagnostics:\n%s", render(tt.src, errs))
			}
			e := exprOf(p, tt.pick)
			if e == nil {
				t.Fatal("expression not found")
			}
			if got := info.Types[e].String(); got != tt.typ {
				t.Errorf("type %s, want %s", got, tt.typ)
			}
			v, ok := info.Consts[e]
			switch {
			case tt.konst == nil && ok:
				t.Errorf("unexpected constant %d", v)
			case tt.konst != nil && !ok:
				t.Errorf("not folded, want %d", *tt.konst)
			case tt.konst != nil && v != *tt.konst:
				t.Errorf("constant %d, want %d", v, *tt.konst)
			}
		})
	}
}

func ptr(v int64) *int64 { return &v }

func isKind[T lang.Expr](e lang.Expr) bool { _, ok := e.(T); return ok }

func isBinary(op string) func(lang.Expr) bool {
	return func(e lang.Expr) bool { b, ok := e.(*lang.Binary); return ok && b.Op.String() == op }
}

func isField(name string) func(lang.Expr) bool {
	return func(e lang.Expr) bool { f, ok := e.(*lang.Field); return ok && f.Name == name }
}

// isVar picks the first use of $name (its first assignment target).
func isVar(name string) func(lang.Expr) bool {
	return func(e lang.Expr) bool { v, ok := e.(*lang.Var); return ok && v.Name == name }
}

// isMap picks the n-th (0-based) reference to @name.
func isMap(name string, n int) func(lang.Expr) bool {
	seen := 0
	return func(e lang.Expr) bool {
		m, ok := e.(*lang.Map)
		if !ok || m.Name != name {
			return false
		}
		seen++
		return seen == n+1
	}
}

func TestProbeInfo(t *testing.T) {
	src := `tracepoint:syscalls:sys_enter_open*, kprobe:vfs_read { $a = pid; $b = comm; } BEGIN { printf("%s %d\n", comm, 1); }`
	_, info, errs := checkSrc(t, src, sema.Options{})
	if len(errs) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", render(src, errs))
	}
	if len(info.Probes) != 2 {
		t.Fatalf("got %d probes", len(info.Probes))
	}
	p0 := info.Probes[0]
	if len(p0.Providers) != 2 || p0.Providers[0] != lang.Tracepoint || p0.Providers[1] != lang.Kprobe {
		t.Errorf("providers %v", p0.Providers)
	}
	if got := p0.Tracepoints[0]; len(got) != 2 || got[0] != "syscalls:sys_enter_open" || got[1] != "syscalls:sys_enter_openat" {
		t.Errorf("tracepoints %v", got)
	}
	if !p0.Builtins["pid"] || !p0.Builtins["comm"] || len(p0.Builtins) != 2 {
		t.Errorf("builtins %v", p0.Builtins)
	}
	if p0.Vars["a"].String() != "unsigned int32" || p0.Vars["b"].String() != "string[16]" {
		t.Errorf("vars %v", p0.Vars)
	}
	if len(info.Formats) != 1 {
		t.Errorf("formats %v", info.Formats)
	}
	for _, segs := range info.Formats {
		if len(lang.Conversions(segs)) != 2 {
			t.Errorf("format segments %+v", segs)
		}
	}
}

func TestStructLayout(t *testing.T) {
	src := `struct s { char a; int b; short c; char name[6]; long d; unsigned int f1:3; unsigned int f2:30; struct s *next; };
union u { char a; long b; int c[3]; };
BEGIN { $x = (struct s *)0; $y = (union u *)0; }`
	_, info, errs := checkSrc(t, src, sema.Options{})
	if len(errs) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", render(src, errs))
	}
	s := info.Structs["struct s"]
	if s == nil {
		t.Fatal("struct s missing")
	}
	want := map[string][3]int{ // offset, bit offset, bit size
		"a": {0, 0, 0}, "b": {4, 0, 0}, "c": {8, 0, 0}, "name": {10, 0, 0}, "d": {16, 0, 0},
		"f1": {24, 0, 3}, "f2": {28, 0, 30}, "next": {32, 0, 0},
	}
	for name, w := range want {
		m := s.Member(name)
		if m == nil {
			t.Errorf("member %s missing", name)
			continue
		}
		if got := [3]int{m.Offset, m.BitOff, m.BitSize}; got != w {
			t.Errorf("%s: offset/bitoff/bits %v, want %v", name, got, w)
		}
	}
	if s.Size != 40 {
		t.Errorf("sizeof(struct s) = %d, want 40", s.Size)
	}
	if got := s.Member("name").Type.String(); got != "string[6]" {
		t.Errorf("char[6] member typed %s", got)
	}
	if u := info.Structs["union u"]; u == nil || u.Size != 16 {
		t.Errorf("union u: %+v", u)
	}
}

func TestNoKernelIsLenient(t *testing.T) {
	src := `tracepoint:sched:sched_foo* { @[args->anything] = count(); $t = curtask->whatever; }`
	_, info, errs := checkSrc(t, src, sema.Options{Env: sema.NoKernel})
	if len(errs) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", render(src, errs))
	}
	if k := info.Maps[""].Key.String(); k != "unsigned int64" {
		t.Errorf("key %s", k)
	}
}

func TestUnsafeOption(t *testing.T) {
	src := `kprobe:f { system("echo %d", pid); signal("SIGKILL"); }`
	if _, _, errs := checkSrc(t, src, sema.Options{Unsafe: true}); len(errs) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", render(src, errs))
	}
}

func TestMultipleBeginEnd(t *testing.T) {
	src := `BEGIN { @a = 1; } BEGIN { @b = 2; } END { @c = 3; } END { clear(@a); }`
	if _, _, errs := checkSrc(t, src, sema.Options{}); len(errs) > 0 {
		t.Fatalf("unexpected diagnostics:\n%s", render(src, errs))
	}
}

// TestHandBuiltConfig checks a config value that the parser would not
// produce (a builtin): the checker must report it, not crash.
func TestHandBuiltConfig(t *testing.T) {
	p := &lang.Program{Config: &lang.Config{Entries: []*lang.ConfigEntry{
		{Key: "max_strlen", Value: &lang.Builtin{Name: "pid"}},
		{Key: "stack_mode", Value: &lang.Ident{Name: "perf"}},
	}}}
	info, errs := sema.Check(p, sema.Options{})
	if len(errs) != 1 || !strings.Contains(errs[0].Msg, "max_strlen") {
		t.Errorf("diagnostics %v", errs)
	}
	if info.Config["stack_mode"] == nil {
		t.Error("stack_mode not recorded")
	}
}
