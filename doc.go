// Package gtrace runs bpftrace programs from Go: it compiles a one-liner or
// a script to eBPF itself (no LLVM, no clang), loads it, attaches its
// probes, and hands the embedding program what the script produces, as
// typed Go values. The gtrace command line is a thin user of this package.
//
// # Running a script
//
// Compile parses and checks a program and returns a Script (a user error
// is a lang.ErrorList that renders as bpftrace's messages). Script.Start
// loads it, attaches its probes, runs BEGIN and returns a Run once the
// probes act (what the caller does next is traced); the events, END and
// the maps at the end follow in the background:
//
//	src := lang.Source{Name: "stdin", Text: `tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }`}
//	script, err := gtrace.Compile(src, gtrace.Options{Kernel: probes.NewKernel()})
//	...
//	run, err := script.Start(ctx, gtrace.RunOptions{Stdout: io.Discard})
//	...
//	maps, err := run.Snapshot("@")  // as often as wanted, while it runs
//	final, err := run.Stop()        // END runs; the maps as they ended
//
// A run ends by itself on exit(), when the traced command
// (RunOptions.Command) or process (RunOptions.PID) exits, or when ctx is
// done; Run.Stop ends it as Ctrl-C ends the command line's, and Run.Wait
// returns its exit code. Script.Run is Start and Wait in one call.
//
// # Events
//
// By default a run prints what bpftrace prints (RunOptions.Stdout, in
// RunOptions.Format). With RunOptions.Events (a channel) or
// RunOptions.OnEvent (a function) it delivers each event as a typed value
// instead: PrintfEvent with the arguments and the formatted text,
// PrintEvent, PrintMapEvent, TimeEvent, CatEvent, SystemEvent, JoinEvent,
// ExitEvent, LostEvent, HelperErrorEvent, ScriptMessageEvent (errorf, warnf), and EndEvent with the final
// maps. Event.Render prints an event exactly as the command line does.
// A consumer that falls behind holds the event loop up (back-pressure);
// the kernel then drops the events its ring buffer cannot hold, and counts
// them: LostEvent, Run.Losses. Nothing is dropped silently.
//
// # Values
//
// Map snapshots and event arguments are the values of package output,
// the same values the text, JSON and table printers print: an output.Map
// has entries whose keys are tuples of output.Value and whose value is a
// count, sum, min, max, avg, stats, hist or lhist (output.Hist.Ranges
// gives its buckets with their bounds), an integer, a string, a stack, ...
// The accessors of output.Value (Int64, Count, Sum, Float64, String)
// read them.
//
// # What a run does to the process
//
// A run needs root (or CAP_BPF, CAP_PERFMON and the others CheckCapabilities
// names). It handles no signals (the command line stops a run on SIGINT
// and SIGTERM by cancelling its context), never exits the process and
// changes no environment. Its kernel objects hang on file descriptors, so
// the kernel removes them even if the process is killed. On kernels before
// 5.11, which charge BPF memory to RLIMIT_MEMLOCK, it lifts that limit, as
// every BPF loader must. When tracefs is not mounted and the process runs
// as root, it is mounted at /sys/kernel/tracing (probes.Tracefs), as the
// command line does. A traced command is a child process with the
// standard input and output RunOptions gives it.
//
// The stages of the compiler live in their own packages (lang, lang/parse,
// lang/sema, probes, codegen, maps, output); this package wires them
// together.
package gtrace
