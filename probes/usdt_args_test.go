package probes

import "testing"

// Constant usdt arguments keep the width and sign of their spec: gcc writes
// every constant signed ("4@$-202182160" for (uint32_t)0xf3f2f1f0), and
// bpftrace 0.17 reads it back as the spec's type (4092785136).
func TestUSDTConst(t *testing.T) {
	for spec, want := range map[string]int64{
		"4@$-202182160":  4092785136,
		"-4@$-202182160": -202182160,
		"2@$-3600":       61936,
		"-2@$-3600":      -3600,
		"1@$-16":         240,
		"-1@$-16":        -16,
		"8@$-5":          -5,
		"-8@$7":          7,
	} {
		args := parseUSDTArgs(spec, "amd64")
		if len(args) != 1 || args[0].Kind != USDTConst {
			t.Fatalf("%s: parsed as %+v", spec, args)
		}
		if got := args[0].Const(); got != want {
			t.Errorf("%s: %d, want %d", spec, got, want)
		}
	}
}
