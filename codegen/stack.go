package codegen

import (
	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/maps"
)

// stackMapSpec is a BPF_MAP_TYPE_STACK_TRACE map holding depth frames per
// stack (4.6+).
func stackMapSpec(name string, depth int, entries uint32) *ebpf.MapSpec {
	if entries == 0 {
		entries = maps.DefaultMaxEntries
	}
	return &ebpf.MapSpec{
		Name:       sanitizeName(name),
		Type:       ebpf.StackTrace,
		KeySize:    4,
		ValueSize:  uint32(8 * depth),
		MaxEntries: entries,
	}
}
