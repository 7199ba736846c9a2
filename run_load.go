package gtrace

import (
	"errors"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/rlimit"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// objects are the loaded collection and its runtime maps.
type objects struct {
	coll   *ebpf.Collection
	events *ebpf.Map // ring buffer
	state  *ebpf.Map // word 0: stopped
	lost   *ebpf.Map // per-CPU counters
}

// load creates every map and loads every program. The verifier checks each
// program here; a rejection is reported against the script line of the
// failing instruction when the code generator recorded one.
func (r *runner) load() error {
	// Kernels before 5.11 charge BPF memory to RLIMIT_MEMLOCK; newer ones
	// to the memory cgroup, and then this is a no-op.
	if err := rlimit.RemoveMemlock(); err != nil && len(missingCaps()) > 0 {
		return fmt.Errorf("loading the BPF programs: %s", permissionHint())
	}
	// Otherwise go on: with privilege the load below says what is wrong.
	spec := r.prog.Spec.Copy()
	if ev := spec.Maps[codegen.EventsMap]; ev != nil && r.opts.RingBufBytes > 0 {
		ev.MaxEntries = uint32(r.opts.RingBufBytes)
	}
	for _, p := range r.prog.Probes {
		if ps := spec.Programs[p.Program]; ps != nil && r.uprobeMulti(p) {
			ps.AttachType = ebpf.AttachTraceUprobeMulti // see attach
		}
		if ps := spec.Programs[p.Program]; ps != nil && probes.KprobeMulti(p.Provider, p.Targets) {
			ps.AttachType = ebpf.AttachTraceKprobeMulti
		}
	}
	copts := r.collectionOptions()
	copts.Cache = probes.KernelBTFCache() // the kernel BTF is parsed once
	coll, err := ebpf.NewCollectionWithOptions(spec, copts)
	if p, errno := r.tracingRefusal(spec, err); p != nil {
		coll, err = r.refusedTracing(spec, copts, p, errno) // run_fentry.go
		if err != nil && !r.opts.DryRun {
			return err
		}
	}
	if err != nil {
		return r.loadError(spec, err)
	}
	r.objs = &objects{
		coll:   coll,
		events: coll.Maps[codegen.EventsMap],
		state:  coll.Maps[codegen.StateMap],
		lost:   coll.Maps[codegen.LostMap],
	}
	if r.objs.events == nil || r.objs.state == nil {
		return fmt.Errorf("BUG: generated program lacks the %q or %q map", codegen.EventsMap, codegen.StateMap)
	}
	if err := r.initState(); err != nil {
		return err
	}
	return nil
}

// release closes whatever the run still holds. Links are normally closed
// by finish, after the results are printed.
func (r *runner) release() {
	r.detach()
	if r.events != nil {
		r.events.close()
	}
	if r.objs != nil {
		r.objs.coll.Close()
	}
}

// loadError explains a failed load in one line (plus the script line and
// the verifier's reason, or the whole log with -v).
func (r *runner) loadError(spec *ebpf.CollectionSpec, err error) error {
	var ve *ebpf.VerifierError
	if !errors.As(err, &ve) || len(ve.Log) == 0 {
		if errors.Is(err, os.ErrPermission) {
			if len(missingCaps()) > 0 {
				// The capability is the cause: the kernel's EPERM (and
				// cilium/ebpf's guess about MEMLOCK) would only blur it.
				return fmt.Errorf("loading the BPF programs: %s", permissionHint())
			}
			return fmt.Errorf("loading the BPF programs: %w: %s", err, permissionHint())
		}
		if errors.Is(err, unix.E2BIG) && strings.Contains(err.Error(), "map create") {
			// The kernel bounds a hash map's buckets (2^27 keys on 6.18).
			return fmt.Errorf("loading the BPF programs: %w: the map has more keys than the kernel allows (BPFTRACE_MAX_MAP_KEYS is %d; let @m = hash(N) sets one map's): use fewer", err, r.opts.MaxMapKeys)
		}
		return fmt.Errorf("loading the BPF programs: %w", err)
	}
	name := failingProgram(spec, err)
	p := r.probeByProgram(name)
	label := name
	if p != nil {
		label = probeLabel(p)
	}
	reason := verifierReason(ve.Log) + kernelConfigHint(ve.Log)
	detail := "run with -v for the verifier log"
	if r.opts.Verbose {
		detail = fmt.Sprintf("verifier log:\n%+v", ve)
	}
	msg := fmt.Sprintf("the kernel verifier rejected the program of %s: %s (%s)", label, reason, detail)
	if sp, ok := r.spanOfRejection(name, ve.Log); ok {
		// Pointed at the script, rendered with the source line by the caller.
		return &lang.Diagnostic{Span: sp, Msg: msg}
	}
	return errors.New(msg)
}

// helperConfigs names the kernel option without which a helper that
// gtrace may call is refused by the verifier ("unknown func" or "program
// of this type cannot use helper"): the user's remedy is that kernel.
var helperConfigs = map[string]string{
	"bpf_override_return": "override() needs a kernel built with CONFIG_BPF_KPROBE_OVERRIDE",
}

// kernelConfigHint is ": WHY" when the verifier refused a helper that
// this kernel was built without, "" otherwise.
func kernelConfigHint(log []string) string {
	for _, line := range log {
		if !strings.Contains(line, "unknown func") && !strings.Contains(line, "cannot use helper") {
			continue
		}
		for helper, why := range helperConfigs {
			if strings.Contains(line, helper+"#") {
				return ": " + why
			}
		}
	}
	return ""
}

// failingProgram finds the program named in cilium/ebpf's "program NAME:"
// error prefix.
func failingProgram(spec *ebpf.CollectionSpec, err error) string {
	msg := err.Error()
	best := ""
	for name := range spec.Programs {
		if strings.Contains(msg, "program "+name+":") && len(name) > len(best) {
			best = name
		}
	}
	return best
}

// verifierReason is the last meaningful line of the verifier log: the
// line that says why the program was rejected.
func verifierReason(log []string) string {
	for i := len(log) - 1; i >= 0; i-- {
		l := strings.TrimSpace(log[i])
		if l == "" || strings.HasPrefix(l, "processed ") || strings.HasPrefix(l, "verification time") ||
			strings.HasPrefix(l, "stack depth") || strings.HasPrefix(l, "max_states_per_insn") ||
			// "infinite loop detected at insn 7" is followed by the two
			// register states it compared.
			strings.HasPrefix(l, "cur state:") || strings.HasPrefix(l, "old state:") {
			continue
		}
		return l
	}
	return "no reason given"
}

// insnLine matches a verifier log line about one instruction: "12: (85) call ...".
var insnLine = regexp.MustCompile(`^(\d+): \(`)

// spanOfRejection finds the last instruction the verifier reached (a raw
// offset: a 64-bit immediate load counts two) and the script span the code
// generator recorded for it.
func (r *runner) spanOfRejection(name string, log []string) (lang.Span, bool) {
	for i := len(log) - 1; i >= 0; i-- {
		if m := insnLine.FindStringSubmatch(strings.TrimSpace(log[i])); m != nil {
			raw, _ := strconv.Atoi(m[1])
			return r.prog.SpanAt(name, raw)
		}
	}
	return lang.Span{}, false
}

func (r *runner) probeByProgram(name string) *codegen.Probe {
	for _, p := range r.prog.Probes {
		if p.Program == name {
			return p
		}
	}
	return nil
}

// probeLabel names a probe for messages: its first target, and how many
// more there are.
func probeLabel(p *codegen.Probe) string {
	switch len(p.Targets) {
	case 0:
		return p.Provider.String()
	case 1:
		return p.Targets[0].Name
	}
	return fmt.Sprintf("%s and %d more", p.Targets[0].Name, len(p.Targets)-1)
}
