package output

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/gtrace/gtrace/lang"
)

func histLabel(i, k int) string { return string(appendHistRowLabel(nil, i, k)) }

func TestHistLabelsV017(t *testing.T) {
	for i, want := range map[int]string{
		0: "(..., 0)", 1: "[0]", 2: "[1]", 3: "[2, 4)", 4: "[4, 8)",
		11: "[512, 1K)", 12: "[1K, 2K)", 21: "[512K, 1M)", 22: "[1M, 2M)",
		32: "[1G, 2G)", 33: "[2G, 4G)", 42: "[1T, 2T)", 51: "[512T, 1024T)",
		// v0.17 has no P or E: the top bucket [2^62, 2^63) stays in T.
		52: "[1024T, 2048T)", 64: "[4194304T, 8388608T)",
	} {
		if got := histLabel(i, 0); got != want {
			t.Errorf("bucket %d: got %q, want %q", i, got, want)
		}
	}
}

func TestHistLabelsFine(t *testing.T) {
	// hist(x, k) labels as bpftrace v0.26 prints them.
	for _, c := range []struct {
		k, i int
		want string
	}{
		{1, 1, "[0]"}, {1, 4, "[3]"}, {1, 5, "[4, 6)"}, {1, 6, "[6, 8)"}, {1, 7, "[8, 12)"},
		{2, 8, "[7]"}, {2, 9, "[8, 10)"}, {2, 10, "[10, 12)"}, {2, 11, "[12, 14)"}, {2, 13, "[16, 20)"},
		// v0.26 only adds a suffix for whole powers of 1024 in the power
		// part: 1024 = 2^7 * 8 prints plainly with k = 3.
		{3, HistIndex(1024, 3), "[1024, 1152)"}, {3, HistIndex(1<<20+1, 3), "[1024K, 1152K)"},
		{5, HistBuckets(5) - 1, "[8064P, 8192P)"},
	} {
		if got := histLabel(c.i, c.k); got != c.want {
			t.Errorf("k=%d bucket %d: got %q, want %q", c.k, c.i, got, c.want)
		}
	}
}

func TestHistIndex(t *testing.T) {
	for _, c := range []struct {
		v    int64
		k    int
		want int
	}{
		{math.MinInt64, 0, 0}, {-1, 0, 0}, {0, 0, 1}, {1, 0, 2}, {2, 0, 3}, {3, 0, 3}, {4, 0, 4},
		{1023, 0, 11}, {1024, 0, 12}, {math.MaxInt64, 0, 64},
		{0, 2, 1}, {7, 2, 8}, {8, 2, 9}, {9, 2, 9}, {10, 2, 10}, {11, 2, 10}, {16, 2, 13},
		{math.MaxInt64, 5, HistBuckets(5) - 1},
	} {
		if got := HistIndex(c.v, c.k); got != c.want {
			t.Errorf("HistIndex(%d, %d) = %d, want %d", c.v, c.k, got, c.want)
		}
	}
	if HistBuckets(0) != 65 {
		t.Errorf("hist(x) has %d buckets, want 65", HistBuckets(0))
	}
}

func TestLhistLabels(t *testing.T) {
	for _, c := range []struct {
		min, max, step int64
		i              int
		want           string
	}{
		{0, 100, 10, 0, "(..., 0)"}, {0, 100, 10, 1, "[0, 10)"}, {0, 100, 10, 11, "[100, ...)"},
		{0, 8192, 1024, 2, "[1K, 2K)"}, {0, 8192, 1024, 9, "[8K, ...)"},
		{1 << 20, 4 << 20, 1 << 20, 0, "(..., 1M)"}, {1 << 20, 4 << 20, 1 << 20, 2, "[2M, 3M)"},
		// v0.17 uses a suffix whenever a bound is a multiple of 1024.
		{1000, 3072, 512, 3, "[2024, 2536)"}, {0, 3072, 512, 3, "[1K, 1536)"},
		{0, 25, 10, 3, "[25, ...)"},
	} {
		h := &Hist{Min: c.min, Max: c.max, Step: c.step}
		if got := string(appendLhistRowLabel(nil, h, c.i)); got != c.want {
			t.Errorf("lhist(%d,%d,%d) bucket %d: got %q, want %q", c.min, c.max, c.step, c.i, got, c.want)
		}
	}
	if got := LhistIndex(24, 0, 25, 10); got != 3 {
		t.Errorf("LhistIndex(24, 0, 25, 10) = %d, want the overflow bucket 3", got)
	}
}

