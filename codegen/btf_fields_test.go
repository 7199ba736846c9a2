package codegen

import (
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
)

// A chain costs one read per pointer hop and one for the value, with the
// embedded members and constant indexes folded into the read's offset, no
// stack clearing before a read, and the helper of the memory's address
// space; the programs pass the verifier.
func TestChainReads(t *testing.T) {
	for _, tc := range []struct {
		src          string
		kernel, user int
	}{
		// real_parent, signal, rlim[7].rlim_cur
		{`BEGIN { @x = curtask->real_parent->signal->rlim[7].rlim_cur; }`, 3, 0},
		// se.cfs_rq, rq, nr_running (fields of every kernel: the CFS
		// queue's own nr_running became nr_queued in 6.13)
		{`BEGIN { @x = curtask->se.cfs_rq->rq->nr_running; }`, 3, 0},
		// a bitfield: one read of its unit
		{`BEGIN { @x = curtask->sched_reset_on_fork; }`, 1, 0},
		// the syscall's pointer argument is user memory
		{`tracepoint:syscalls:sys_enter_clock_nanosleep { @x = args->rqtp->tv_nsec; }`, 0, 1},
		{`uprobe:libc:clock_nanosleep { @x = ((struct __kernel_timespec *)arg0)->tv_nsec; }`, 0, 1},
	} {
		p := compileKernel(t, tc.src)
		kernel, user, clears := 0, 0, 0
		var main *ebpf.ProgramSpec
		for _, ps := range p.Spec.Programs {
			if main == nil || len(ps.Instructions) > len(main.Instructions) {
				main = ps
			}
		}
		ins := main.Instructions
		for i, in := range ins {
			if !in.IsBuiltinCall() {
				continue
			}
			switch asm.BuiltinFunc(in.Constant) {
			case asm.FnProbeReadKernel:
				kernel++
			case asm.FnProbeReadUser:
				user++
			default:
				continue
			}
			// The read's slot is R1 = RFP + slot, set up before the call;
			// a store to that slot just before is a needless clear.
			if i < 3 || ins[i-3].OpCode.ALUOp() != asm.Add || ins[i-3].Dst != asm.R1 {
				continue
			}
			slot := ins[i-3].Constant
			for j := max(0, i-8); j < i-3; j++ {
				if ins[j].OpCode.Class().IsStore() && ins[j].Dst == asm.RFP && int64(ins[j].Offset) == slot {
					clears++
				}
			}
		}
		if kernel != tc.kernel || user != tc.user || clears != 0 {
			t.Errorf("%s: %d kernel reads, %d user reads, %d clears of a read's slot; want %d, %d, 0\n%v",
				tc.src, kernel, user, clears, tc.kernel, tc.user, main.Instructions)
		}
		coll, err := ebpf.NewCollection(p.Spec)
		if err != nil {
			t.Errorf("%s: %+v", tc.src, err)
			continue
		}
		coll.Close()
	}
}
