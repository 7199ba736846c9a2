package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

func init() {
	addBuiltinMem("probetype", func(g *gen, _ *lang.Builtin, dt *lang.Type, base asm.Register, off int16, pad bool) {
		g.literal(probeTypeName(g.pi.Probe.Attach[0].Provider), dt, base, off, pad)
	})
}

// probeTypeName is bpftrace's name of a probe type (probetypeName in its
// probe_types.cpp): the value of probetype, which bpftrace takes from a
// clause's first attach point. BEGIN, END and self are "special"; an
// asyncwatchpoint is a watchpoint; the others are the provider's name.
func probeTypeName(p lang.Provider) string {
	switch p {
	case lang.Begin, lang.End, lang.SelfProbe:
		return "special"
	case lang.AsyncWatchpoint:
		return "watchpoint"
	}
	return p.String()
}
