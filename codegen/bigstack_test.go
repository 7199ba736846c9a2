package codegen

import "testing"

// TestBigStack compiles probes whose temporaries exceed the 512-byte BPF
// stack: large values move to the per-CPU BigMap entry, and small probes
// stay on the stack.
func TestBigStack(t *testing.T) {
	small := compileSrc(t, `BEGIN { $a = "x"; @[comm] = count(); }`)
	if _, ok := small.Spec.Maps[BigMap]; ok {
		t.Errorf("a small probe uses %s", BigMap)
	}
	for _, tc := range []struct{ name, src, want string }{
		{"strings", `BEGIN {
			$a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; $b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"; $c = "cccccccccccccccccccccccccccccccccccccccc"; $d = "dddddddddddddddddddddddddddddddddddddddd"; $e = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
			$f = "ffffffffffffffffffffffffffffffffffffffff"; $g = "gggggggggggggggggggggggggggggggggggggggg"; $h = "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"; $i = "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii"; $j = "jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj";
			@m[$a, $b, $c] = ($d, $e, $f);
			@n[$g, $h] = ($i, $j);
			$t = @m[$a, $b, $c];
			printf("%s %s %s %s %s %s %s\n", $a, $j, $t.0, $t.2, @n[$g, $h].1, $f == "ffffffffffffffffffffffffffffffffffffffff" ? "eq" : "ne", $e);
		}`, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj dddddddddddddddddddddddddddddddddddddddd ffffffffffffffffffffffffffffffffffffffff jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj eq eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee\n"},
		{"for", `BEGIN {
			$a = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"; $b = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"; $c = "cccccccccccccccccccccccccccccccccccccccc"; $d = "dddddddddddddddddddddddddddddddddddddddd"; $e = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee";
			$f = "ffffffffffffffffffffffffffffffffffffffff"; $g = "gggggggggggggggggggggggggggggggggggggggg"; $h = "hhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhhh"; $i = "iiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiiii"; $j = "jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj"; $n = 0;
			@m["k", "l"] = ($a, $b, $c, $d);
			for ($kv : @m) { $n++; $e = $kv.1.3; }
			printf("%d %s %s\n", $n, $e, $j);
		}`, "1 dddddddddddddddddddddddddddddddddddddddd jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runBegin(t, tc.src)
			if _, ok := r.prog.Spec.Maps[BigMap]; !ok {
				t.Errorf("expected %s in use", BigMap)
			}
			if r.out != tc.want {
				t.Errorf("got %q, want %q", r.out, tc.want)
			}
		})
	}
}
