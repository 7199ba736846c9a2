package sema

import "github.com/gtrace/gtrace/lang"

// Sample is a use of a function: the clause's probe, its statements, and
// the type the call gets ("" for a statement).
type Sample struct{ Probe, Stmt, Type string }

// Samples has one valid use of every registered function, with the probe
// it needs and the type it must get ("" for statements): the registry
// tests of this package check each, and codegen's compile each, so the
// checker and the code generator answer for the same names.
var Samples = map[string]Sample{
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
	"str":           {"BEGIN", `$v = str(0, 16);`, "string[17]"},
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
	"socket_cookie": {"struct sock { int x; } fentry:f", `$v = socket_cookie((struct sock *)0);`, "unsigned int64"},
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

// sampleProbes are the probes builtin samples use, by provider.
var sampleProbes = map[lang.Provider]string{
	lang.Begin: "BEGIN", lang.Kprobe: "kprobe:f", lang.Kretprobe: "kretprobe:f",
	lang.Tracepoint: "tracepoint:syscalls:sys_enter_read", lang.Uprobe: "uprobe:/bin/sh:main",
}

// BuiltinSample is a use of a registered builtin, `$v = name;`, in BEGIN
// or the first probe type it is valid in that has a sample probe; false
// when there is none.
func BuiltinSample(name string) (Sample, bool) {
	spec := Builtins[name]
	if spec == nil {
		return Sample{}, false
	}
	s := Sample{Probe: "BEGIN", Stmt: "$v = " + name + ";"}
	if spec.Providers == nil {
		return s, true
	}
	for _, p := range spec.Providers {
		if probe, ok := sampleProbes[p]; ok {
			s.Probe = probe
			return s, true
		}
	}
	return Sample{}, false
}
