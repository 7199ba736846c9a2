package codegen

import (
	"encoding/binary"
	"os"
	"strconv"
	"strings"
	"testing"
)

func TestBuiltins(t *testing.T) {
	r := runBegin(t, `BEGIN { printf("%d %d %d %d %s %d\n", pid, tid, uid, gid, comm, cpu >= 0); printf("%d %d %d\n", nsecs > 0, rand >= 0, cgroup > 0); @p = probe; }`)
	f := strings.Fields(r.out)
	if len(f) < 9 {
		t.Fatalf("output %q", r.out)
	}
	me := strconv.Itoa(os.Getpid())
	if f[0] != me || f[2] != strconv.Itoa(os.Getuid()) || f[4] != "codegen.test" || f[6] != "1" || f[8] != "1" {
		t.Fatalf("output %q (pid %s)", r.out, me)
	}
	if r.prog.ProbeNames[0] != "BEGIN" {
		t.Fatalf("probe names %v", r.prog.ProbeNames)
	}
}

func TestAsyncActions(t *testing.T) {
	r := runBegin(t, `BEGIN { @a[1] = 2; print(@a); print(@a, 3, 4); clear(@a); zero(@a); time(); time("%Y"); print((1, "x")); exit(); printf("after\n"); } END { printf("end\n"); }`)
	var kinds []ActionKind
	for _, e := range r.events {
		a := r.prog.Actions[binary.LittleEndian.Uint64(e)]
		kinds = append(kinds, a.Kind)
		if len(e) < a.Size {
			t.Fatalf("record of %d bytes, action wants %d", len(e), a.Size)
		}
	}
	// printf("after") never runs: exit() ends the probe; the last printf is END's.
	want := []ActionKind{ActPrint, ActPrint, ActClear, ActZero, ActTime, ActTime, ActPrintValue, ActExit, ActPrintf}
	if len(kinds) != len(want) {
		t.Fatalf("kinds %v, want %v", kinds, want)
	}
	for i := range want {
		if kinds[i] != want[i] {
			t.Fatalf("kinds %v, want %v", kinds, want)
		}
	}
	// exit() sets the stopped flag at once: END ran (the test harness runs
	// it anyway) but a further BEGIN run would do nothing.
	var state [StateSize / 8]uint64
	if err := r.coll.Maps[StateMap].Lookup(uint32(0), &state); err != nil || state[StateStopped/8] != 1 {
		stopped := state[0]
		t.Fatalf("stopped flag %d (%v)", stopped, err)
	}
	if a := r.prog.Actions[1]; a.Top != 3 || a.Div != 4 || a.Map != "a" {
		t.Fatalf("print action %+v", a)
	}
}

func TestStringsAndValues(t *testing.T) {
	cases := []struct{ src, want string }{
		{`$s = comm; printf("%s|%s\n", $s, $1)`, "codegen.test|five\n"},
		{`@m["k"] = "v"; printf("[%s][%s]\n", @m["k"], @m["none"])`, "[v][]\n"},
		{`printf("%s\n", ntop(0x0100007f))`, "127.0.0.1\n"},
		{`$t = ("ab", 3); @t[$t] = 1; printf("%d\n", has_key(@t, ("ab", 3)))`, "1\n"},
		{`printf("%d %d\n", $1 == "five", "five" == $1)`, "1 1\n"},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			r := runBegin(t, "BEGIN { "+c.src+"; }", "five")
			if r.out != c.want {
				t.Fatalf("got %q, want %q", r.out, c.want)
			}
		})
	}
}

// TestUsername stores the uid as a username value (user space resolves
// the name).
func TestUsername(t *testing.T) {
	r := runBegin(t, `BEGIN { @u[username] = count(); @v = username; }`)
	d := r.prog.Maps["u"]
	if d == nil || d.Key == nil || d.Key.Kind.String() != "username" {
		t.Fatalf("@u key %v", d)
	}
	if got, want := r.mapText(t, "v"), ": "+strconv.Itoa(os.Getuid()); got != want {
		t.Errorf("@v = %q, want %q", got, want)
	}
}

// strlen counts up to the NUL, at most the string's size.
func TestStrlen(t *testing.T) {
	r := runBegin(t, `BEGIN { $s = "abc"; printf("%d %d %d %d\n", strlen($s), strlen(""), strlen(comm), strlen("0123456789abcdef")); }`)
	if r.out != "3 0 12 16\n" {
		t.Errorf("output %q, want %q", r.out, "3 0 12 16\n")
	}
}
