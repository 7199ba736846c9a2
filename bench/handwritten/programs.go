package main

import (
	"fmt"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

// The programs, as short as the semantics allow. Each is what one would
// write in C for the job and what clang -O2 makes of it, with what a
// compiler cannot know: a per-CPU value needs no atomic add, a
// histogram bucket index needs one bounds check at most.

// program is a loaded program with its maps.
type program struct {
	prog *ebpf.Program
	maps []*ebpf.Map
}

func (p *program) Close() {
	p.prog.Close()
	for _, m := range p.maps {
		m.Close()
	}
}

func load(name string, insns asm.Instructions, maps ...*ebpf.Map) (*program, error) {
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Name:         name,
		Type:         ebpf.TracePoint,
		License:      "GPL",
		Instructions: insns,
	})
	if err != nil {
		for _, m := range maps {
			m.Close()
		}
		return nil, fmt.Errorf("loading %s: %w", name, err)
	}
	return &program{prog: prog, maps: maps}, nil
}

// commKey is the size of a comm: TASK_COMM_LEN.
const commKey = 16

// maxKeys is bpftrace's default map size, and gtrace's.
const maxKeys = 4096

// countInsns is @[comm] = count(): the comm into a zeroed 16-byte key
// on the stack (zeroed because bpf_get_current_comm pads with zeroes only
// on newer kernels), one lookup, and in the common case an increment of
// this CPU's counter; a new key is inserted with the value 1.
func countInsns(counts *ebpf.Map) asm.Instructions {
	return asm.Instructions{
		storeDW(asm.RFP, -16, 0),
		storeDW(asm.RFP, -8, 0),
		asm.Mov.Reg(asm.R1, asm.RFP),
		asm.Add.Imm(asm.R1, -16),
		asm.Mov.Imm(asm.R2, commKey),
		asm.FnGetCurrentComm.Call(),
		asm.LoadMapPtr(asm.R1, counts.FD()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -16),
		asm.FnMapLookupElem.Call(),
		asm.JNE.Imm(asm.R0, 0, "found"),
		// First event of this comm: insert 1 (BPF_ANY: another CPU that
		// inserted the key at the same time keeps its own count).
		storeDW(asm.RFP, -24, 1),
		asm.LoadMapPtr(asm.R1, counts.FD()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -16),
		asm.Mov.Reg(asm.R3, asm.RFP),
		asm.Add.Imm(asm.R3, -24),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnMapUpdateElem.Call(),
		asm.Ja.Label("exit"),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord).WithSymbol("found"),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("exit"),
		asm.Return(),
	}
}

// histBuckets is the number of log2 buckets: negative, 0, 1, then
// [2^k, 2^(k+1)) for k = 1..62, as bpftrace 0.17 counts them.
const histBuckets = 65

// histInsns is @ns = hist(nsecs & 0xfffff): the bucket index by a binary
// search for the highest bit (eBPF has no count-leading-zeros), and an
// increment of that bucket in this CPU's copy of a one-element per-CPU
// array (whose lookup the verifier inlines). The search is the general
// one for any 64-bit value: nothing is assumed from the mask.
func histInsns(hist *ebpf.Map) asm.Instructions {
	insns := asm.Instructions{
		asm.FnKtimeGetBootNs.Call(),
		asm.And.Imm(asm.R0, 0xfffff),
		asm.JSLT.Imm(asm.R0, 0, "negative"),
		asm.JLT.Imm(asm.R0, 2, "small"),
		// index = 2 + floor(log2(v)), searched 32, 16, 8, 4, 2, 1 bits at a time
		asm.Mov.Imm(asm.R7, 2),
		asm.Mov.Reg(asm.R2, asm.R0),
		asm.RSh.Imm(asm.R2, 32),
		asm.JEq.Imm(asm.R2, 0, "bits16"),
		asm.Mov.Reg(asm.R0, asm.R2),
		asm.Add.Imm(asm.R7, 32),
	}
	for _, bits := range []int32{16, 8, 4, 2} {
		next := fmt.Sprintf("bits%d", bits/2)
		insns = append(insns,
			asm.JLT.Imm(asm.R0, 1<<bits, next).WithSymbol(fmt.Sprintf("bits%d", bits)),
			asm.RSh.Imm(asm.R0, bits),
			asm.Add.Imm(asm.R7, bits),
		)
	}
	insns = append(insns,
		asm.JLT.Imm(asm.R0, 2, "bucket").WithSymbol("bits1"),
		asm.Add.Imm(asm.R7, 1),
		asm.Ja.Label("bucket"),
		asm.Mov.Imm(asm.R7, 0).WithSymbol("negative"),
		asm.Ja.Label("bucket"),
		asm.Mov.Reg(asm.R7, asm.R0).WithSymbol("small"),
		asm.Add.Imm(asm.R7, 1),
		// this CPU's buckets
		asm.StoreImm(asm.RFP, -4, 0, asm.Word).WithSymbol("bucket"),
		asm.LoadMapPtr(asm.R1, hist.FD()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "exit"),
		asm.JGE.Imm(asm.R7, histBuckets, "exit"), // for the verifier
		asm.LSh.Imm(asm.R7, 3),
		asm.Add.Reg(asm.R0, asm.R7),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("exit"),
		asm.Return(),
	)
	return insns
}

// printfRecord is the ring-buffer record of printf("ev %d %s\n", pid,
// comm), laid out as gtrace lays it out: the printf's id (u64), the pid
// (u64), the comm (16 bytes).
const printfRecord = 32

// printfInsns reserves the record in the ring buffer, fills it in place
// and submits it with the default (adaptive) wake-up; a full ring adds 1
// to this CPU's lost counter.
func printfInsns(events, lost *ebpf.Map) asm.Instructions {
	return asm.Instructions{
		asm.LoadMapPtr(asm.R1, events.FD()),
		asm.Mov.Imm(asm.R2, printfRecord),
		asm.Mov.Imm(asm.R3, 0),
		asm.FnRingbufReserve.Call(),
		asm.JEq.Imm(asm.R0, 0, "lost"),
		asm.Mov.Reg(asm.R7, asm.R0),
		storeDW(asm.R7, 0, 0),
		asm.FnGetCurrentPidTgid.Call(),
		asm.RSh.Imm(asm.R0, 32),
		asm.StoreMem(asm.R7, 8, asm.R0, asm.DWord),
		asm.Mov.Reg(asm.R1, asm.R7),
		asm.Add.Imm(asm.R1, 16),
		asm.Mov.Imm(asm.R2, commKey),
		asm.FnGetCurrentComm.Call(),
		asm.Mov.Reg(asm.R1, asm.R7),
		asm.Mov.Imm(asm.R2, 0),
		asm.FnRingbufSubmit.Call(),
		asm.Ja.Label("exit"),
		asm.StoreImm(asm.RFP, -4, 0, asm.Word).WithSymbol("lost"),
		asm.LoadMapPtr(asm.R1, lost.FD()),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, -4),
		asm.FnMapLookupElem.Call(),
		asm.JEq.Imm(asm.R0, 0, "exit"),
		asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		asm.Add.Imm(asm.R1, 1),
		asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord),
		asm.Mov.Imm(asm.R0, 0).WithSymbol("exit"),
		asm.Return(),
	}
}

// storeDW is *(u64 *)(dst + off) = imm (sign-extended from 32 bits), an
// instruction asm.StoreImm does not make.
func storeDW(dst asm.Register, off int16, imm int32) asm.Instruction {
	return asm.Instruction{OpCode: asm.StoreImmOp(asm.DWord), Dst: dst, Offset: off, Constant: int64(imm)}
}
