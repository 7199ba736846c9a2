package probes

import (
	"fmt"
	"slices"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// Alternatives: where the kernel cannot run a kprobe or fentry probe,
// a tracepoint near the same code often tells the same story. Suggest
// finds one by name: the function's name without its syscall-entry
// and helper prefixes (do_sys_openat2 → openat2, vfs_read → read),
// first as a system call, then as a substring of tracepoint names.

// funcPrefixes are stripped from a function name to find what it is
// about, longest first.
var funcPrefixes = []string{
	"__x64_sys_", "__ia32_sys_", "__arm64_sys_", "__se_sys_", "__do_sys_",
	"do_sys_", "ksys_", "sys_", "do_", "vfs_", "__",
}

// funcTopic strips the prefixes of funcPrefixes, repeatedly.
func funcTopic(fn string) string {
	for {
		cut := false
		for _, p := range funcPrefixes {
			if rest, ok := strings.CutPrefix(fn, p); ok && rest != "" {
				fn, cut = rest, true
				break
			}
		}
		if !cut {
			return fn
		}
	}
}

// Suggest names the probes to use instead of kernel function fn, for an
// entry probe or (ret) a return probe: "tracepoint:syscalls:sys_enter_read"
// or "tracepoint:sched:sched_switch or rawtracepoint:sched_switch", or
// when nothing matches, a hint how to look.
func (k *Kernel) Suggest(fn string, ret bool) string {
	topic := funcTopic(fn)
	evs, _ := k.Events()
	phase := "enter"
	if ret {
		phase = "exit"
	}
	if sys := "syscalls:sys_" + phase + "_" + topic; slices.Contains(evs, sys) {
		return "tracepoint:" + sys
	}
	var best, family string
	for _, e := range evs {
		cat, ev, _ := cutColon(e)
		if cat == "syscalls" {
			continue
		}
		if ev == topic {
			best = e
			break
		}
		if hasWord(ev, topic) && (best == "" || len(e) < len(best)) {
			best = e // the closest name: the shortest
		}
		if family == "" && len(cat) >= 3 && strings.HasPrefix(topic, cat) {
			family = cat // __schedule → sched:*
		}
	}
	if best != "" {
		_, ev, _ := cutColon(best)
		return fmt.Sprintf("tracepoint:%s or rawtracepoint:%s", best, ev)
	}
	if family != "" {
		return fmt.Sprintf("a tracepoint of %s (gtrace -l 'tracepoint:%s:*')", family, family)
	}
	return fmt.Sprintf("a tracepoint or raw tracepoint (gtrace -l 'tracepoint:*%s*')", topic)
}

// refusedHint ends the message of a kernel probe that cannot run here.
func (k *Kernel) refusedHint(t *Target) string {
	ret := t.Provider == lang.Kretprobe || t.Provider == lang.Fexit
	return "use " + k.Suggest(t.Func, ret) + " instead"
}

// Refused explains that the kernel refused to load the program of a
// fentry or fexit target (EPERM under lockdown or without BPF
// trampolines, ENOTSUPP without BTF for the function) in one line that
// names the probe and the nearest probe that works.
func (k *Kernel) Refused(t *Target, err error) error {
	return fmt.Errorf("%s: the kernel refuses %s programs (%w); %s", t.Name, t.Provider, err, k.refusedHint(t))
}

// hasWord reports whether word occurs in name between '_' boundaries
// (tcp_retransmit_skb has "retransmit_skb", reschedule_exit not "schedule").
func hasWord(name, word string) bool {
	for i := 0; ; {
		j := strings.Index(name[i:], word)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(word)
		if (j == 0 || name[j-1] == '_') && (end == len(name) || name[end] == '_') {
			return true
		}
		i = j + 1
	}
}
