package gtrace

import (
	"bufio"
	"fmt"
	"io"
	"os/exec"
	"syscall"

	"github.com/cilium/ebpf"
)

// -v as bpftrace 0.17: each program is loaded with a verifier log of level
// 1 (branches and the final statistics line), and after "Attaching N
// probes..." each one prints
//
//	<empty line>
//	Program ID: 56030
//	<empty line>
//	The verifier log:
//	processed 21 insns (limit 1000000) max_states_per_insn 0 ...
//	<empty line>
//
// on standard output; the probes attached are named on stderr
// ("Attaching BEGIN"), and when a -c command has ended, how it ended
// follows the maps ("Child exited with code: 2"). In -f json these go to
// stderr, so that standard output stays JSON.

// collectionOptions are the load options of a run: the verifier log
// level of -v and the log buffer size of BPFTRACE_LOG_SIZE.
func (r *runner) collectionOptions() ebpf.CollectionOptions {
	var copts ebpf.CollectionOptions
	if r.opts.Verbose {
		copts.Programs.LogLevel = ebpf.LogLevelBranch
	}
	if r.opts.LogSize > 0 {
		copts.Programs.LogSizeStart = uint32(min(r.opts.LogSize, 1<<30))
	}
	return copts
}

// console is where bpftrace writes its own messages of -v: standard
// output (the -o file excepted), stderr in JSON mode. The returned
// function flushes it.
func (r *runner) console() (io.Writer, func()) {
	switch {
	case r.opts.Format == "json":
		return r.opts.Stderr, func() {}
	case r.opts.Console != nil:
		return r.opts.Console, func() {}
	}
	// Through the output's own buffer, to keep the order of the lines.
	return r.out.w, func() { r.out.flush() }
}

// printVerbose prints, with -v, the probes being attached (stderr) and
// each loaded program's id and verifier log.
func (r *runner) printVerbose() {
	if !r.opts.Verbose {
		return
	}
	for _, p := range r.prog.Probes {
		for _, t := range p.Targets {
			fmt.Fprintf(r.opts.Stderr, "Attaching %s\n", t.Name)
		}
	}
	w, flush := r.console()
	defer flush()
	bw := bufio.NewWriter(w)
	defer bw.Flush()
	for _, p := range r.prog.Probes {
		prog := r.objs.coll.Programs[p.Program]
		if prog == nil {
			continue
		}
		if info, err := prog.Info(); err == nil {
			if id, ok := info.ID(); ok {
				fmt.Fprintf(bw, "\nProgram ID: %d\n", id)
			}
		}
		fmt.Fprintf(bw, "\nThe verifier log: \n%s\n", prog.VerifierLog)
	}
}

// printChildStatus prints, with -v, how the -c command ended, when it has.
func (r *runner) printChildStatus(p *process) {
	if !r.opts.Verbose || p == nil || p.cmd == nil {
		return
	}
	select {
	case <-p.done:
	default:
		return // still running: ended after the results, as bpftrace
	}
	w, flush := r.console()
	defer flush()
	if msg := childStatus(p.cmd); msg != "" {
		fmt.Fprintln(w, msg)
	}
}

// childStatus is bpftrace's line for an ended command.
func childStatus(cmd *exec.Cmd) string {
	st := cmd.ProcessState
	if st == nil {
		return ""
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return fmt.Sprintf("Child terminated by signal: %d", int(ws.Signal()))
	}
	return fmt.Sprintf("Child exited with code: %d", st.ExitCode())
}
