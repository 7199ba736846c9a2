// Package ringbuf reads a BPF_MAP_TYPE_RINGBUF (Linux 5.8+): gtrace's
// event ring, which carries printf and every other async action.
//
// It does what cilium/ebpf's ringbuf.Reader does (epoll on the map, Flush
// to wake a waiting reader, deadlines, busy and discarded records) with
// one difference that is the reason it exists: it maps the data area
// once. The kernel offers the data pages twice in a row so that a record
// that wraps around the end reads as one piece, and cilium's reader maps
// both copies; every mapped page counts in the process's RSS, so a 1 MiB
// ring cost 2 MiB of it (an eighth of gtrace's startup peak). Records are
// copied out of the ring anyway, so a wrapped record is copied in two
// pieces instead.
package ringbuf
