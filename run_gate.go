package gtrace

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"fmt"
	"os"
	"sync"

	"golang.org/x/sys/unix"
)

// The -c gate. The command must be stopped somewhere while the probes are
// attached, and whatever it does after that is traced under pid == cpid,
// so counts such as
//
//	tracepoint:syscalls:sys_enter_* /pid == cpid/ { @[probe] = count(); }
//
// include the gate's last system calls. bpftrace 0.17's child blocks in
// read() on a pipe and, once released, makes exactly one close() and the
// execve(): its traces show one sys_exit_read, one close and the execve
// before the command's own calls. The gate program here does exactly that
// (read one byte from fd 3; on anything but one byte, exit 126 without
// running the command, which is what happens when gtrace dies before
// resuming it; close fd 3; execve argv[0] with argv[1:]; if that fails, say so and
// exit 127). A shell gate
// cannot: dash's read builtin reads one byte per call and its <&3
// redirection saves and restores fd 0 (fcntl, dup2, close), so the counts
// differed from bpftrace's; stopping the child with SIGSTOP or ptrace
// instead leaves a kill() or the missing execve in the trace.
//
// The program is a static ELF of about 300 bytes built here (amd64 and
// arm64) and run from a sealed memfd; where that cannot be done (another
// architecture, no /proc, memfds not executable) startCommand falls back
// to the shell gate.

// gateExecFailed is what the gate program says when the command's execve
// fails (a file the kernel cannot run; LookPath checked the rest).
const gateExecFailed = "ERROR: the -c command could not be executed (execve failed: not a program, or no interpreter for it)\n"

// gateMinFD is the lowest fd number the gate program's memfd takes.
const gateMinFD = 100

// gateELF is the gate program: an ELF header, one loadable segment of the
// whole file, then gateCode.
func gateELF() []byte {
	const base = 0x400000
	hdrSize := binary.Size(elf.Header64{}) + binary.Size(elf.Prog64{})
	size := uint64(hdrSize + len(gateCode))
	h := elf.Header64{
		Type:      uint16(elf.ET_EXEC),
		Machine:   gateMachine,
		Version:   uint32(elf.EV_CURRENT),
		Entry:     base + uint64(hdrSize),
		Phoff:     uint64(binary.Size(elf.Header64{})),
		Ehsize:    uint16(binary.Size(elf.Header64{})),
		Phentsize: uint16(binary.Size(elf.Prog64{})),
		Phnum:     1,
	}
	copy(h.Ident[:], elf.ELFMAG)
	h.Ident[elf.EI_CLASS] = byte(elf.ELFCLASS64)
	h.Ident[elf.EI_DATA] = byte(elf.ELFDATA2LSB)
	h.Ident[elf.EI_VERSION] = byte(elf.EV_CURRENT)
	p := elf.Prog64{
		Type:   uint32(elf.PT_LOAD),
		Flags:  uint32(elf.PF_R | elf.PF_X),
		Vaddr:  base,
		Paddr:  base,
		Filesz: size,
		Memsz:  size,
		Align:  0x10000, // also for 64 KiB pages
	}
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, &h)
	binary.Write(&b, binary.LittleEndian, &p)
	b.Write(gateCode)
	return b.Bytes()
}

// gateProgram is the path of the gate program, a sealed memfd of gtrace's
// that stays open while gtrace runs.
var gateProgram = sync.OnceValues(func() (string, error) {
	if gateCode == nil {
		return "", fmt.Errorf("no gate program for this architecture")
	}
	// MFD_EXEC (6.3+) says the memfd is to be executed, as kernels that
	// know it want to be told; older kernels refuse the flag.
	flags := unix.MFD_CLOEXEC | unix.MFD_ALLOW_SEALING
	fd, err := unix.MemfdCreate("gtrace-gate", flags|unix.MFD_EXEC)
	if err == unix.EINVAL {
		fd, err = unix.MemfdCreate("gtrace-gate", flags)
	}
	if err != nil {
		return "", err
	}
	// fd is never closed (and not an *os.File, whose finalizer would
	// close it): the path must stay valid for every -c command.
	fail := func(err error) (string, error) {
		unix.Close(fd)
		return "", err
	}
	if _, err := unix.Write(fd, gateELF()); err != nil {
		return fail(err)
	}
	if err := unix.Fchmod(fd, 0o555); err != nil {
		return fail(err)
	}
	seals := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_ADD_SEALS, seals); err != nil {
		return fail(err)
	}
	// The child execs its own copy of the fd, /proc/self/fd/N: it may not
	// open gtrace's /proc/PID/fd (not dumpable under file capabilities).
	// Go's fork rearranges only the child's first few fds (stdio, the gate
	// pipe, its own error pipe), so N is moved well above them; where
	// that fails (a tiny RLIMIT_NOFILE) gtrace's own entry is named.
	path := fmt.Sprintf("/proc/%d/fd/%d", os.Getpid(), fd)
	if high, err := unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, gateMinFD); err == nil {
		unix.Close(fd)
		fd = high
		path = fmt.Sprintf("/proc/self/fd/%d", fd)
	}
	if _, err := os.Stat(path); err != nil {
		return fail(err)
	}
	return path, nil
})
