package probes

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"

	"github.com/gtrace/gtrace/internal/safefile"
	"golang.org/x/arch/x86/x86asm"
)

// errInsnCheck says an offset's instruction boundary could not be checked
// (bytes the decoder does not know); bpftrace refuses the probe then too.
var errInsnCheck = errors.New("cannot decode the function's instructions")

// onInstruction reports whether off bytes into the function at file
// offset fnOff of path starts an instruction. A uprobe placed inside an
// instruction replaces part of it with a breakpoint and corrupts the code
// it runs, so bpftrace refuses such offsets (unless --unsafe).
//
// x86-64 instructions are 1 to 15 bytes long: the function is decoded
// from its first byte up to off. arm64 instructions are 4 bytes. Other
// machines are not checked.
func onInstruction(path string, machine elf.Machine, fnOff, off uint64) (bool, error) {
	switch machine {
	case elf.EM_AARCH64:
		return off%4 == 0, nil
	case elf.EM_X86_64:
	default:
		return true, nil
	}
	if off == 0 {
		return true, nil
	}
	f, err := safefile.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	code := make([]byte, off+15) // room for the instruction that may straddle off
	n, err := f.ReadAt(code, int64(fnOff))
	if err != nil && !errors.Is(err, io.EOF) {
		return false, err
	}
	code = code[:n]
	pc := uint64(0)
	for pc < off {
		inst, err := x86asm.Decode(code[pc:], 64)
		if err != nil {
			return false, fmt.Errorf("%w at +%d: %v", errInsnCheck, pc, err)
		}
		pc += uint64(inst.Len)
	}
	return pc == off, nil
}
