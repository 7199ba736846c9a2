package codegen

import "testing"

func TestBeginPrintf(t *testing.T) {
	r := runBegin(t, `BEGIN { printf("hi %d %s\n", 42, "there"); }`)
	if r.out != "hi 42 there\n" {
		t.Fatalf("got %q", r.out)
	}
}

func TestIntegerExpressions(t *testing.T) {
	cases := []struct{ src, want string }{
		{`$a = 7; $b = 3; printf("%d %d %d %d %d\n", $a+$b, $a-$b, $a*$b, $a/$b, $a%$b)`, "10 4 21 2 1\n"},
		{`$a = -7; $b = 2; printf("%d %d %d\n", $a/$b, $a%$b, $a >> 1)`, "-4 1 -4\n"}, // bpftrace 0.17: unsigned / % >> (testdata/semantics/op_div_signed)
		{`$a = 6; $b = 3; printf("%d %d %d %d %d\n", $a & $b, $a | $b, $a ^ $b, $a << $b, ~$a)`, "2 7 5 48 -7\n"},
		{`$a = 5; printf("%d %d %d %d %d %d\n", $a < 6, $a <= 4, $a > 4, $a >= 6, $a == 5, $a != 5)`, "1 0 1 0 1 0\n"},
		{`$a = 0; $b = 3; printf("%d %d %d %d\n", $a && $b, $a || $b, !$a, -$b)`, "0 1 1 -3\n"},
		{`$a = 300; printf("%d %d %d\n", (uint8)$a, (int8)200, (int16)-1)`, "44 -56 -1\n"},
		{`$a = 4; printf("%d\n", $a > 3 ? 10 : 20)`, "10\n"},
		{`$i = 0; $s = 0; while ($i < 10) { $i++; if ($i == 3) { continue; } if ($i == 8) { break; } $s += $i; } printf("%d\n", $s)`, "25\n"},
		{`$s = 0; unroll(5) { $s += 2; } printf("%d\n", $s)`, "10\n"},
		{`$s = 0; for ($i : 0..5) { $s += $i; } printf("%d\n", $s)`, "10\n"},
		{`$x = 1; if ($x == 2) { printf("a\n"); } else if ($x == 1) { printf("b\n"); } else { printf("c\n"); }`, "b\n"},
		{`$x = 0; $y = ($x != 0 && 10 / $x > 1); printf("%d\n", $y)`, "0\n"},
		{`printf("%d %ld\n", 1 + 2 * 3, (1 << 40) + 1)`, "7 1099511627777\n"},
		{`$s = "abc"; $t = "abc"; $u = "abd"; printf("%d %d %d\n", $s == $t, $s == $u, $s != "abd")`, "1 0 1\n"},
		{`$t = (1, "two", 3); printf("%d %s %d\n", $t.0, $t.1, $t.2)`, "1 two 3\n"},
		{`printf("%d %d\n", $1 + 1, $#)`, "6 1\n"},
		{`printf("%d %d\n", bswap((uint16)0x0102), bswap((uint32)1))`, "513 16777216\n"},
		{`printf("%d %d\n", strncmp("abcd", "abxx", 2), strncmp("abcd", "abxx", 3))`, "0 1\n"},
		{`$s = "hello world"; printf("%d %d\n", strcontains($s, "o w"), strcontains($s, "xyz"))`, "1 0\n"},
		{`printf("%d\n", sizeof(uint32))`, "4\n"},
	}
	for _, c := range cases {
		t.Run(c.src, func(t *testing.T) {
			r := runBegin(t, "BEGIN { "+c.src+"; }", "5")
			if r.out != c.want {
				t.Fatalf("got %q, want %q", r.out, c.want)
			}
		})
	}
}

func TestReturnAndPredicate(t *testing.T) {
	r := runBegin(t, `BEGIN /1 == 2/ { printf("no\n"); } BEGIN /1 == 1/ { printf("yes\n"); return; printf("after\n"); }`)
	if r.out != "yes\n" {
		t.Fatalf("got %q", r.out)
	}
}
