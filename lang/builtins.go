package lang

import "strings"

// builtinNames are the builtin variables of the language: the parser reads
// these identifiers as Builtins, lang/sema types each (sema.Builtins, one
// entry per name, kept equal by its tests) and codegen emits each
// (TestEmittersMatchSema). argN and sargN (N = 0..9) are matched by pattern.
var builtinNames = map[string]bool{
	"pid": true, "tid": true, "uid": true, "gid": true, "comm": true, "nsecs": true,
	"elapsed": true, "cpu": true, "numaid": true, "ncpus": true, "jiffies": true,
	"rand": true, "cgroup": true, "curtask": true, "retval": true, "func": true,
	"probe": true, "probetype": true, "args": true, "ctx": true, "kstack": true,
	"ustack": true, "cpid": true, "username": true, "usermode": true, "pcomm": true,
	"ppid": true, "leader_comm": true, "leader_tid": true,
}

// IsBuiltin reports whether name is a builtin variable.
func IsBuiltin(name string) bool {
	if builtinNames[name] {
		return true
	}
	for _, p := range []string{"arg", "sarg"} {
		if rest, ok := strings.CutPrefix(name, p); ok && rest != "" && strings.Trim(rest, "0123456789") == "" {
			return true
		}
	}
	return false
}

// BuiltinNames returns the builtin variable names without argN and sargN.
func BuiltinNames() []string {
	out := make([]string, 0, len(builtinNames))
	for n := range builtinNames {
		out = append(out, n)
	}
	return out
}
