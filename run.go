package gtrace

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
	"github.com/gtrace/gtrace/output"
	"github.com/gtrace/gtrace/probes"
)

// RunOptions control running a script in the kernel.
type RunOptions struct {
	// Stdout receives the tracing output (printf, print, the maps at exit);
	// bpftrace's -o FILE. Default os.Stdout.
	Stdout io.Writer
	// Stderr receives warnings, and the messages of -v in JSON mode.
	// Default os.Stderr.
	Stderr io.Writer
	// Console, when set, is bpftrace's own standard output while -o sends
	// the tracing output (Stdout) to a file: bpftrace 0.17 writes the two
	// newlines before the maps at exit and the -v program logs there.
	Console io.Writer
	// Format is the output format, one of OutputFormats() (the list in
	// run_output.go); "" is "text".
	Format string
	// Quiet suppresses "Attaching N probes..." (-q).
	Quiet bool
	// Verbose prints each program's id and verifier log after
	// "Attaching N probes...", the probes attached (on Stderr) and how a
	// -c command ended, as bpftrace 0.17's -v (run_verbose.go).
	Verbose bool
	// LogSize is the size of the verifier log buffer to start with
	// (BPFTRACE_LOG_SIZE, config log_size); 0 means cilium/ebpf's
	// default. The buffer grows when the log does not fit.
	LogSize int
	// DryRun compiles and loads every program (so the verifier checks it),
	// attaches nothing and returns 0 (--dry-run).
	DryRun bool
	// MaxMapKeys bounds every hash map (BPFTRACE_MAP_KEYS_MAX); 0 means 4096.
	MaxMapKeys int
	// RingBufBytes is the size of the event ring buffer, a power of two
	// multiple of the page size; 0 keeps the code generator's default.
	RingBufBytes int
	// MaxCatBytes bounds what cat() prints of a file
	// (BPFTRACE_CAT_BYTES_MAX, config max_cat_bytes); 0 means 10240.
	MaxCatBytes int
	// NoMapsOnExit keeps the maps from being printed when the run ends
	// (config print_maps_on_exit = false); print() still prints them.
	NoMapsOnExit bool
	// HelperErrors is -k (1) or -kk (2): report BPF helper calls that fail
	// at run time as warnings on the output, as bpftrace 0.17: -k the
	// helpers whose failure is unusual (map updates and deletes,
	// get_stackid, ...), -kk also the probe_read family and map lookups
	// that find nothing.
	HelperErrors int
	// Mangled keeps C++ names as the ELF has them in func, usym and
	// ustack (BPFTRACE_NO_CPP_DEMANGLE=1; config cpp_demangle = false
	// does the same).
	Mangled bool
	// NoWarnings drops warnings: the text of helper errors (JSON keeps
	// its helper_error objects, as bpftrace 0.17's --no-warnings) and the
	// runtime's own warnings on Stderr.
	NoWarnings bool
	// Kernel is the source of kernel facts shared with the checker (so
	// tracefs and BTF are read once); nil takes the one the Script was
	// compiled with (Options.Kernel), else a new one.
	Kernel *probes.Kernel
	// Command is the command to trace and its arguments (the command
	// line's -c): started suspended before the probes are attached,
	// resumed after BEGIN; the run ends when it exits, and it is sent
	// SIGTERM if the run ends first. Starting it fails with a
	// *CommandError.
	Command []string
	// CommandStdin, CommandStdout and CommandStderr are the command's
	// standard input, output and error; nil is the null device (as in
	// os/exec).
	CommandStdin                 io.Reader
	CommandStdout, CommandStderr io.Writer
	// PID is the -p process: the run ends when it exits. (Resolving
	// library names in it and limiting uprobes to it is Kernel.PID.)
	PID int
	// Events, when set, receives every event of the run as a typed value
	// (PrintfEvent, PrintMapEvent, EndEvent, ...) instead of Stdout, which
	// then gets nothing. The run sends and waits: read the channel until
	// the run closes it, when the run has ended (Run.Stop waits for the
	// events END produces to be read); a failed Start leaves it open. A
	// reader that falls behind holds the events up; the kernel then drops
	// what the ring buffer cannot hold and counts it (LostEvent,
	// Run.Losses).
	Events chan<- Event
	// OnEvent, when set, is called with every event instead (and in
	// place of Events), from the goroutine that reads the ring buffer:
	// the next event waits until it returns. It must not call Run.Stop
	// or Run.Wait, which wait for that goroutine; it may cancel the
	// run's context, or call Run.Snapshot.
	OnEvent func(Event)
	// proc is the -c command or -p process, started by Run (nil: the
	// runner starts it).
	proc *process
	// perfSyscalls attaches every syscalls:* target as its own perf
	// tracepoint, as without raw_syscalls support (tests compare the two).
	perfSyscalls bool
	// beforeBegin, when set, runs between attaching and BEGIN (tests
	// stretch that window with it).
	beforeBegin func()
	// perfUprobes attaches every uprobe target as its own perf-event
	// uprobe, as on kernels without uprobe_multi (tests interrupt a slow
	// attach with it).
	perfUprobes bool
	// beforeAttach, when set, is called before each target is attached
	// (tests slow attaching down as a busy machine does).
	beforeAttach func()
	// BackgroundDetach lets a helper process (/bin/sh) do the slow part of
	// detaching many perf-event tracepoints after Run returns, so that
	// gtrace can exit at once (see runner.detach).
	BackgroundDetach bool
}

