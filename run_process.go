package gtrace

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// process is the traced process of -c (a command gtrace starts) or -p (a
// running process): the run ends when it exits.
type process struct {
	pid  int
	cmd  *exec.Cmd // -c only
	gate *os.File  // -c: the write end of the pipe the command waits on
	word string    // -c: what opens the gate
	// resumed is closed when a -c command is let run (resume).
	resumed chan struct{}
	done    chan struct{}
	quit    chan struct{} // closed by end: the watchers stop
	once    sync.Once
}

// startCommand starts args suspended: a gate program (run_gate.go) waits
// on the gate pipe, then execs the command in its own process (so the pid,
// cpid, stays the same). The probes are attached meanwhile; resume opens
// the gate. The command keeps gtrace's stdin, stdout and stderr.
//
// The command must never run untraced and never outlive gtrace: if gtrace
// dies before resume (SIGKILL, a SIGTERM before its handlers are set), the
// pipe reaches end of file without the word and the gate exits without
// running the command; and the kernel kills the command when gtrace dies
// (the parent-death signal, see startLocked).
func startCommand(args []string, stdio commandStdio) (*process, error) {
	if len(args) == 0 {
		return nil, &CommandError{errors.New("empty command")}
	}
	path, err := exec.LookPath(args[0])
	if err != nil {
		return nil, &CommandError{fmt.Errorf("command %s not found (or not executable)", args[0])}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, &CommandError{err}
	}
	defer r.Close()
	p := &process{gate: w, done: make(chan struct{}), quit: make(chan struct{}), resumed: make(chan struct{})}
	gated := func(cmd *exec.Cmd, word string) error {
		cmd.Stdin, cmd.Stdout, cmd.Stderr = stdio.in, stdio.out, stdio.err
		cmd.ExtraFiles = []*os.File{r}
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		p.cmd, p.word = cmd, word
		return startLocked(cmd, p.done)
	}
	err = errors.New("no gate program")
	if gate, gerr := gateProgram(); gerr == nil {
		err = gated(&exec.Cmd{Path: gate, Args: append([]string{path}, args...)}, gateByte)
	}
	if err != nil {
		// The shell gate: same safety, more system calls traced after
		// the gate opens (see run_gate.go).
		err = gated(exec.Command("/bin/sh", append([]string{"-c", gateWrapper}, args...)...), gateOpen+"\n")
	}
	if err != nil {
		w.Close()
		return nil, &CommandError{fmt.Errorf("start %s: %w", args[0], err)}
	}
	p.pid = p.cmd.Process.Pid
	return p, nil
}

// CommandError is the failure to start RunOptions.Command.
type CommandError struct{ Err error }

func (e *CommandError) Error() string { return e.Err.Error() }
func (e *CommandError) Unwrap() error { return e.Err }

// commandStdio is the command's standard input, output and error
// (RunOptions.CommandStdin, ...; nil is the null device, as exec.Cmd's).
type commandStdio struct {
	in       io.Reader
	out, err io.Writer
}

// gateByte opens the gate program: it reads one byte; end of file (gtrace
// died) keeps the command from running.
const gateByte = "\n"

// gateOpen is what opens the shell gate; anything else (end of file when
// gtrace died) keeps the command from running.
const gateOpen = "go"

// gateWrapper is the shell gate, where the gate program cannot run. fd 3 is the gate;
// it is closed before the exec so that the command does not inherit it.
const gateWrapper = `IFS= read -r gate <&3 && [ "$gate" = ` + gateOpen + ` ] || exit 126; exec 3<&-; exec "$0" "$@"`

// startLocked starts cmd from a goroutine locked to its OS thread, which
// stays alive until cmd exits (then closes done). The parent-death signal
// is sent when the *thread* that forked the child ends, not the process:
// a Go thread may end whenever a goroutine locked to it returns, which
// would kill the command while gtrace still runs. The kernel sets the
// signal in the child before exec, and Go's fork checks that the parent did
// not die before it was set.
func startLocked(cmd *exec.Cmd, done chan<- struct{}) error {
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		cmd.Wait()
		close(done)
	}()
	return <-started
}

