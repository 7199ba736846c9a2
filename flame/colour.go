package flame

import (
	"hash/fnv"
	"strconv"
)

// appendColour appends the fill of a frame: a palette per kind, the shade
// within it from a hash of the name, so that a function has the same
// colour everywhere in a graph and in every graph (flamegraph.pl's --hash).
// User code is drawn in warm reds and yellows, the kernel in aqua, key
// parts (comm, pid, map names) in lavender.
func appendColour(b []byte, k Kind, name string) []byte {
	h := fnv.New32a()
	h.Write([]byte(name))
	sum := h.Sum32()
	v1 := float64(sum&0xff) / 255
	v2 := float64(sum>>8&0xff) / 255
	v3 := float64(sum>>16&0xff) / 255
	var r, g, bl float64
	switch k {
	case KindUser:
		r, g, bl = 205+50*v3, 40+150*v1, 55*v2
	case KindKernel:
		r, g, bl = 50+60*v1, 165+55*v2, 165+55*v2
	default:
		r, g, bl = 170+30*v1, 160+30*v1, 215+30*v2
	}
	b = append(b, "rgb("...)
	b = strconv.AppendInt(b, int64(r), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(g), 10)
	b = append(b, ',')
	b = strconv.AppendInt(b, int64(bl), 10)
	return append(b, ')')
}
