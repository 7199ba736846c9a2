package probes

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"unsafe"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/features"
	"golang.org/x/sys/unix"
)

// Support is the answer to one feature probe.
type Support struct {
	OK     bool
	Reason string // why not (or a detail when OK)
}

func (s Support) String() string {
	if s.OK {
		if s.Reason != "" {
			return "yes (" + s.Reason + ")"
		}
		return "yes"
	}
	return "no: " + s.Reason
}

func supportOf(err error) Support {
	if err == nil {
		return Support{OK: true}
	}
	return Support{Reason: err.Error()}
}

func supportIf(ok bool, reason string) Support {
	if ok {
		return Support{OK: true}
	}
	return Support{Reason: reason}
}

// Features are the kernel capabilities gtrace cares about, each detected
// by probing (a file, a map or program load), never from the kernel
// version: distributions backport and configs differ.
type Features struct {
	Tracefs     Support // mounted (not mounted by this probe)
	BTF         Support // /sys/kernel/btf/vmlinux parses (5.2+, CONFIG_DEBUG_INFO_BTF)
	Kprobes     Support // kprobe PMU (4.17+) or kprobe_events (CONFIG_KPROBES)
	Uprobes     Support // uprobe PMU (4.17+) or uprobe_events (CONFIG_UPROBES)
	RingBuf     Support // BPF_MAP_TYPE_RINGBUF (5.8+)
	RawTPRun    Support // BPF_PROG_TEST_RUN of a raw tracepoint program (5.10+): how BEGIN/END run
	Fentry      Support // tracing programs on BPF trampolines (5.5+)
	KprobeMulti Support // BPF_LINK_TYPE_KPROBE_MULTI (5.18+)
	UprobeMulti Support // BPF_LINK_TYPE_UPROBE_MULTI (6.6+)
	// SoftwareEvents is a software perf event (cpu-clock) opened for
	// every process: what profile, interval and software probes need.
	SoftwareEvents Support
	// HardwareEvents is a hardware perf event (cpu-cycles): a PMU, on
	// bare metal or a virtual machine with a virtual PMU.
	HardwareEvents Support
}

var (
	featuresOnce sync.Once
	featuresVal  *Features
)

// ProbeFeatures probes the running kernel once per process and caches the
// answers. It needs privilege for the BPF probes (root or CAP_BPF).
func ProbeFeatures(k *Kernel) *Features {
	featuresOnce.Do(func() { featuresVal = probeFeatures(k) })
	return featuresVal
}

func probeFeatures(k *Kernel) *Features {
	f := &Features{}
	if d := FindTracefs(); d != "" {
		f.Tracefs = Support{OK: true, Reason: d}
	} else {
		f.Tracefs = Support{Reason: "not mounted (mount -t tracefs nodev " + DefaultTracefs + ")"}
	}
	if k == nil {
		k = NewKernel()
	}
	_, err := k.Spec()
	f.BTF = supportOf(err)
	f.Kprobes = supportIf(haveKprobes(), "no kprobe PMU and no kprobe_events (kernel built without CONFIG_KPROBES)")
	f.Uprobes = supportIf(havePMU("uprobe", "uprobe_events"), "no uprobe PMU and no uprobe_events (kernel built without CONFIG_UPROBES)")
	f.RingBuf = supportOf(features.HaveMapType(ebpf.RingBuf))
	f.RawTPRun = supportOf(probeRawTPRun())
	f.Fentry = supportOf(probeFentry(k))
	f.KprobeMulti = supportOf(features.HaveBPFLinkKprobeMulti())
	f.UprobeMulti = supportOf(features.HaveBPFLinkUprobeMulti())
	f.SoftwareEvents = perfEventSupport(unix.PERF_TYPE_SOFTWARE, unix.PERF_COUNT_SW_CPU_CLOCK)
	f.HardwareEvents = perfEventSupport(unix.PERF_TYPE_HARDWARE, unix.PERF_COUNT_HW_CPU_CYCLES)
	return f
}

// perfEventSupport opens a disabled counting perf event of the given type
// on CPU 0 for every process, and closes it.
func perfEventSupport(typ, config uint32) Support {
	attr := unix.PerfEventAttr{Type: typ, Config: uint64(config), Size: uint32(unsafe.Sizeof(unix.PerfEventAttr{})), Bits: unix.PerfBitDisabled}
	fd, err := unix.PerfEventOpen(&attr, -1, 0, -1, unix.PERF_FLAG_FD_CLOEXEC)
	if err != nil {
		return Support{Reason: "perf_event_open: " + err.Error()}
	}
	unix.Close(fd)
	return Support{OK: true}
}

func havePMU(pmu, tracefsFile string) bool {
	if _, err := os.Stat("/sys/bus/event_source/devices/" + pmu); err == nil {
		return true
	}
	if d := FindTracefs(); d != "" {
		if _, err := os.Stat(d + "/" + tracefsFile); err == nil {
			return true
		}
	}
	return false
}

var retZero = asm.Instructions{asm.Mov.Imm(asm.R0, 0), asm.Return()}

// probeRawTPRun loads a trivial raw tracepoint program and runs it with
// BPF_PROG_TEST_RUN, exactly what BEGIN/END need.
func probeRawTPRun() error {
	prog, err := ebpf.NewProgram(&ebpf.ProgramSpec{
		Type: ebpf.RawTracepoint, Instructions: retZero, License: "GPL",
	})
	if err != nil {
		return fmt.Errorf("load raw tracepoint program: %w", err)
	}
	defer prog.Close()
	if _, err := prog.Run(&ebpf.RunOptions{}); err != nil {
		return err
	}
	return nil
}

// probeFentry loads an fentry program on a function every kernel has.
// Kernels without trampolines (or with lockdown) answer ENOTSUPP/EPERM.
func probeFentry(k *Kernel) error {
	spec, err := k.Spec()
	if err != nil {
		return fmt.Errorf("needs BTF: %w", err)
	}
	prog, err := ebpf.NewProgramWithOptions(&ebpf.ProgramSpec{
		Type: ebpf.Tracing, AttachType: ebpf.AttachTraceFEntry, AttachTo: "do_nanosleep",
		Instructions: retZero, License: "GPL",
	}, ebpf.ProgramOptions{KernelTypes: spec})
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			err = errors.New(strings.TrimSpace(ve.Error()))
		}
		return fmt.Errorf("load fentry program: %w", err)
	}
	prog.Close()
	return nil
}

// String renders the features one per line, for --info and tests.
func (f *Features) String() string {
	var b strings.Builder
	for _, row := range []struct {
		name string
		s    Support
	}{
		{"tracefs", f.Tracefs}, {"btf", f.BTF}, {"kprobes", f.Kprobes}, {"uprobes", f.Uprobes},
		{"ringbuf", f.RingBuf}, {"raw_tp test run", f.RawTPRun}, {"fentry", f.Fentry},
		{"kprobe_multi", f.KprobeMulti}, {"uprobe_multi", f.UprobeMulti},
	} {
		fmt.Fprintf(&b, "  %-16s %s\n", row.name+":", row.s)
	}
	return b.String()
}