// watchProcess follows a running process (-p) until it exits, through a
// pidfd (5.3+) that becomes readable then, or by polling /proc without one.
func watchProcess(pid int) (*process, error) {
	if err := checkPID(pid); err != nil {
		return nil, err
	}
	p := &process{pid: pid, done: make(chan struct{}), quit: make(chan struct{})}
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		fd = -1
	}
	go func() {
		defer close(p.done)
		if fd >= 0 {
			defer unix.Close(fd)
		}
		for {
			select {
			case <-p.quit:
				return
			default:
			}
			if fd >= 0 {
				fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
				if n, _ := unix.Poll(fds, 200); n > 0 {
					return
				}
				continue
			}
			if checkPID(pid) != nil {
				return
			}
			time.Sleep(200 * time.Millisecond)
		}
	}()
	return p, nil
}

// CheckPID says in one line why pid cannot be traced, or nil.
func CheckPID(pid int) error { return checkPID(pid) }

func checkPID(pid int) error {
	if pid <= 0 {
		return fmt.Errorf("bad process id %d", pid)
	}
	st, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return fmt.Errorf("process %d does not exist", pid)
	}
	// A zombie has exited already: "pid (comm) Z ...".
	for i := len(st) - 1; i > 0; i-- {
		if st[i] == ')' {
			if i+2 < len(st) && st[i+2] == 'Z' {
				return fmt.Errorf("process %d has exited", pid)
			}
			break
		}
	}
	return nil
}

// resume lets a -c command run.
func (p *process) resume() {
	if p != nil && p.gate != nil {
		p.gate.WriteString(p.word)
		p.gate.Close()
		p.gate = nil
		close(p.resumed)
	}
}

// end is called when the run is over: a -c command that still runs is
// ended with SIGTERM (SIGKILL if it lingers), and waited for; a -p process
// is left alone.
func (p *process) end() {
	if p == nil {
		return
	}
	p.once.Do(func() {
		close(p.quit)
		if p.cmd == nil {
			<-p.done
			return
		}
		if p.gate != nil {
			// Never resumed (attaching failed): it must not run.
			p.cmd.Process.Kill()
			p.gate.Close()
		}
		select {
		case <-p.done:
			return
		default:
		}
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.done:
		case <-time.After(2 * time.Second):
			p.cmd.Process.Kill()
			<-p.done
		}
	})
}

// snapshotEvery is how often the traced process's mappings are read.
const snapshotEvery = 50 * time.Millisecond

// newProcess starts the -c command (suspended) or follows the -p process;
// nil when there is neither.
func newProcess(opts *RunOptions) (*process, error) {
	switch {
	case len(opts.Command) > 0:
		return startCommand(opts.Command, commandStdio{opts.CommandStdin, opts.CommandStdout, opts.CommandStderr})
	case opts.PID > 0:
		return watchProcess(opts.PID)
	}
	return nil, nil
}

// childPID is the value of cpid: the -c command's pid, else 0.
func (p *process) childPID() uint32 {
	if p == nil || p.cmd == nil {
		return 0
	}
	return uint32(p.pid)
}

// startProcess takes the process Run started (or starts it, for programs
// run directly) and stops the run when it exits.
func (r *runner) startProcess() (*process, error) {
	p := r.opts.proc
	if p == nil {
		var err error
		if p, err = newProcess(&r.opts); err != nil || p == nil {
			return nil, err
		}
	}
	go func() {
		// Snapshot the process's mappings while it runs, so that its user
		// stacks can be symbolized after it exits (bpftrace prints bare
		// addresses then).
		// The first snapshots after a -c command starts running come
		// quickly (1, 2, 4 ... ms apart): a short-lived command exits
		// before a first tick at snapshotEvery.
		delay := time.Millisecond
		tick := time.NewTimer(delay)
		defer tick.Stop()
		resumed := p.resumed // nil (never ready) for -p
		for {
			select {
			case <-p.done:
				r.events.requestStop()
				return
			case <-p.quit:
				return
			case <-resumed:
				resumed = nil
				delay = time.Millisecond
				tick.Reset(delay)
			case <-tick.C:
				r.usyms.remember(uint32(p.pid))
				delay = min(2*delay, snapshotEvery)
				tick.Reset(delay)
			}
		}
	}()
	return p, nil
}
