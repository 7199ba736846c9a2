// Package maps owns every byte layout shared by the kernel and user space:
// map definitions (Def), the encoding of keys and values (SizeOf, Layout,
// Encode, Decode), the per-CPU value layouts of aggregations and their
// merging, and reading a whole map into an output.Map (decoded, or lazy:
// decoded entry by entry from the raw bytes as it is printed).
//
// Code generation writes bytes in exactly these layouts and the runtime
// reads them back through this package, so the two sides cannot drift.
//
// Layout rules, in one place:
//
//   - integers take their size (map keys and values are widened to 8 bytes
//     by the checker) and their natural alignment, little-endian as the
//     host; bools 1 byte;
//   - strings are NUL-padded fixed-size byte arrays (alignment 1);
//   - 8-byte scalars: pointers, ksym/usym addresses, probe indexes,
//     usernames (uid), timestamps (ns), strerror (errno), cgroup ids;
//   - stacks are 8 bytes: the stack map id in the low 32 bits, the pid in
//     the high 32 bits for ustack (symbols of user stacks need the process);
//   - tuples: elements in order, each at an offset aligned to its own
//     alignment, the total rounded up to the tuple's alignment. Padding is
//     always zero (code generation zeroes it) so equal keys are equal bytes;
//   - buf(): an 8-byte length followed by the bytes;
//   - ntop(): an 8-byte address family (2 = AF_INET, 10 = AF_INET6) then
//     16 address bytes;
//   - aggregations: see agg.go.
package maps
