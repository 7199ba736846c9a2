package codegen

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// nameTable is a number → text table the programs read at run time, as
// bpftrace 0.25+ compiles syscall_name() and signal_name(): a read-only
// array map of 64-byte strings filled when loading; a number outside it,
// or with no text, gives the table's unknown text.
type nameTable struct {
	mapName string
	size    int // entries: bpftrace's index mask + 1
	unknown string
	text    func(n int) string
}

// nameSize is the size of one entry and of the function's string result
// (sema's string[64]).
const nameSize = 64

var (
	syscallNames = &nameTable{mapName: "syscall_names", size: 0x400, unknown: "Unknown syscall", text: probes.SyscallName}
	signalNames  = &nameTable{mapName: "signal_names", size: 0x80, unknown: "N/A", text: signalDescription}
)

func init() {
	addMem("syscall_name", func(g *gen, call *lang.Call, dt *lang.Type, base asm.Register, off int16, _ bool) {
		g.nameOf(syscallNames, call, dt, base, off)
	})
	addMem("signal_name", func(g *gen, call *lang.Call, dt *lang.Type, base asm.Register, off int16, _ bool) {
		g.nameOf(signalNames, call, dt, base, off)
	})
}

// signalDescription is strsignal(3)'s text for a signal number, as
// bpftrace's table has it (glibc's words, not the SIG names).
func signalDescription(n int) string {
	switch {
	case n >= 1 && n < len(signalTexts):
		return signalTexts[n]
	case n == 0 || n == 32 || n == 33:
		return fmt.Sprintf("Unknown signal %d", n)
	case n >= 34 && n <= 64:
		return fmt.Sprintf("Real-time signal %d", n-34)
	}
	return ""
}

var signalTexts = []string{1: "Hangup", "Interrupt", "Quit", "Illegal instruction", "Trace/breakpoint trap",
	"Aborted", "Bus error", "Floating point exception", "Killed", "User defined signal 1",
	"Segmentation fault", "User defined signal 2", "Broken pipe", "Alarm clock", "Terminated",
	"Stack fault", "Child exited", "Continued", "Stopped (signal)", "Stopped",
	"Stopped (tty input)", "Stopped (tty output)", "Urgent I/O condition", "CPU time limit exceeded",
	"File size limit exceeded", "Virtual timer expired", "Profiling timer expired", "Window changed",
	"I/O possible", "Power failure", "Bad system call"}

// nameMap declares the table's map once per script.
func (c *compiler) nameMap(t *nameTable) {
	if c.out.Spec.Maps[t.mapName] != nil {
		return
	}
	var contents []ebpf.MapKV
	for n := range t.size {
		if s := t.text(n); s != "" {
			v := make([]byte, nameSize)
			copy(v[:nameSize-1], s)
			contents = append(contents, ebpf.MapKV{Key: uint32(n), Value: v})
		}
	}
	c.out.Spec.Maps[t.mapName] = &ebpf.MapSpec{
		Name: t.mapName, Type: ebpf.Array, KeySize: 4, ValueSize: nameSize,
		MaxEntries: uint32(t.size), Contents: contents, Flags: sysMapFlags,
	}
}

// nameOf writes the text of number call.Args[0] (taken as an int32, as
// bpftrace does) at base+off.
func (g *gen) nameOf(t *nameTable, call *lang.Call, dt *lang.Type, base asm.Register, off int16) {
	g.c.nameMap(t)
	unknown, end := g.b.label("name_unknown"), g.b.label("name_end")
	key := g.f.alloc(8)
	g.intExpr(call.Args[0], asm.R0)
	g.b.emit(
		asm.LSh.Imm(asm.R0, 32), asm.ArSh.Imm(asm.R0, 32),
		asm.JSLT.Imm(asm.R0, 0, unknown),
		asm.JSGE.Imm(asm.R0, int32(t.size), unknown),
		asm.StoreMem(asm.RFP, key, asm.R0, asm.Word),
		asm.LoadMapPtr(asm.R1, 0).WithReference(t.mapName),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, int32(key)),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, unknown),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.Byte),
		asm.JEq.Imm(asm.R1, 0, unknown),
	)
	n := min(dt.Size, nameSize)
	for i := 0; i+8 <= n; i += 8 {
		g.b.emit(asm.LoadMem(asm.R1, asm.R0, int16(i), asm.DWord), asm.StoreMem(base, off+int16(i), asm.R1, asm.DWord))
	}
	if r := n % 8; r != 0 {
		g.zero(base, off+int16(n-r), r)
	}
	if dt.Size > n {
		g.zero(base, off+int16(n), dt.Size-n)
	}
	g.b.emit(asm.Ja.Label(end))
	g.b.mark(unknown)
	g.literal(t.unknown, dt, base, off, true)
	g.b.mark(end)
}
