// Command gtrace is a bpftrace-compatible tracer: it reads a program from
// -e, a file (also as a `#!/usr/bin/env gtrace` script) or standard input,
// compiles it to eBPF without LLVM, and runs it.
//
// Its flags follow bpftrace's, including grouped short flags (-lv) and
// stopping at the script name so that the script's own arguments become the
// positional parameters $1..$N.
package main
