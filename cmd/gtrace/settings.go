package main

import (
	"fmt"
	"math"
	"math/bits"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/lang"
)

// settings are the values bpftrace reads from BPFTRACE_* environment
// variables; 0 means unset. The script's config block fills in what the
// environment leaves unset (the environment wins, as in bpftrace).
type settings struct {
	strlen   int // BPFTRACE_MAX_STRLEN, config max_strlen
	mapKeys  int // BPFTRACE_MAX_MAP_KEYS, config max_map_keys
	catBytes int // BPFTRACE_MAX_CAT_BYTES, config max_cat_bytes
	rbPages  int // BPFTRACE_PERF_RB_PAGES, config perf_rb_pages
	// maxProbes is BPFTRACE_MAX_PROBES, config max_probes. bpftrace
	// refuses more probes than 512 (1024 from 0.20) by default; gtrace
	// attaches hundreds cheaply (one program, links with cookies), so it
	// holds to a limit only when one is set.
	maxProbes int
	// logSize is BPFTRACE_LOG_SIZE, config log_size: the verifier log
	// buffer to start with.
	logSize int
	// stackMode is BPFTRACE_STACK_MODE, config stack_mode: how kstack and
	// ustack print when the script names no mode.
	stackMode string
	// mangled is BPFTRACE_NO_CPP_DEMANGLE=1: C++ names as the ELF has
	// them in func, usym and ustack.
	mangled bool
	// missingProbes is BPFTRACE_MISSING_PROBES, config missing_probes:
	// what to do with attach points this machine lacks.
	missingProbes string
}

// envNames lists each setting's variables, the current name (0.20+) first,
// then v0.17's.
var envNames = []struct {
	names []string
	field func(*settings) *int
}{
	{[]string{"BPFTRACE_MAX_STRLEN", "BPFTRACE_STRLEN"}, func(s *settings) *int { return &s.strlen }},
	{[]string{"BPFTRACE_MAX_MAP_KEYS", "BPFTRACE_MAP_KEYS_MAX"}, func(s *settings) *int { return &s.mapKeys }},
	{[]string{"BPFTRACE_MAX_CAT_BYTES", "BPFTRACE_CAT_BYTES_MAX"}, func(s *settings) *int { return &s.catBytes }},
	{[]string{"BPFTRACE_PERF_RB_PAGES"}, func(s *settings) *int { return &s.rbPages }},
	{[]string{"BPFTRACE_MAX_PROBES"}, func(s *settings) *int { return &s.maxProbes }},
	{[]string{"BPFTRACE_LOG_SIZE"}, func(s *settings) *int { return &s.logSize }},
}

// maxStrlen is the largest string gtrace can keep on the BPF stack with
// room to spare (bpftrace 0.17 refuses more than 200 for the same reason).
const maxStrlen = 200

func envSettings() (settings, error) {
	var s settings
	strlenVar, mapKeysVar := "", ""
	for _, e := range envNames {
		for _, name := range e.names {
			n, err := envInt(name)
			if err != nil {
				return s, err
			}
			if n > 0 {
				*e.field(&s) = n
				switch e.field(&s) {
				case &s.strlen:
					strlenVar = name
				case &s.mapKeys:
					mapKeysVar = name
				}
				break
			}
		}
	}
	// A map's max_entries is a u32: a larger value would wrap around.
	if s.mapKeys > math.MaxUint32 {
		return s, fmt.Errorf("%s=%d: a map holds at most %d keys (the kernel's limit is lower still: 2^27 for a hash map on Linux 6.18)", mapKeysVar, s.mapKeys, uint32(math.MaxUint32))
	}
	if m := os.Getenv("BPFTRACE_STACK_MODE"); m != "" {
		if !slices.Contains(lang.StackModes, m) {
			return s, fmt.Errorf("BPFTRACE_STACK_MODE=%q: want one of %s", m, strings.Join(lang.StackModes, ", "))
		}
		s.stackMode = m
	}
	if m := strings.ToLower(os.Getenv("BPFTRACE_MISSING_PROBES")); m != "" {
		if m != gtrace.MissingProbesWarn && m != gtrace.MissingProbesIgnore && m != gtrace.MissingProbesError {
			return s, fmt.Errorf("BPFTRACE_MISSING_PROBES=%q: valid values are ignore, warn, and error", m)
		}
		s.missingProbes = m
	}
	switch v := os.Getenv("BPFTRACE_NO_CPP_DEMANGLE"); v {
	case "", "0":
	case "1":
		s.mangled = true
	default:
		return s, fmt.Errorf("Env var 'BPFTRACE_NO_CPP_DEMANGLE' did not contain a valid value (0 or 1).")
	}
	if s.strlen > maxStrlen {
		return s, fmt.Errorf("%s=%d: too large to use on the BPF stack (at most %d)", strlenVar, s.strlen, maxStrlen)
	}
	// The kernel's largest ring buffer is 2 GiB (max_entries is a
	// 32-bit power of two).
	if maxPages := (1 << 31) / os.Getpagesize(); s.rbPages > maxPages {
		return s, fmt.Errorf("BPFTRACE_PERF_RB_PAGES=%d: the ring buffer can have at most %d pages (2 GiB)", s.rbPages, maxPages)
	}
	return s, nil
}

