// Package pprof writes maps keyed by stacks as pprof profiles (--pprof),
// with github.com/google/pprof/profile, so that `go tool pprof`, Grafana
// Pyroscope, Parca and every other reader of the format show them.
//
// The stacks are folded as package flame folds them (the key parts that
// are not stacks are the outermost frames), so the profile, the folded
// lines and the SVG agree. Every foldable map is one sample type, named
// after the map; each entry is one sample with its value there and zero
// in the others. Frames keep their addresses and their mappings (file,
// build id, where it was mapped); file and line, and the calls the
// compiler inlined there, come from the binary's DWARF where it has any.
package pprof
