package sema_test

import (
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang/sema"
)

// TestNewerForms checks forms of bpftrace 0.22-0.26 used by its v0.26 tools:
// explicit tuple keys, one-element and empty tuples, delete as a bool,
// getopt with a description, syscall_name.
func TestNewerForms(t *testing.T) {
	for _, tc := range []struct {
		src string
		// want maps "$var" or "@map" to its type ("@map" as key -> value).
		want map[string]string
	}{
		{`BEGIN { @m[(1, 2)] = 1; @m[3, 4] = 2; $t = (5, 6); @m[$t] = 3; $h = has_key(@m, (1, 2)); }`,
			map[string]string{"@m": "(int64,int64)/2 -> int64", "$h": "bool"}},
		{`BEGIN { @m[1, "a"] = 1; @m[(2, "bc")] = 2; }`, map[string]string{"@m": "(int64,string[3])/2 -> int64"}},
		{`BEGIN { @m[(1,)] = 1; @m[(2,)] = 2; }`, map[string]string{"@m": "(int64)/1 -> int64"}},
		{`BEGIN { $a = (1,); $b = (); $c = ((), 1); print($a); print($b); }`,
			map[string]string{"$a": "(int64)", "$b": "()", "$c": "((),int64)"}},
		{`BEGIN { @m[1] = 1; $d = delete(@m, 1); if (delete(@m[1])) {} @k[$d] = delete(@m, 2); delete(@m, 3); }`,
			map[string]string{"$d": "bool", "@k": "bool/1 -> bool"}},
		{`BEGIN { $a = getopt("a"); $b = getopt("b", false); $c = getopt("c", 1, "count"); $d = getopt("d", "x", "name"); $e = getopt("e", -1); }`,
			map[string]string{"$a": "bool", "$b": "bool", "$c": "int64", "$d": "string[2]", "$e": "int64"}},
		{`tracepoint:raw_syscalls:sys_enter { @[syscall_name(args.id)] = count(); $s = signal_name(9); }`,
			map[string]string{"@": "string[64]/1 -> count", "$s": "string[64]"}},
	} {
		_, info, errs := checkSrc(t, tc.src, sema.Options{Env: sema.NoKernel})
		if len(errs) > 0 {
			t.Errorf("%s:\n%s", tc.src, render(tc.src, errs))
			continue
		}
		for name, want := range tc.want {
			var got string
			if strings.HasPrefix(name, "@") {
				mi := info.Maps[name[1:]]
				if mi == nil {
					t.Errorf("%s: no map %s", tc.src, name)
					continue
				}
				got = mi.Key.String() + "/" + string(rune('0'+mi.Arity)) + " -> " + mi.Value.String()
			} else {
				got = info.Probes[0].Vars[name[1:]].String()
			}
			if got != want {
				t.Errorf("%s: %s is %s, want %s", tc.src, name, got, want)
			}
		}
	}
}

func TestNewerFormsInvalid(t *testing.T) {
	for src, want := range map[string]string{
		`BEGIN { @m[()] = 1; }`:                          "The empty tuple cannot be used as a map key",
		`BEGIN { @m[1] = 1; $x = has_key(@m, ()); }`:     "The empty tuple cannot be used as a map key",
		`BEGIN { @m = (); }`:                             "The empty tuple cannot be stored in a map",
		`BEGIN { @m[(1,)] = 1; @m[2] = 1; }`:             "Argument mismatch for @m: trying to access with arguments: [unsigned int64] when map expects arguments: [(int64)]",
		`BEGIN { @m[1, 2] = 1; @m[(1, 2, 3)] = 1; }`:     "Argument mismatch for @m: trying to access with arguments: [unsigned int64, unsigned int64, unsigned int64] when map expects arguments: [unsigned int64, unsigned int64]",
		`BEGIN { $x = getopt("a", pid); }`:               "getopt() default must be a literal",
		`BEGIN { $x = getopt("a", 1, 2); }`:              "getopt() expects a string literal (integer provided)",
		`BEGIN { $x = getopt("a", 1, "d", 4); }`:         "getopt() takes up to 3 arguments (4 provided)",
		`BEGIN { $x = syscall_name("read"); }`:           "syscall_name() only supports integer arguments (string provided)",
		`BEGIN { @m[1] = 1; $x = delete(@m[1], 1); }`:    "delete(): the map must not be indexed when a key argument is given",
		`BEGIN { @m[1] = 1; if (delete(@m)) { } }`:       "delete() expects a map with explicit keys (@map[key]) to be provided",
		`BEGIN { @m[1] = 1; $x = delete(@m, "a") + 1; }`: "Argument mismatch for @m: trying to access with arguments: [string[2]] when map expects arguments: [unsigned int64]",
	} {
		_, _, errs := checkSrc(t, src, sema.Options{})
		found := false
		for _, d := range errs {
			found = found || d.Msg == want
		}
		if !found {
			t.Errorf("%s: want %q, got:\n%s", src, want, render(src, errs))
		}
	}
}