func TestBarWidth(t *testing.T) {
	for _, c := range []struct {
		n, max uint64
		want   int
	}{
		{1, 2, 26}, {13, 13, 52}, {7, 13, 28}, {3, 13, 12}, {11, 13, 44}, {0, 5, 0}, {1, 0, 0},
		// huge counts stay in range (v0.17 truncates counts to int here
		// and misprints counts >= 2^31; gtrace does not copy that)
		{1 << 40, 1 << 41, 26}, {math.MaxUint64, math.MaxUint64, 52},
	} {
		if got := barWidth(c.n, c.max); got != c.want {
			t.Errorf("barWidth(%d, %d) = %d, want %d", c.n, c.max, got, c.want)
		}
	}
}

func TestHistHugeCount(t *testing.T) {
	b := make([]uint64, 65)
	b[3], b[5] = 1<<33, 1<<32
	var buf bytes.Buffer
	must(t, NewText(&buf).Map(scalar("@h", lang.KindHist, HistOf(b, 0)), 0, 0))
	want := "@h: \n" +
		"[2, 4)          8589934592 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n" +
		"[4, 8)                 0 |                                                    |\n" +
		"[8, 16)         4294967296 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |\n\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func TestStacks(t *testing.T) {
	k := KStack(StackBpftrace, Frame{Addr: 0xffffffffc0025636, Sym: "_einittext", Off: 1015209700},
		Frame{Addr: 0xffffffff81f02bea, Sym: "__bpf_prog_test_run_raw_tp", Off: 106})
	p := KStack(StackPerf, Frame{Addr: 0xffffffffc0025636, Sym: "_einittext", Off: 1015209830})
	u := UStack(StackBpftrace, Frame{Addr: 0x7f00, Sym: "syscall", Off: 25}, Frame{Addr: 0x7ffdc22ad2e8})
	up := UStack(StackPerf, Frame{Addr: 0x7f00, Sym: "main", Off: 4, Module: "/bin/true"})
	var buf bytes.Buffer
	r := NewText(&buf)
	must(t, r.Exit([]*Map{
		keyed("@", lang.KindCount, k, Count(1)),
		keyed("@p", lang.KindCount, p, Count(1)),
		keyed("@u", lang.KindCount, []Value{u, Str("bpftrace")}, Count(1)),
	}))
	must(t, r.Printf("%s|", []Value{k}))
	must(t, r.Value(up))
	want := "\n\n@[\n    _einittext+1015209700\n    __bpf_prog_test_run_raw_tp+106\n]: 1\n" +
		"@p[\n\tffffffffc0025636 _einittext+1015209830\n]: 1\n" +
		"@u[\n    syscall+25\n    0x7ffdc22ad2e8\n, bpftrace]: 1\n" +
		"\n        _einittext+1015209700\n        __bpf_prog_test_run_raw_tp+106\n|" +
		"\n\t7f00 main+4 (/bin/true)\n\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

// An empty stack (a kernel stack sampled in user mode) prints as nothing,
// as bpftrace 0.17: "@[]: 49", "@u[, 1]: 1", printf "[]"; an unresolved
// user frame in perf mode prints "([unknown])" for its module.
func TestStackEmpty(t *testing.T) {
	var buf bytes.Buffer
	r := NewText(&buf)
	must(t, r.Exit([]*Map{
		keyed("@", lang.KindCount, KStack(StackBpftrace), Count(49)),
		keyed("@u", lang.KindCount, []Value{KStack(StackBpftrace), Int(1)}, Count(1)),
	}))
	must(t, r.Printf("[%s]\n", []Value{KStack(StackPerf)}))
	// A user frame without a symbol (stripped binary) names no module.
	must(t, r.Printf("%s", []Value{UStack(StackPerf, Frame{Addr: 0x557ac19cd270, Module: "/usr/bin/dash"})}))
	want := "\n\n@[]: 49\n@u[, 1]: 1\n[]\n\n\t557ac19cd270 0x557ac19cd270 ([unknown])\n"
	if got := buf.String(); got != want {
		t.Errorf("got\n%q\nwant\n%q", got, want)
	}
}

func TestValues(t *testing.T) {
	for _, c := range []struct {
		v    Value
		text string
		json string
		key  string
	}{
		{Uint(math.MaxUint64), "18446744073709551615", "18446744073709551615", "-1"},
		{Ptr(0x1000), "4096", "4096", "0x1000"},
		{Bool(true), "true", "true", "true"},
		{Buffer([]byte("a\x00b")), `a\x00b`, `"a\\x00b"`, `a\x00b`},
		{TextOf(lang.KindMacAddr, "AA:BB:CC:00:11:22"), "AA:BB:CC:00:11:22", `"AA:BB:CC:00:11:22"`, "AA:BB:CC:00:11:22"},
		{Ksym("vfs_read", 0xffff), "vfs_read", `"vfs_read"`, "vfs_read"},
		{Usym("", 0x7f00), "0x7f00", `"0x7f00"`, "0x7f00"},
		{Array(Int(1), Int(2)), "[1,2]", "[1,2]", "[1,2]"},
		{Record([]string{"a", "b"}, []Value{Int(1), Str("x")}), "{ .a = 1, .b = x }", `{ "a": 1, "b": "x" }`, "{.a=1,.b=x}"},
		{Tuple(Int(1), Tuple(Str("a"), Int(-2))), "(1, (a, -2))", `[1,["a",-2]]`, "(1, (a, -2))"},
		{Stats(3, 10), "count 3, average 3, total 10", `{"count": 3, "average": 3, "total": 10}`, ""},
		{Avg(0, 0), "0", "0", ""},
	} {
		if got := string(appendText(nil, c.v)); got != c.text {
			t.Errorf("text: got %q, want %q", got, c.text)
		}
		if got := string(appendJSONValue(nil, c.v, 1)); got != c.json {
			t.Errorf("json: got %q, want %q", got, c.json)
		}
		if c.key != "" {
			if got := string(appendKey(nil, c.v)); got != c.key {
				t.Errorf("key: got %q, want %q", got, c.key)
			}
		}
	}
}

func TestMisc(t *testing.T) {
	var buf bytes.Buffer
	r := NewText(&buf)
	must(t, r.AttachedProbes(3))
	must(t, r.LostEvents(7))
	must(t, r.Join("a b c"))
	// bpftrace 0.17 with BPFTRACE_MAP_KEYS_MAX=2 -k, and -kk for the
	// lookup (a bare code, not an errno).
	src := lang.Source{Name: "stdin", Text: "BEGIN { @[1]=1; @[2]=2; @[3]=3; exit(); }"}
	at := func(from, to int) lang.Span {
		return lang.Span{Start: lang.Pos{Line: 1, Col: from, Offset: from - 1}, End: lang.Pos{Line: 1, Col: to, Offset: to - 1}}
	}
	must(t, r.HelperError(HelperError{Helper: "map_update_elem", Retcode: -7, Span: at(25, 30), Source: src}))
	must(t, r.HelperError(HelperError{Helper: "map_lookup_elem", Retcode: 0, Span: at(9, 13), Source: src}))
	must(t, r.HelperError(HelperError{Helper: "probe_read", Retcode: -529, Span: at(9, 13), Source: src}))
	want := "Attaching 3 probes...\nLost 7 events\na b c\n" +
		"stdin:1:25-30: WARNING: Failed to map_update_elem: Argument list too long (-7)\n" +
		"BEGIN { @[1]=1; @[2]=2; @[3]=3; exit(); }\n" +
		"                        ~~~~~\n" +
		"stdin:1:9-13: WARNING: Failed to map_lookup_elem: 0\n" +
		"BEGIN { @[1]=1; @[2]=2; @[3]=3; exit(); }\n" +
		"        ~~~~\n" +
		"stdin:1:9-13: WARNING: Failed to probe_read: Unknown error 529 (-529)\n" +
		"BEGIN { @[1]=1; @[2]=2; @[3]=3; exit(); }\n" +
		"        ~~~~\n"
	if got := buf.String(); got != want {
		t.Errorf("got %q\nwant %q", got, want)
	}
	buf.Reset()
	j := NewJSON(&buf)
	must(t, j.LostEvents(7))
	must(t, j.Join("/bin/echo,A"))
	must(t, j.System("out\n"))
	must(t, j.HelperError(HelperError{Helper: "probe_read", Retcode: -14, Span: lang.Span{Start: lang.Pos{Line: 1, Col: 9}}}))
	want = `{"type": "lost_events", "data": {"events": 7}}` + "\n" +
		`{"type": "join", "data": "/bin/echo,A"}` + "\n" +
		`{"type": "syscall", "data": "out\n"}` + "\n" +
		`{"type": "helper_error", "helper": "probe_read", "retcode": -14, "line": 1, "col": 9}` + "\n"
	if got := buf.String(); got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}

func TestPrintfExtra(t *testing.T) {
	for _, c := range []struct {
		f    string
		args []Value
		want string
	}{
		{"%+d|% d|%#x|%#o|%#X|%-+5d|", vals(5, 5, 255, 8, 255, 3), "+5| 5|0xff|010|0XFF|+3   |"},
		{"%i|%5s|%-5c|%05x|%#08x|", vals(-3, "ab", 65, 255, 255), "-3|   ab|A    |000ff|0x0000ff|"},
		{"%d%", vals(1), "1%"},
		{"%", nil, "%"},
		{"%d %d", vals(1), "1 %d"},
		{"%s", []Value{Ksym("do_sys_open", 1)}, "do_sys_open"},
		{"%lx", []Value{Uint(math.MaxUint64)}, "ffffffffffffffff"},
		{"%5p|%-8p|", []Value{Ptr(0), Ptr(255)}, "(nil)|0xff    |"},
	} {
		if got := string(AppendFormat(nil, c.f, c.args)); got != c.want {
			t.Errorf("printf(%q): got %q, want %q", c.f, got, c.want)
		}
	}
}

func TestStrftime(t *testing.T) {
	tm := time.Date(2024, 3, 5, 14, 7, 9, 123456789, time.UTC)
	// want from GNU date -u -d '2024-03-05 14:07:09' with the same format
	f := "%a|%A|%b|%B|%c|%C|%d|%D|%e|%F|%g|%G|%H|%I|%j|%k|%l|%m|%M|%p|%r|%R|%s|%S|%T|%u|%U|%V|%w|%W|%x|%X|%y|%Y|%z|%Z|%%|%f|%Q"
	want := "Tue|Tuesday|Mar|March|Tue Mar  5 14:07:09 2024|20|05|03/05/24| 5|2024-03-05|24|2024|14|02|065|14| 2|03|07|PM|02:07:09 PM|14:07|1709647629|09|14:07:09|2|09|10|2|10|03/05/24|14:07:09|24|2024|+0000|UTC|%|123456|%Q"
	if got := Strftime(f, tm); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	tm = time.Date(2021, 1, 3, 0, 0, 0, 0, time.UTC)
	if got, want := Strftime("%U|%V|%W|%G|%g|%I|%l|%p", tm), "01|53|00|2020|20|12|12|AM"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got := Strftime("%H:%M:%S\n", tm); !strings.HasSuffix(got, "\n") {
		t.Errorf("default time() format lost its newline: %q", got)
	}
}
