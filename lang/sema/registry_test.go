package sema_test

import (
	"maps"
	"slices"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/sema"
)

// funcSamples has one valid use of every registered function, with the
// probe it needs and the type it must get ("" for statements).
var funcSamples = map[string]struct{ probe, stmt, typ string }{
	"printf":        {"BEGIN", `printf("%s %d %x %r\n", comm, pid, 1, buf(0, 4));`, ""},
	"system":        {"BEGIN", `system("echo %d", pid);`, ""},
	"cat":           {"BEGIN", `cat("/proc/%d/status", pid);`, ""},
	"debugf":        {"BEGIN", `debugf("%d", 1);`, ""},
	"errorf":        {"BEGIN", `errorf("bad %s", comm);`, ""},
	"warnf":         {"BEGIN", `warnf("careful");`, ""},
	"print":         {"BEGIN", `@m[1] = count(); print(@m, 10, 2);`, ""},
	"time":          {"BEGIN", `time("%H\n");`, ""},
	"join":          {"BEGIN", `join(0, ",");`, ""},
	"exit":          {"BEGIN", `exit(2);`, ""},
	"unwatch":       {"BEGIN", `unwatch(0);`, ""},
	"signal":        {"kprobe:f", `signal("SIGKILL");`, ""},
	"override":      {"kprobe:f", `override(-1);`, ""},
	"str":           {"BEGIN", `$v = str(0, 16);`, "string[16]"},
	"buf":           {"BEGIN", `$v = buf(0, 8);`, "buffer[8]"},
	"ksym":          {"BEGIN", `$v = ksym(0);`, "ksym"},
	"usym":          {"BEGIN", `$v = usym(0);`, "usym"},
	"kaddr":         {"BEGIN", `$v = kaddr("jiffies");`, "unsigned int64"},
	"uaddr":         {"uprobe:/bin/sh:main", `$v = uaddr("x");`, "unsigned int64 *"},
	"kptr":          {"BEGIN", `$v = kptr(1);`, "int64"},
	"uptr":          {"BEGIN", `$v = uptr(1);`, "int64"},
	"reg":           {"kprobe:f", `$v = reg("ip");`, "unsigned int64"},
	"ntop":          {"BEGIN", `$v = ntop(0);`, "inet"},
	"pton":          {"BEGIN", `$v = pton("10.0.0.1");`, "unsigned int8[4]"},
	"macaddr":       {"BEGIN", `$v = macaddr((uint8 *)0);`, "mac_address"},
	"cgroupid":      {"BEGIN", `$v = cgroupid("/sys/fs/cgroup");`, "unsigned int64"},
	"cgroup_path":   {"BEGIN", `$v = cgroup_path(cgroup);`, "cgroup_path"},
	"strftime":      {"BEGIN", `$v = strftime("%H", nsecs);`, "timestamp"},
	"strncmp":       {"BEGIN", `$v = strncmp(comm, "sh", 2);`, "unsigned int64"},
	"strcontains":   {"BEGIN", `$v = strcontains(comm, "sh");`, "unsigned int64"},
	"strerror":      {"BEGIN", `$v = strerror(2);`, "strerror"},
	"path":          {"fentry:vfs_open", `$v = path(0);`, "string[64]"},
	"bswap":         {"BEGIN", `$v = bswap(pid);`, "unsigned int32"},
	"skboutput":     {"fentry:f", `$v = skboutput("x.pcap", 0, 64, 0);`, "unsigned int32"},
	"kstack":        {"BEGIN", `$v = kstack(raw, 3);`, "kstack"},
	"ustack":        {"BEGIN", `$v = ustack(7);`, "ustack"},
	"percpu_kaddr":  {"BEGIN", `$v = percpu_kaddr("runqueues", 0);`, "unsigned int64"},
	"socket_cookie": {"BEGIN", `$v = socket_cookie(0);`, "unsigned int64"},
	"strlen":        {"BEGIN", `$v = strlen(comm);`, "unsigned int64"},
	"getopt":        {"BEGIN", `$v = getopt("n", 5, "how many");`, "int64"},
	"syscall_name":  {"BEGIN", `$v = syscall_name(0);`, "string[64]"},
	"signal_name":   {"BEGIN", `$v = signal_name(9);`, "string[64]"},
	"delete":        {"BEGIN", `@m[1, "a"] = 1; $v = delete(@m, (1, "a")); delete(@m[1, "a"]);`, "bool"},
	"clear":         {"BEGIN", `@m[1] = 1; clear(@m);`, ""},
	"zero":          {"BEGIN", `@m[1] = 1; zero(@m);`, ""},
	"len":           {"BEGIN", `@m[1] = 1; $v = len(@m);`, "int64"},
	"has_key":       {"BEGIN", `@m[1] = 1; $v = has_key(@m, 2);`, "bool"},
	"count":         {"BEGIN", `@v = count();`, "count"},
	"sum":           {"BEGIN", `@v = sum(-1);`, "sum"},
	"avg":           {"BEGIN", `@v = avg(1);`, "avg"},
	"min":           {"BEGIN", `@v = min(1);`, "min"},
	"max":           {"BEGIN", `@v = max(1);`, "max"},
	"stats":         {"BEGIN", `@v = stats(1);`, "stats"},
	"hist":          {"BEGIN", `@v = hist(1, 2);`, "hist"},
	"lhist":         {"BEGIN", `@v = lhist(1, 0, 100, 10);`, "lhist"},
}

