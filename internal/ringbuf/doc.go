// Package ringbuf reads a BPF_MAP_TYPE_RINGBUF (Linux 5.8+): gtrace's
// event ring, which carries printf and every other async action.
//
// It does what cilium/ebpf's ringbuf.Reader does (epoll on the map, Flush
// to wake a waiting reader, deadlines, busy and discarded records) with
// two differences that are the reasons it exists. First, it maps the data
// area once. The kernel offers the data pages twice in a row so that a record
// that wraps around the end reads as one piece, and cilium's reader maps
// both copies; every mapped page counts in the process's RSS, so a 1 MiB
// ring cost 2 MiB of it (an eighth of gtrace's startup peak). Records are
// copied out of the ring anyway, so a wrapped record is copied in two
// pieces instead.
//
// Second, besides cilium's record-at-a-time ReadInto, it reads a batch at
// a time (Begin, Next, Wait: batch.go): the positions shared with the
// producing CPUs are touched once per batch instead of once per record,
// and Wait lingers when records come fast so that one wake-up serves many
// (wait.go). That made gtrace's printf consumer 3x cheaper per line under
// a flood and 5x under a paced load.
package ringbuf
