package probes

import (
	"bufio"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// List writes the probes matching pattern in bpftrace's `-l` format, one
// per line ("tracepoint:syscalls:sys_enter_openat"); verbose (`-lv`) adds
// each probe's arguments indented by four spaces ("    int dfd").
//
// The pattern is PROVIDER:GLOB. PROVIDER may be an alias or a glob over
// provider names; a glob (and the empty pattern, which means "*:*") covers
// the kernel probe types that need no target, as bpftrace does. GLOB is
// matched against the rest of the name, '*' crossing ':'. A pattern
// without ':' is matched against the rest of every listed probe type.
// "struct GLOB", "union GLOB" and "enum GLOB" list the kernel's types
// instead, from BTF (verbose: their definitions in C).
func (k *Kernel) List(pattern string, w io.Writer, verbose bool) error {
	if kind, glob, ok := typeSearch(pattern); ok {
		return k.listTypes(kind, glob, w, verbose)
	}
	provPat, rest, ok := cutColon(pattern)
	switch {
	case pattern == "":
		provPat, rest = "*", "*"
	case !ok:
		provPat, rest = "*", pattern
	case rest == "":
		rest = "*"
	}
	if k.PID > 0 && listsProcess(provPat, rest) {
		return k.listProcess(provPat, rest, w, verbose)
	}
	var provs []*Provider
	if HasWildcard(provPat) {
		for _, p := range registry {
			if p != nil && p.Names != nil && p.Listed != nil && Match(provPat, p.Kind.String()) && p.Listed(k) {
				provs = append(provs, p)
			}
		}
	} else {
		kind, ok := lang.LookupProvider(provPat)
		if !ok {
			return fmt.Errorf("unknown probe type %q", provPat)
		}
		p := Lookup(kind)
		if p != nil && p.List != nil {
			return p.listOwn(k, rest, w, verbose)
		}
		if p == nil || p.Names == nil {
			return fmt.Errorf("%s probes cannot be listed", kind)
		}
		provs = append(provs, p)
	}
	slices.SortFunc(provs, func(a, b *Provider) int { return strings.Compare(a.Kind.String(), b.Kind.String()) })

	bw := bufio.NewWriter(w)
	var firstErr error
	for _, p := range provs {
		names, err := p.Names(k)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("list %s: %w", p.Kind, err)
			}
			continue
		}
		suffix := p.listSuffix()
		for _, n := range names {
			if !Match(rest, n) && !Match(rest, n+suffix) {
				continue
			}
			bw.WriteString(p.Kind.String())
			bw.WriteByte(':')
			bw.WriteString(n)
			bw.WriteString(suffix)
			bw.WriteByte('\n')
			if verbose && p.Params != nil {
				for _, line := range p.Params(k, n) {
					bw.WriteString("    ")
					bw.WriteString(line)
					bw.WriteByte('\n')
				}
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	return firstErr
}

// noMatch marks an expansion that read its file but found no probe in it:
// an error for an attach point, an empty listing for -l, as bpftrace does.
// It is also a missing target (ErrMissing).
type noMatch struct{ error }

func (e noMatch) Unwrap() error        { return e.error }
func (e noMatch) Is(target error) bool { return target == ErrMissing }

// listSuffix: software and hardware events are listed with a trailing ':'
// (the empty count), as bpftrace builds them ("software:cpu-clock:").
func (p *Provider) listSuffix() string {
	if p.Kind == lang.Software || p.Kind == lang.Hardware {
		return ":"
	}
	return ""
}

// listOwn lists a provider with its own List (uprobe, usdt); -lv adds
// the lines of its Params (a uprobe's parameters from DWARF).
func (p *Provider) listOwn(k *Kernel, pattern string, w io.Writer, verbose bool) error {
	names, err := p.List(k, pattern)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	for _, n := range names {
		bw.WriteString(p.Kind.String())
		bw.WriteByte(':')
		bw.WriteString(n)
		bw.WriteByte('\n')
		if verbose && p.Params != nil {
			for _, line := range p.Params(k, n) {
				bw.WriteString("    ")
				bw.WriteString(line)
				bw.WriteByte('\n')
			}
		}
	}
	return bw.Flush()
}
