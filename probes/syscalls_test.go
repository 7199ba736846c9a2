package probes

import (
	"errors"
	"runtime"
	"testing"
)

func TestSyscallNr(t *testing.T) {
	if runtime.GOARCH != "amd64" {
		if _, _, ok := SyscallNr("sys_enter_read"); ok {
			t.Error("a syscall number without a table")
		}
		t.Skip("the table is x86-64's")
	}
	for _, c := range []struct {
		event string
		nr    int
		enter bool
		ok    bool
	}{
		{"sys_enter_read", 0, true, true}, {"sys_exit_read", 0, false, true},
		{"sys_enter_newstat", 4, true, true}, {"sys_enter_stat", 0, false, false}, // the event is named after sys_newstat
		{"sys_exit_getppid", 110, false, true}, {"sys_enter_openat2", 437, true, true},
		{"sys_enter_nosuch", 0, false, false}, {"sched_switch", 0, false, false}, {"sys_enter_", 0, false, false},
	} {
		nr, enter, ok := SyscallNr(c.event)
		if ok != c.ok || ok && (nr != c.nr || enter != c.enter) {
			t.Errorf("SyscallNr(%q) = %d, %v, %v; want %d, %v, %v", c.event, nr, enter, ok, c.nr, c.enter, c.ok)
		}
	}
	if SyscallName(110) != "getppid" || SyscallName(-1) != "" || SyscallName(MaxSyscallNr()+1) != "" || SyscallName(156) != "" {
		t.Error("SyscallName")
	}
}

// Without BTF there is no tp_btf program: syscalls stay perf tracepoints.
func TestRawSyscallsNeedBTF(t *testing.T) {
	k := &Kernel{NoBTF: true}
	if abi, err := k.RawSyscalls(); abi != nil || !errors.Is(err, ErrNoRawSyscalls) {
		t.Errorf("RawSyscalls without BTF = %v, %v", abi, err)
	}
}