// TestFuncRegistry proves every registered function has a checker rule and
// a sample that checks cleanly with the documented result type, and that
// every sample names a registered function.
func TestFuncRegistry(t *testing.T) {
	for _, name := range slices.Sorted(maps.Keys(sema.Funcs)) {
		spec := sema.Funcs[name]
		if !spec.HasRule() {
			t.Errorf("%s: no checker rule", name)
		}
		if spec.Name != name {
			t.Errorf("%s: registered under %q", spec.Name, name)
		}
		if spec.Max >= 0 && spec.Max < spec.Min {
			t.Errorf("%s: arity %d..%d", name, spec.Min, spec.Max)
		}
		s, ok := funcSamples[name]
		if !ok {
			t.Errorf("%s: no sample use in funcSamples", name)
			continue
		}
		src := s.probe + " { " + s.stmt + " }"
		p, info, errs := checkSrc(t, src, sema.Options{Unsafe: true})
		if len(errs) > 0 {
			t.Errorf("%s: unexpected diagnostics:\n%s", name, render(src, errs))
			continue
		}
		var call *lang.Call
		lang.Inspect(p, func(n lang.Node) bool {
			if c, ok := n.(*lang.Call); ok && c.Name == name && call == nil {
				call = c
			}
			return true
		})
		if call == nil {
			t.Errorf("%s: sample has no call", name)
			continue
		}
		got := info.Types[call]
		if s.typ == "" {
			if got.Kind != lang.KindNone {
				t.Errorf("%s: statement typed %s", name, got)
			}
		} else if got.String() != s.typ {
			t.Errorf("%s: typed %s, want %s", name, got, s.typ)
		}
	}
	for name := range funcSamples {
		if sema.Funcs[name] == nil {
			t.Errorf("sample for unregistered function %s", name)
		}
	}
}

// TestBuiltinRegistry checks every builtin in a probe that allows it.
func TestBuiltinRegistry(t *testing.T) {
	probeFor := map[lang.Provider]string{
		lang.Begin: "BEGIN", lang.Kprobe: "kprobe:f", lang.Kretprobe: "kretprobe:f",
		lang.Tracepoint: "tracepoint:syscalls:sys_enter_read", lang.Uprobe: "uprobe:/bin/sh:main",
	}
	for _, name := range slices.Sorted(maps.Keys(sema.Builtins)) {
		spec := sema.Builtins[name]
		if !spec.HasRule() {
			t.Errorf("%s: no type rule", name)
		}
		probe := "BEGIN"
		if spec.Providers != nil {
			probe = ""
			for _, p := range spec.Providers {
				if s, ok := probeFor[p]; ok {
					probe = s
					break
				}
			}
			if probe == "" {
				t.Errorf("%s: no test probe for providers %v", name, spec.Providers)
				continue
			}
			// A provider outside the list must be rejected.
			if !slices.Contains(spec.Providers, lang.Begin) {
				src := "BEGIN { $v = " + name + "; }"
				if _, _, errs := checkSrc(t, src, sema.Options{HasChild: true}); !errs.HasErrors() {
					t.Errorf("%s accepted in BEGIN", name)
				}
			}
		}
		src := probe + " { $v = " + name + "; }"
		_, info, errs := checkSrc(t, src, sema.Options{HasChild: true})
		if len(errs) > 0 {
			t.Errorf("%s: unexpected diagnostics:\n%s", name, render(src, errs))
			continue
		}
		if v := info.Probes[0].Vars["v"]; v == nil || v.Kind == lang.KindNone {
			t.Errorf("%s: untyped", name)
		}
	}
}