// DefaultMaxMapKeys is bpftrace's default map size.
const DefaultMaxMapKeys = 4096

// ExitFailure is the exit code of a run that could not load or attach its
// programs, as bpftrace's -1.
const ExitFailure = 255

func (o *RunOptions) setDefaults() {
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	if o.Stderr == nil {
		o.Stderr = os.Stderr
	}
	if o.MaxCatBytes <= 0 {
		o.MaxCatBytes = DefaultMaxCatBytes
	}
	if o.MaxMapKeys <= 0 {
		o.MaxMapKeys = DefaultMaxMapKeys
	}
	if o.Kernel == nil {
		o.Kernel = probes.NewKernel()
	}
}

// Run runs the script to its end and returns the exit code: Start, then
// Wait. The code is 0, the code given to exit(N), 1 for a script error
// found while generating code, or ExitFailure with an error saying what
// failed and what to do.
func (s *Script) Run(ctx context.Context, opts RunOptions) (int, error) {
	run, code, err := s.start(ctx, opts)
	if err != nil {
		return code, err
	}
	return run.Wait()
}

// Start compiles the script to eBPF, loads it, attaches its probes, runs
// BEGIN, and returns once the probes act: what the caller does next is
// traced. The events (BEGIN's first), END and the maps printed at the end
// follow in the background. The run ends by itself on
// exit(), when the traced command (RunOptions.Command) or process
// (RunOptions.PID) exits, when ctx is done, or with Run.Stop. An error
// means nothing is left running; ExitCode tells its exit code.
func (s *Script) Start(ctx context.Context, opts RunOptions) (*Run, error) {
	run, code, err := s.start(ctx, opts)
	if err != nil {
		return nil, &startError{code: code, err: err}
	}
	return run, nil
}

// ExitCode is the exit code the command line gives an error of Start or
// Run: 1 for a script error found while generating code (as bpftrace's
// "Failed to compile"), ExitFailure for any other failure to load or
// attach, and 0 for nil.
func ExitCode(err error) int {
	var se *startError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &se):
		return se.code
	}
	return ExitFailure
}

// startError is an error of Start with its exit code (ExitCode).
type startError struct {
	code int
	err  error
}

func (e *startError) Error() string { return e.err.Error() }
func (e *startError) Unwrap() error { return e.err }

// start is Start, also returning the exit code of a failure (1 for a
// script error, else ExitFailure).
func (s *Script) start(ctx context.Context, opts RunOptions) (*Run, int, error) {
	if opts.Kernel == nil {
		opts.Kernel = s.kernel
	}
	opts.setDefaults()
	if !opts.DryRun {
		// The -c command starts (suspended) before code generation, which
		// needs its pid for cpid.
		proc, err := newProcess(&opts)
		if err != nil {
			return nil, ExitFailure, err
		}
		opts.proc = proc
	}
	prog, err := s.generate(&opts)
	if err != nil {
		opts.proc.end()
		var d *lang.Diagnostic
		if errors.As(err, &d) {
			return nil, 1, err // a script error, as bpftrace's "Failed to compile"
		}
		return nil, ExitFailure, err
	}
	run, err := startProgram(ctx, s, prog, opts)
	if err != nil {
		return nil, ExitFailure, err
	}
	return run, 0, nil
}

// runProgram runs an already generated program to its end: what tests
// drive with hand-built codegen.Programs. s may be nil (no source spans).
func runProgram(ctx context.Context, s *Script, prog *codegen.Program, opts RunOptions) (int, error) {
	run, err := startProgram(ctx, s, prog, opts)
	if err != nil {
		return ExitFailure, err
	}
	return run.Wait()
}

