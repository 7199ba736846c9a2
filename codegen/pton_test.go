package codegen

import "testing"

func TestPton(t *testing.T) {
	r := runBegin(t, `BEGIN { $a = pton("10.20.30.40"); printf("%s %s %s %d\n", ntop($a), ntop(pton("::1")), ntop(pton("fe80::1:2")), $a[1]); }`)
	if want := "10.20.30.40 ::1 fe80::1:2 20\n"; r.out != want {
		t.Errorf("got %q, want %q", r.out, want)
	}
}
