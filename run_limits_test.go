package gtrace

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/internal/testkit"
)

// Address-space limits (ulimit -v, issue 13) of the static binary: the Go
// runtime reserves about
// 1.2 GiB of address space before main (cmd/gtrace/limits.go). Under the
// 1,500,000 KiB gtrace asks for, it traces; under less, --info and a run
// say what is wrong; under 700,000 KiB (a limit seen on monitoring agents)
// no Go program starts, which README.md says.
func TestAddressSpaceLimit(t *testing.T) {
	needRoot(t)
	if *regenWithBpftrace {
		t.Skip("not a golden")
	}
	// Static, as `make build` builds it (testkit.Gtrace): a cgo binary
	// adds glibc's thread stacks and malloc arenas to the address space.
	bin := testkit.Gtrace(t)
	under := func(kib, args string) (int, string, string) {
		sh := append([]string{"-c", "ulimit -v " + kib + " && exec \"$0\" \"$@\"", bin}, strings.Fields(args)...)
		return runBin(t, exec.Command("/bin/sh", sh...))
	}
	prog := "-e tracepoint:syscalls:sys_enter_getppid{@=count();}interval:ms:100{exit();}"
	if code, out, errs := under("1500000", prog); code != 0 || !strings.Contains(out, "@: ") || errs != "" {
		t.Errorf("ulimit -v 1500000: exit %d\n%s%s", code, out, errs)
	}
	code, out, errs := under("1000000", "--info")
	if code != 0 || !strings.Contains(out, "address space (ulimit -v): 1000000 KiB (gtrace needs 1500000 KiB)") || !strings.Contains(out, "  address space: the address-space limit") {
		t.Errorf("--info under ulimit -v 1000000: exit %d\n%s%s", code, out, errs)
	}
	if code, _, errs := under("1000000", prog); !strings.Contains(errs, "WARNING: the address-space limit (ulimit -v) is 1000000 KiB") {
		t.Errorf("ulimit -v 1000000: exit %d, no warning:\n%s", code, errs)
	}
	if code, _, errs := under("700000", "-V"); code == 0 {
		t.Errorf("gtrace -V started under ulimit -v 700000: README.md and cmd/gtrace/limits.go say the Go runtime cannot; update them (stderr %q)", errs)
	}
}
