package probes

import (
	"fmt"
	"runtime"
)

// Regs is the layout of struct pt_regs on one architecture, the context
// of kprobe, uprobe and usdt programs (bpf_user_pt_regs_t): where each
// register is, and which registers carry arguments and return values.
type Regs struct {
	// Arch is the machine name bpftrace uses in messages ("x86_64").
	Arch string
	// Offsets maps a register name, as reg() and usdt argument specs
	// name it, to its byte offset in the context.
	Offsets map[string]int16
	// Args are the registers of the integer arguments 0..N-1 at a
	// function's entry; later arguments are on the stack.
	Args []string
	// Ret is the register of the return value; IP and SP are the
	// instruction and stack pointers.
	Ret, IP, SP string
	// StackArg0 is the distance from SP to the first argument passed on
	// the stack at a function's entry: x86-64 pushed the return address
	// there, arm64 keeps it in a register.
	StackArg0 int
}

// Offset returns the context offset of a register.
func (r *Regs) Offset(name string) (int16, bool) {
	off, ok := r.Offsets[name]
	return off, ok
}

// amd64Regs: struct pt_regs of arch/x86/include/asm/ptrace.h (64-bit).
var amd64Regs = &Regs{
	Arch: "x86_64",
	Offsets: map[string]int16{
		"r15": 0, "r14": 8, "r13": 16, "r12": 24, "bp": 32, "bx": 40, "r11": 48, "r10": 56,
		"r9": 64, "r8": 72, "ax": 80, "cx": 88, "dx": 96, "si": 104, "di": 112, "orig_ax": 120,
		"ip": 128, "cs": 136, "flags": 144, "sp": 152, "ss": 160,
	},
	Args: []string{"di", "si", "dx", "cx", "r8", "r9"},
	Ret:  "ax", IP: "ip", SP: "sp",
	StackArg0: 8,
}

// arm64Regs: struct user_pt_regs (regs[31], sp, pc, pstate), which
// starts struct pt_regs. Registers answer to x0..x30, r0..r30 and
// regs[0]..regs[30], as bpftrace and usdt notes name them.
var arm64Regs = func() *Regs {
	r := &Regs{
		Arch:    "aarch64",
		Offsets: map[string]int16{"sp": 248, "pc": 256, "pstate": 264},
		Ret:     "x0", IP: "pc", SP: "sp",
	}
	for i := 0; i <= 30; i++ {
		for _, f := range []string{"x%d", "r%d", "regs[%d]"} {
			r.Offsets[fmt.Sprintf(f, i)] = int16(8 * i)
		}
	}
	for i := 0; i < 8; i++ {
		r.Args = append(r.Args, fmt.Sprintf("x%d", i))
	}
	return r
}()

// RegsFor returns the pt_regs layout of a GOARCH, nil for one gtrace
// does not know.
func RegsFor(goarch string) *Regs {
	switch goarch {
	case "amd64":
		return amd64Regs
	case "arm64":
		return arm64Regs
	}
	return nil
}

// HostRegs is the pt_regs layout of the machine gtrace runs on (x86-64
// when gtrace was built for an architecture it has no table for, so that
// code generation still works there: loading will then be refused).
func HostRegs() *Regs {
	if r := RegsFor(runtime.GOARCH); r != nil {
		return r
	}
	return amd64Regs
}
