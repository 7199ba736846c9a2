package gtrace

import (
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// Settings that bpftrace takes from BPFTRACE_* environment variables and
// from the script's `config = { ... }` block. The command line reads the
// environment; an environment variable wins over the config block, as in
// bpftrace (a variable set by the user outranks one set by the script).

// ConfigInt returns the integer value of a config block key, by its
// canonical name ("max_map_keys"); ok is false when the script does not
// set it.
func (s *Script) ConfigInt(key string) (int64, bool) {
	e, ok := s.Info.Config[key]
	if !ok {
		return 0, false
	}
	v, ok := s.Info.Consts[e]
	return v, ok
}

// ConfigWord returns the value of a config block key that takes a word or
// a string (stack_mode = perf, license = "GPL").
func (s *Script) ConfigWord(key string) (string, bool) {
	switch v := s.Info.Config[key].(type) {
	case *lang.Ident:
		return v.Name, true
	case *lang.StrLit:
		return v.Value, true
	}
	return "", false
}

// configBool is ConfigBool of a script that may be nil (hand-built
// programs in tests).
func (s *Script) configBool(key string) (val, ok bool) {
	if s == nil || s.Info == nil {
		return false, false
	}
	return s.ConfigBool(key)
}

// ConfigBool returns the value of a boolean config key (true, false, 0, 1).
func (s *Script) ConfigBool(key string) (val, ok bool) {
	if w, ok := s.ConfigWord(key); ok {
		return w == "true", true
	}
	if n, ok := s.ConfigInt(key); ok {
		return n != 0, true
	}
	return false, false
}

// configStrlen reads max_strlen from the config block before checking,
// because the checker needs it to size every string. Only a literal counts
// here; the checker reports any other value.
func configStrlen(prog *lang.Program) int {
	if prog.Config == nil {
		return 0
	}
	for _, e := range prog.Config.Entries {
		k := strings.ToLower(e.Key)
		k = strings.TrimPrefix(k, "bpftrace_")
		if k != "max_strlen" && k != "strlen" {
			continue
		}
		if lit, ok := e.Value.(*lang.IntLit); ok && lit.Value > 0 && lit.Value < 1<<20 {
			return int(lit.Value)
		}
	}
	return 0
}
