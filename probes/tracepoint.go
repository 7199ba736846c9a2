package probes

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

func init() {
	register(&Provider{
		Kind:   lang.Tracepoint,
		Names:  (*Kernel).Events,
		Target: tracepointTarget,
		Attach: attachTracepoint,
		Params: tracepointParams,
		Listed: func(*Kernel) bool { return true },
	})
}

// Events returns every tracepoint as "category:event", sorted. It reads
// available_events (one file, a few ms for ~2300 events) and falls back to
// walking events/ when that file cannot be read.
func (k *Kernel) Events() ([]string, error) { return k.cached().events() }

func (k *Kernel) readEvents() ([]string, error) {
	dir, err := k.Tracefs()
	if err != nil {
		return nil, err
	}
	return readEvents(dir)
}

func readEvents(dir string) ([]string, error) {
	data, err := os.ReadFile(filepath.Join(dir, "available_events"))
	if err == nil {
		lines := strings.Split(string(data), "\n")
		out := make([]string, 0, len(lines))
		for _, l := range lines {
			if l = strings.TrimSpace(l); l != "" && strings.Contains(l, ":") {
				out = append(out, l)
			}
		}
		slices.Sort(out)
		return slices.Compact(out), nil
	}
	cats, derr := os.ReadDir(filepath.Join(dir, "events"))
	if derr != nil {
		return nil, fmt.Errorf("list tracepoints: %w", errors.Join(err, derr))
	}
	var out []string
	for _, c := range cats {
		if !c.IsDir() {
			continue
		}
		evs, err := os.ReadDir(filepath.Join(dir, "events", c.Name()))
		if err != nil {
			continue
		}
		for _, e := range evs {
			if e.IsDir() {
				out = append(out, c.Name()+":"+e.Name())
			}
		}
	}
	slices.Sort(out)
	return out, nil
}

// ErrNoTracepoint is wrapped by Format's error for an unknown tracepoint
// (a missing target: it is also ErrMissing).
var ErrNoTracepoint error = missingError{errors.New("tracepoint not found")}

// Format reads and parses events/CAT/EVENT/format, cached.
func (k *Kernel) Format(category, event string) (*Format, error) {
	key := category + ":" + event
	k.mu.Lock()
	e, ok := k.formats[key]
	k.mu.Unlock()
	if ok {
		return e.f, e.err
	}
	e = &formatEntry{}
	e.f, e.err = k.readFormat(category, event)
	k.mu.Lock()
	if k.formats == nil {
		k.formats = map[string]*formatEntry{}
	}
	k.formats[key] = e
	k.mu.Unlock()
	return e.f, e.err
}

func (k *Kernel) readFormat(category, event string) (*Format, error) {
	if category == "" || event == "" || strings.ContainsAny(category+event, "/*?") || category == ".." || event == ".." {
		return nil, fmt.Errorf("tracepoint %s:%s: bad name", category, event)
	}
	dir, err := k.Tracefs()
	if err != nil {
		return nil, err
	}
	data, err := os.ReadFile(filepath.Join(dir, "events", category, event, "format"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s:%s (see gtrace -l 'tracepoint:%s:*')", ErrNoTracepoint, category, event, category)
	}
	if err != nil {
		return nil, fmt.Errorf("tracepoint %s:%s: %w", category, event, err)
	}
	return ParseFormat(category, event, data)
}

// tracepointTarget checks the event against the cached event list (a
// binary search; reading 360 format files would cost ~35 ms when expanding
// syscalls:sys_enter_*), and reads the format file only when there is no
// list.
func tracepointTarget(k *Kernel, args []string) (Target, error) {
	cat, ev := args[0], args[1]
	if evs, err := k.Events(); err == nil {
		if _, ok := slices.BinarySearch(evs, cat+":"+ev); !ok {
			return Target{}, fmt.Errorf("%w: %s:%s (see gtrace -l 'tracepoint:%s:*')", ErrNoTracepoint, cat, ev, cat)
		}
	} else if _, err := k.Format(cat, ev); err != nil {
		return Target{}, err
	}
	return Target{Provider: lang.Tracepoint, Name: probeName(lang.Tracepoint, cat, ev), Category: cat, Event: ev}, nil
}

// tracepointParams gives the -lv lines: the declarations of the non-common
// fields exactly as the format file writes them (bpftrace prints the text
// between "field:" and ";").
func tracepointParams(k *Kernel, name string) []string {
	cat, ev, _ := cutColon(name)
	f, err := k.Format(cat, ev)
	if err != nil {
		return nil
	}
	var out []string
	for _, fld := range f.Fields {
		if !fld.Common {
			out = append(out, fld.Decl)
		}
	}
	return out
}

// trimLines is bytes.TrimSpace for a file of names.
func trimLines(b []byte) []string {
	var out []string
	for _, l := range bytes.Split(b, []byte{'\n'}) {
		if l = bytes.TrimSpace(l); len(l) > 0 {
			out = append(out, string(l))
		}
	}
	return out
}
