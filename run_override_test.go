package gtrace

import (
	"os/exec"
	"strings"
	"testing"
)

// override(rc) in a kprobe compiles to bpf_override_return, which the
// verifier takes only in kernels built with CONFIG_BPF_KPROBE_OVERRIDE
// (neither this machine's nor Debian's, so vmtest cannot prove it
// either): where the kernel has it the program loads (--dry-run), where
// not the error names the call and the missing kernel option.
func TestOverrideLoads(t *testing.T) {
	bin := tracer(t)
	if *regenWithBpftrace {
		t.Skip("bpftrace 0.17 has no --dry-run")
	}
	script := `kprobe:vfs_read { override(-12); }`
	code, _, stderr := runBin(t, exec.Command(bin, "--unsafe", "--dry-run", "-e", script))
	switch {
	case code == 0:
		return
	case strings.Contains(stderr, "not found"):
		t.Skipf("no kernel function vfs_read to probe: %s", stderr)
	case strings.Contains(stderr, "bpf_override_return"):
		if !strings.Contains(stderr, "stdin:1:19-32: ERROR:") || !strings.Contains(stderr, "CONFIG_BPF_KPROBE_OVERRIDE") {
			t.Fatalf("the refusal names neither the call nor the kernel option:\n%s", stderr)
		}
		t.Skip("this kernel has no CONFIG_BPF_KPROBE_OVERRIDE: the verifier refuses bpf_override_return")
	default:
		t.Fatalf("exit %d:\n%s", code, stderr)
	}
}
