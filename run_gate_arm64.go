package gtrace

import "encoding/binary"

// gateCode is the machine code of the -c gate program (see gateELF) for
// arm64, the same steps as run_gate_amd64.go's. At entry sp points at
// argc, then argv: argv[0] is the path to exec, argv[1:] the command's own
// argv, then envp. The code is followed by gateExecFailed. Written out as
// instruction words (the project has no assembler at build time); the
// comments are their disassembly (aarch64-linux-gnu-objdump -D -b binary
// -m aarch64).
var gateCode = func() []byte {
	words := []uint32{
		0xd2800060, // mov x0, #3            the gate pipe
		0xd10043e1, // sub x1, sp, #16       a byte below the stack
		0xd2800022, // mov x2, #1            one byte
		0xd28007e8, // mov x8, #63           SYS_read
		0xd4000001, // svc #0
		0xf100041f, // cmp x0, #1
		0x54000221, // b.ne fail             end of file: gtrace died
		0xd2800060, // mov x0, #3
		0xd2800728, // mov x8, #57           SYS_close
		0xd4000001, // svc #0
		0xf94007e0, // ldr x0, [sp, #8]      path = argv[0]
		0x910043e1, // add x1, sp, #16       argv = &argv[1]
		0xf94003e2, // ldr x2, [sp]          argc
		0x8b020c22, // add x2, x1, x2, lsl #3  envp
		0xd2801ba8, // mov x8, #221          SYS_execve
		0xd4000001, // svc #0
		// The exec failed: say so on stderr.
		0xd2800040, // mov x0, #2
		0x10000121, // adr x1, gateExecFailed
		0xd2800002 | uint32(len(gateExecFailed))<<5, // mov x2, #len
		0xd2800808, // mov x8, #64           SYS_write
		0xd4000001, // svc #0
		0xd2800fe0, // mov x0, #127
		0x14000002, // b exit
		// fail:
		0xd2800fc0, // mov x0, #126
		// exit:
		0xd2800bc8, // mov x8, #94           SYS_exit_group
		0xd4000001, // svc #0
	}
	code := make([]byte, 0, 4*len(words)+len(gateExecFailed))
	for _, w := range words {
		code = binary.LittleEndian.AppendUint32(code, w)
	}
	return append(code, gateExecFailed...)
}()

// gateMachine is the ELF e_machine of gateCode.
const gateMachine = 183 // EM_AARCH64