// startProgram loads and attaches prog and starts the rest of the run in
// the background. On error everything it started is released.
func startProgram(ctx context.Context, s *Script, prog *codegen.Program, opts RunOptions) (*Run, error) {
	opts.setDefaults()
	out, err := newSink(&opts)
	if err != nil {
		opts.proc.end()
		return nil, err
	}
	r := &runner{script: s, prog: prog, opts: opts, out: out}
	r.users = sync.OnceValue(func() map[uint64]string { return readPasswd("/etc/passwd") })
	r.kernelMapping = sync.OnceValue(r.readKernelMapping)
	r.usyms.files = opts.Kernel.ELF
	r.usyms.mangled = opts.Mangled
	if demangle, ok := s.configBool("cpp_demangle"); ok && !demangle {
		r.usyms.mangled = true
	}
	r.actions = r.actionStates()
	r.decoder = &maps.Decoder{Probes: prog.ProbeNames}
	run := &Run{r: r, done: make(chan struct{})}
	if err := r.load(); err != nil {
		r.release()
		opts.proc.end()
		return nil, err
	}
	if opts.DryRun {
		run.end(0, nil, func() {})
		return run, nil
	}
	stop, err := r.start(ctx)
	if err != nil {
		r.opts.Events = nil // not closed: there is no run to end
		run.end(ExitFailure, err, stop)
		opts.proc.end()
		return nil, err
	}
	r.acting = make(chan struct{})
	go func() {
		defer r.markActing()
		code, err := r.run()
		run.end(code, err, stop)
	}()
	// BEGIN has run and the probes act once Start returns: what the
	// caller does next is traced.
	<-r.acting
	return run, nil
}

// runner holds the kernel objects of one run.
type runner struct {
	script *Script
	prog   *codegen.Program
	opts   RunOptions
	out    *sink

	objs     *objects
	attached []*probes.Attachment
	// detached is closed when the links given to detachSoon are closed.
	detached chan struct{}
	events   *eventLoop

	final []*output.Map // every map as read at the end
	// acting is closed once BEGIN has run and the probes act, or the
	// run ended before (markActing).
	acting     chan struct{}
	actingOnce sync.Once
	actions    []actionState // per action id
	decoder    *maps.Decoder
	phaseMu    sync.Mutex  // run_phase.go
	cgroups    cgroupPaths // run_cgroup.go
	exitCode   int
	lost       lostTracker
	proc       *process // the -c command or -p process, nil without

	usyms usyms // user symbols, per process, read on first use
	// users maps uids to names, read from /etc/passwd on first use.
	users func() map[uint64]string
	// kallsymsWarned: the warning that kernel symbols are hidden is given
	// once (run_symbols.go).
	kallsymsWarned sync.Once
	// kernelMapping is the kernel as its frames' mapping, made on first
	// use.
	kernelMapping func() *output.Mapping
	// boot is the boot time strftime() values are dated from
	// (run_strftime.go).
	boot bootClock
}

// start creates the event loop, starts watching for stop requests, starts
// the -c command or follows the -p process, and attaches the probes. Stop
// requests are watched from before attaching, so one that arrives early
// still ends the run through END and the maps. The returned function stops
// watching (also after an error).
func (r *runner) start(ctx context.Context) (stop func(), err error) {
	loop, err := newEventLoop(r)
	if err != nil {
		return func() {}, err
	}
	r.events = loop
	stop = r.watchStop(ctx)
	proc, err := r.startProcess()
	if err != nil {
		return stop, err
	}
	r.proc = proc
	if proc != nil && proc.cmd != nil && r.opts.Kernel != nil {
		// watchpoint:FUNC+argN probes FUNC in the command's binary.
		r.opts.Kernel.Command, _ = exec.LookPath(r.opts.Command[0])
		r.opts.Kernel.CommandPID = proc.pid
	}
	if err := r.attach(); err != nil {
		return stop, err
	}
	return stop, nil
}

// run is the rest of a run once the probes are attached: BEGIN, the event
// loop, and the exit sequence.
func (r *runner) run() (int, error) {
	loop := r.events
	if err := r.runBegin(); err != nil {
		return ExitFailure, err
	}
	if !loop.stopping() {
		// A run stopped before it began (Ctrl-C while attaching) never
		// lets its -c command run.
		r.proc.resume()
	}
	if r.stoppedInKernel() {
		loop.stop.Store(true) // exit() in BEGIN
	}
	if !loop.stopping() {
		if err := loop.run(); err != nil {
			return ExitFailure, err
		}
	}
	if err := r.finish(); err != nil {
		return ExitFailure, fmt.Errorf("printing the results: %w", err)
	}
	return r.exitCode, nil
}