// withScript fills the settings the environment left unset from the
// script's config block.
func (s settings) withScript(script *gtrace.Script) settings {
	fill := func(v *int, key string) {
		if *v == 0 {
			if n, ok := script.ConfigInt(key); ok && n > 0 && n < 1<<31 {
				*v = int(n)
			}
		}
	}
	fill(&s.mapKeys, "max_map_keys")
	fill(&s.catBytes, "max_cat_bytes")
	fill(&s.rbPages, "perf_rb_pages")
	fill(&s.maxProbes, "max_probes")
	fill(&s.logSize, "log_size")
	return s
}

// checkMaxProbes refuses to run a script that attaches more probes than a
// limit set by BPFTRACE_MAX_PROBES or config max_probes, with bpftrace's
// message.
func (s settings) checkMaxProbes(script *gtrace.Script) error {
	s = s.withScript(script)
	if n := len(script.ProbeNames()); s.maxProbes > 0 && n > s.maxProbes {
		return fmt.Errorf("Can't attach to %d probes because it exceeds the current limit of %d probes.\n"+
			"You can increase the limit through the BPFTRACE_MAX_PROBES environment variable (or config max_probes).", n, s.maxProbes)
	}
	return nil
}

// ringBytes turns a page count into the size of the event ring buffer: a
// power of two multiple of the page size, as the kernel requires.
func (s settings) ringBytes() int {
	if s.rbPages <= 0 {
		return 0
	}
	n := uint(s.rbPages * os.Getpagesize())
	if n&(n-1) != 0 {
		n = 1 << bits.Len(n)
	}
	return int(n)
}

// envInt reads a positive integer setting from the environment, as
// bpftrace's BPFTRACE_* variables; unset gives 0 (the default).
func envInt(name string) (int, error) {
	v, ok := os.LookupEnv(name)
	if !ok || v == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%s=%q: want a positive integer", name, v)
	}
	return n, nil
}

// usedConfigKeys are the config block keys gtrace acts on: here, in the
// checker (max_strlen, stack_mode) and in the runner (cpp_demangle);
// bpftrace has others (see lang/sema/config.go) that the checker accepts.
var usedConfigKeys = map[string]bool{
	"max_map_keys": true, "max_strlen": true, "perf_rb_pages": true, "log_size": true,
	"max_probes": true, "max_cat_bytes": true, "stack_mode": true, "print_maps_on_exit": true,
	"cpp_demangle":   true,
	"missing_probes": true, // compile_missing.go
}

// ignoredConfig warns about the config keys of the script that gtrace
// accepts (they are bpftrace's) but does not act on, so that none is
// ignored silently.
func ignoredConfig(script *gtrace.Script) lang.ErrorList {
	var out lang.ErrorList
	if script.Program.Config == nil {
		return nil
	}
	for _, e := range script.Program.Config.Entries {
		for key, v := range script.Info.Config {
			if v == e.Value && !usedConfigKeys[key] {
				out.Add(&lang.Diagnostic{Span: e.Span, Severity: lang.Warning,
					Msg: fmt.Sprintf("gtrace does not use the config variable %s; it has no effect", key)})
			}
		}
	}
	return out
}
