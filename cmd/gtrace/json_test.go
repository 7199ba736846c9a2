package main

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"
)

// TestJSONOutput runs BEGIN-only programs with -f json and checks that every
// stdout line is either empty or one {"type": ..., "data": ...} object, and
// that the sequence matches what bpftrace v0.17 prints for the same program.
// The expectations were generated with `bpftrace -f json -e PROG`; bpftrace
// prints two empty lines before the exit-time map dump even in JSON mode.
// Data of "time" events is not compared. Keyed maps are compared as decoded
// JSON objects, so key order does not matter (bpftrace's order is hash order).
// join is covered by TestJSONJoin, lost_events by TestLostEventsDuringRun
// and helper_error by TestHelperErrors.
func TestJSONOutput(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	cases := []struct {
		name, prog, want string
	}{
		{"printf_time", `BEGIN { printf("a %d %s\n", 5, "x"); time("%H\n"); exit(); }`, `{"type": "attached_probes", "data": {"probes": 1}}
{"type": "printf", "data": "a 5 x\n"}
{"type": "time", "data": "05\n"}


`},
		{"printf_escapes", `BEGIN { printf("q\"b\\s\tt\n"); @e["a\"b"] = 1; exit(); }`, `{"type": "attached_probes", "data": {"probes": 1}}
{"type": "printf", "data": "q\"b\\s\tt\n"}


{"type": "map", "data": {"@e": {"a\"b": 1}}}
`},
		{"maps", `BEGIN { @s = 7; @k[1,"x"] = count(); @k[2,"y"] = count(); @str["a"] = "hello"; @t = (1, "two"); exit(); }`, `{"type": "attached_probes", "data": {"probes": 1}}


{"type": "map", "data": {"@k": {"2,y": 1, "1,x": 1}}}
{"type": "map", "data": {"@s": 7}}
{"type": "map", "data": {"@str": {"a": "hello"}}}
{"type": "map", "data": {"@t": [1,"two"]}}
`},
		{"stats", `BEGIN { @st = stats(10); @st2 = stats(20); @av = avg(4); @mn = min(3); @mx = max(9); @sm = sum(5); exit(); }`, `{"type": "attached_probes", "data": {"probes": 1}}


{"type": "stats", "data": {"@av": 4}}
{"type": "map", "data": {"@mn": 3}}
{"type": "map", "data": {"@mx": 9}}
{"type": "map", "data": {"@sm": 5}}
{"type": "stats", "data": {"@st": {"count": 1, "average": 10, "total": 10}}}
{"type": "stats", "data": {"@st2": {"count": 1, "average": 20, "total": 20}}}
`},
		{"hist_lhist", `BEGIN { @h = hist(5); @h = hist(100); @h = hist(0); @l = lhist(15, 0, 100, 10); @l = lhist(55, 0, 100, 10); exit(); }`, `{"type": "attached_probes", "data": {"probes": 1}}


{"type": "hist", "data": {"@h": [{"min": 0, "max": 0, "count": 1}, {"min": 1, "max": 1, "count": 0}, {"min": 2, "max": 3, "count": 0}, {"min": 4, "max": 7, "count": 1}, {"min": 8, "max": 15, "count": 0}, {"min": 16, "max": 31, "count": 0}, {"min": 32, "max": 63, "count": 0}, {"min": 64, "max": 127, "count": 1}]}}
{"type": "hist", "data": {"@l": [{"min": 10, "max": 19, "count": 1}, {"min": 20, "max": 29, "count": 0}, {"min": 30, "max": 39, "count": 0}, {"min": 40, "max": 49, "count": 0}, {"min": 50, "max": 59, "count": 1}]}}
`},
		{"keyed_aggs", `BEGIN { @k2[1] = 2; @k2[3] = 4; @m[1,2] = hist(3); @st3["k"] = stats(6); exit(); }`, `{"type": "attached_probes", "data": {"probes": 1}}


{"type": "map", "data": {"@k2": {"1": 2, "3": 4}}}
{"type": "hist", "data": {"@m": {"1,2": [{"min": 2, "max": 3, "count": 1}]}}}
{"type": "stats", "data": {"@st3": {"k": {"count": 1, "average": 6, "total": 6}}}}
`},
		{"print_value", `BEGIN { $x = 5; print($x); print("str"); print((1,"a")); @c = count(); print(@c); exit(); }`, `{"type": "attached_probes", "data": {"probes": 1}}
{"type": "value", "data": 5}
{"type": "value", "data": "str"}
{"type": "value", "data": [1,"a"]}
{"type": "map", "data": {"@c": 1}}


{"type": "map", "data": {"@c": 1}}
`},
		{"cat", `BEGIN { cat("/proc/sys/kernel/ostype"); exit(); }`, `{"type": "attached_probes", "data": {"probes": 1}}
{"type": "cat", "data": "Linux\n"}


`},
		{"empty", `BEGIN { exit(); }`, `{"type": "attached_probes", "data": {"probes": 1}}


`},
	}
	type event struct {
		Type string
		Data interface{}
	}
	// parse decodes each line; an empty line becomes a nil event.
	parse := func(t *testing.T, out string) []*event {
		t.Helper()
		if !strings.HasSuffix(out, "\n") {
			t.Errorf("output does not end in a newline: %q", out)
		}
		var evs []*event
		for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
			if line == "" {
				evs = append(evs, nil)
				continue
			}
			var raw map[string]json.RawMessage
			if err := json.Unmarshal([]byte(line), &raw); err != nil {
				t.Errorf("line is not JSON: %q: %v", line, err)
				evs = append(evs, &event{Type: "<invalid>"})
				continue
			}
			ev := &event{}
			if len(raw) != 2 || raw["type"] == nil || raw["data"] == nil {
				t.Errorf("line is not {\"type\", \"data\"}: %q", line)
			}
			if err := json.Unmarshal(raw["type"], &ev.Type); err != nil {
				t.Errorf("type is not a string: %q", line)
			}
			if err := json.Unmarshal(raw["data"], &ev.Data); err != nil {
				t.Errorf("bad data: %q", line)
			}
			evs = append(evs, ev)
		}
		return evs
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(t, "", "-f", "json", "-e", c.prog)
			if code != 0 {
				t.Fatalf("exit %d\n%s", code, stderr)
			}
			got, want := parse(t, stdout), parse(t, c.want)
			if len(got) != len(want) {
				t.Fatalf("%d lines, want %d\n--- got\n%s--- want\n%s", len(got), len(want), stdout, c.want)
			}
			for i := range want {
				g, w := got[i], want[i]
				if (g == nil) != (w == nil) {
					t.Errorf("line %d: empty-line mismatch\n--- got\n%s--- want\n%s", i+1, stdout, c.want)
					continue
				}
				if w == nil {
					continue
				}
				if g.Type != w.Type {
					t.Errorf("line %d: type %q, want %q", i+1, g.Type, w.Type)
					continue
				}
				if w.Type == "time" {
					if _, ok := g.Data.(string); !ok {
						t.Errorf("line %d: time data %v is not a string", i+1, g.Data)
					}
					continue
				}
				if !reflect.DeepEqual(g.Data, w.Data) {
					t.Errorf("line %d: data %#v, want %#v", i+1, g.Data, w.Data)
				}
			}
		})
	}
}

// TestJSONJoin: join() events in -f json, as bpftrace 0.17 prints them for
// the same command (the -c command's own output goes to the terminal).
func TestJSONJoin(t *testing.T) {
	needRoot(t)
	prog := `tracepoint:syscalls:sys_enter_execve /pid == cpid/ { join(args->argv); join(args->argv, ","); }`
	code, stdout, stderr := runCLI(t, "", "-f", "json", "-c", "/bin/true a b", "-e", prog)
	want := `{"type": "attached_probes", "data": {"probes": 1}}
{"type": "join", "data": "/bin/true a b"}
{"type": "join", "data": "/bin/true,a,b"}


`
	if code != 0 || stdout != want {
		t.Errorf("exit %d, stderr %q\nstdout:\n%s\nwant:\n%s", code, stderr, stdout, want)
	}
}
