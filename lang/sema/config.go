package sema

import (
	"slices"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// configKind is the kind of value a config key takes.
type configKind uint8

const (
	cfgInt configKind = iota
	cfgBool
	cfgEnum // an identifier or string from a fixed set
	cfgStr
)

type configKey struct {
	kind   configKind
	values []string // cfgEnum
}

// configKeys lists the config block keys bpftrace accepts (docs/language.md
// "Config Variables"), under their canonical lower-case names.
var configKeys = map[string]configKey{
	"max_map_keys":            {kind: cfgInt},
	"max_strlen":              {kind: cfgInt},
	"perf_rb_pages":           {kind: cfgInt},
	"log_size":                {kind: cfgInt},
	"max_probes":              {kind: cfgInt},
	"max_bpf_progs":           {kind: cfgInt},
	"max_cat_bytes":           {kind: cfgInt},
	"on_stack_limit":          {kind: cfgInt},
	"max_type_res_iterations": {kind: cfgInt},
	"stack_mode":              {kind: cfgEnum, values: lang.StackModes},
	"missing_probes":          {kind: cfgEnum, values: []string{"error", "warn", "ignore"}},
	"cache_user_symbols":      {kind: cfgEnum, values: []string{"PER_PROGRAM", "PER_PID", "NONE"}},
	"print_maps_on_exit":      {kind: cfgBool},
	"lazy_symbolication":      {kind: cfgBool},
	"cpp_demangle":            {kind: cfgBool},
	"show_debug_info":         {kind: cfgBool},
	"unstable_tseries":        {kind: cfgBool},
	"str_trunc_trailer":       {kind: cfgStr},
	"license":                 {kind: cfgStr},
}

// configAliases maps older or alternative spellings to canonical keys.
var configAliases = map[string]string{
	"cat_bytes_max": "max_cat_bytes",
	"map_keys_max":  "max_map_keys",
	"strlen":        "max_strlen",
}

// canonicalConfigKey accepts `max_strlen`, `MAX_STRLEN` and
// `BPFTRACE_MAX_STRLEN`, as bpftrace does.
func canonicalConfigKey(k string) string {
	k = strings.ToLower(strings.TrimPrefix(strings.TrimPrefix(k, "BPFTRACE_"), "bpftrace_"))
	if a, ok := configAliases[k]; ok {
		return a
	}
	return k
}

func (c *checker) checkConfig(cfg *lang.Config) {
	// Config values are checked outside any probe; give builtins and
	// variables an empty clause to resolve against.
	c.probe = &ProbeInfo{Providers: []lang.Provider{lang.Begin}, Builtins: map[string]bool{}, Vars: map[string]*lang.Type{}}
	defer func() { c.probe = nil }()
	seen := map[string]bool{}
	for _, e := range cfg.Entries {
		key := canonicalConfigKey(e.Key)
		spec, ok := configKeys[key]
		if !ok {
			d := c.errorf(e, "Unrecognized config variable: %s", e.Key)
			names := make([]string, 0, len(configKeys))
			for n := range configKeys {
				names = append(names, n)
			}
			if h := closest(key, names); h != "" {
				d.WithHint("did you mean '%s'?", h)
			}
			continue
		}
		if seen[key] {
			c.errorf(e, "Duplicate config variable: %s", e.Key)
		}
		seen[key] = true
		c.info.Config[key] = e.Value
		c.checkConfigValue(e, key, spec)
	}
}

func (c *checker) checkConfigValue(e *lang.ConfigEntry, key string, spec configKey) {
	var word string
	isWord := false
	switch v := e.Value.(type) {
	case *lang.Ident:
		word, isWord = v.Name, true
		c.setType(v, lang.None)
	case *lang.StrLit:
		word, isWord = v.Value, true
		c.setType(v, lang.StrType(len(v.Value)+1))
	default:
		c.checkExpr(e.Value)
	}
	switch spec.kind {
	case cfgInt:
		if v, ok := c.constOf(e.Value); !ok || v < 0 {
			c.errorf(e.Value, "Invalid value for %s: expects a non-negative integer", key)
		}
	case cfgBool:
		if v, ok := c.constOf(e.Value); (!ok || (v != 0 && v != 1)) && !(isWord && (word == "true" || word == "false")) {
			c.errorf(e.Value, "Invalid value for %s: expects a boolean (true, false, 0 or 1)", key)
		}
	case cfgEnum:
		if !isWord || !slices.Contains(spec.values, word) {
			c.errorf(e.Value, "Invalid value for %s: expects one of %s", key, strings.Join(spec.values, ", "))
		}
	case cfgStr:
		if _, ok := e.Value.(*lang.StrLit); !ok {
			c.errorf(e.Value, "Invalid value for %s: expects a string", key)
		}
	}
}
