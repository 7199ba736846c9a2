// Package output holds gtrace's value model and its renderers.
//
// Everything the kernel hands back (printf arguments, print() values, map
// contents read at exit) is first decoded by package maps into Values, then
// written by one of three renderers:
//
//   - Text: byte-for-byte what bpftrace v0.17 prints, including its quirks
//     (the trailing space in a histogram header, the "\n\n" before the exit
//     dump, int map keys sorted as unsigned, stats ignoring top and div, inet
//     and symbol values printed without a separator). Each quirk is named
//     where it is implemented.
//   - JSON: NDJSON as `bpftrace -f json` v0.17 prints it.
//   - Table: gtrace's own aligned tables (`-f table`).
//
// A map may also come lazy (LazyMap): its entries stay in a compact form
// and are decoded one at a time as they are printed, so that a readout of
// 1M keys does not hold 1M decoded entries; Decode fills Entries.
//
// The package knows nothing about BPF: values arrive already resolved
// (symbols named, stack ids turned into frames, per-CPU slots merged), so
// every renderer is testable with hand-built values. The goldens in
// testdata/ were made with the reference bpftrace (see testdata/gen.sh).
package output
