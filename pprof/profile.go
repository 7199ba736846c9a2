package pprof

import (
	"errors"
	"io"
	"slices"
	"time"

	"github.com/google/pprof/profile"

	"github.com/gtrace/gtrace/flame"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// Options add what the maps do not know to a profile.
type Options struct {
	// Comments are shown by `go tool pprof -comments` (the script, say).
	Comments []string
	// Start and Duration are when the data was gathered and for how long.
	Start    time.Time
	Duration time.Duration
	// Maps names the maps to profile ("@", "@cpu"), each a sample type
	// even when empty: the maps keyed by stacks by their checked types.
	// Nil takes the maps of ms keyed by stacks, which leaves out an empty
	// one (nothing in it tells its key).
	Maps []string
}

// ErrNoStacks is returned when no map folds into stacks.
var ErrNoStacks = errors.New("no map is keyed by kstack or ustack with a count(), sum() or integer value")

// Write builds the profile of ms and writes it, gzipped, as pprof files are.
func Write(w io.Writer, ms []*output.Map, opts Options) error {
	p, err := Build(ms, opts)
	if err != nil {
		return err
	}
	return p.Write(w)
}

// Build makes the profile of the maps of ms keyed by stacks (see
// Options.Maps).
func Build(ms []*output.Map, opts Options) (*profile.Profile, error) {
	b := &builder{
		p:         &profile.Profile{Comments: opts.Comments, DurationNanos: opts.Duration.Nanoseconds()},
		locations: map[locationKey]*profile.Location{},
		functions: map[functionKey]*profile.Function{},
		mappings:  map[output.Mapping]*profile.Mapping{},
	}
	if !opts.Start.IsZero() {
		b.p.TimeNanos = opts.Start.UnixNano()
	}
	var foldable []*output.Map
	for _, m := range ms {
		if opts.Maps == nil && flame.FoldableMap(m) || slices.Contains(opts.Maps, m.Name) {
			foldable = append(foldable, m)
		}
	}
	if len(foldable) == 0 {
		return nil, ErrNoStacks
	}
	for _, m := range foldable {
		unit := "value"
		if m.Kind == lang.KindCount {
			unit = "count"
		}
		b.p.SampleType = append(b.p.SampleType, &profile.ValueType{Type: m.Name, Unit: unit})
	}
	b.p.DefaultSampleType = foldable[0].Name
	for i, m := range foldable {
		for _, s := range flame.Fold(m) {
			values := make([]int64, len(foldable))
			values[i] = int64(s.Value)
			b.p.Sample = append(b.p.Sample, &profile.Sample{Location: b.stack(s.Frames), Value: values})
		}
	}
	b.mainFirst()
	if err := b.p.CheckValid(); err != nil {
		return nil, err
	}
	return b.p, nil
}

type locationKey struct {
	mapping output.Mapping
	addr    uint64
	name    string // for key parts, which have no address
}

type functionKey struct {
	name, file string
}

// builder gives every distinct location, function and mapping one entry.
type builder struct {
	p         *profile.Profile
	locations map[locationKey]*profile.Location
	functions map[functionKey]*profile.Function
	mappings  map[output.Mapping]*profile.Mapping
	lines     lineTables
}

// stack turns a folded path (root first) into locations, leaf first.
func (b *builder) stack(fs []flame.Frame) []*profile.Location {
	out := make([]*profile.Location, len(fs))
	for i, f := range fs {
		// A frame with a callee of its own kind holds a return address,
		// which is past the call: its line is the one before it.
		returnAddr := i+1 < len(fs) && fs[i+1].Kind == f.Kind
		out[len(fs)-1-i] = b.location(f, returnAddr)
	}
	return out
}

func (b *builder) location(f flame.Frame, returnAddr bool) *profile.Location {
	key := locationKey{name: f.Name}
	if f.Src != nil {
		key = locationKey{addr: f.Src.Addr, name: f.Name}
		if f.Src.Mapping != nil {
			key.mapping = *f.Src.Mapping
		}
	}
	if l := b.locations[key]; l != nil {
		return l
	}
	l := &profile.Location{ID: uint64(len(b.p.Location) + 1)}
	var lines []srcLine
	if f.Src != nil {
		l.Address = f.Src.Addr
		if f.Src.Mapping != nil {
			l.Mapping = b.mapping(f.Src.Mapping)
			pc := f.Src.Addr
			if returnAddr {
				pc--
			}
			if lines = b.lines.lookup(f.Src.Mapping, pc); lines != nil {
				l.Mapping.HasFilenames, l.Mapping.HasLineNumbers = true, true
				if len(lines) > 1 {
					l.Mapping.HasInlineFrames = true
				}
			}
		}
	}
	if lines == nil {
		lines = []srcLine{{}}
	}
	// Innermost first, as pprof wants them; the last is the frame's own
	// function, by the name the folded lines and the flame graph use.
	for _, sl := range lines {
		name := sl.fn
		if name == "" {
			name = f.Name
		}
		l.Line = append(l.Line, profile.Line{Function: b.function(name, sl.file), Line: int64(sl.line)})
	}
	b.p.Location = append(b.p.Location, l)
	b.locations[key] = l
	return l
}

func (b *builder) function(name, file string) *profile.Function {
	key := functionKey{name, file}
	if fn := b.functions[key]; fn != nil {
		return fn
	}
	fn := &profile.Function{ID: uint64(len(b.p.Function) + 1), Name: name, SystemName: name, Filename: file}
	b.p.Function = append(b.p.Function, fn)
	b.functions[key] = fn
	return fn
}

func (b *builder) mapping(m *output.Mapping) *profile.Mapping {
	if pm := b.mappings[*m]; pm != nil {
		return pm
	}
	pm := &profile.Mapping{
		ID:      uint64(len(b.p.Mapping) + 1),
		Start:   m.Start,
		Limit:   m.Limit,
		Offset:  m.Offset,
		File:    m.File,
		BuildID: m.BuildID,
		// gtrace named every frame: readers need not symbolize again.
		HasFunctions: true,
	}
	b.p.Mapping = append(b.p.Mapping, pm)
	b.mappings[*m] = pm
	return pm
}

// mainFirst moves the mapping of the program's main function to the front:
// pprof takes the first mapping for the profiled binary ("File:" in its
// reports). Without a main, the order stays that of first use.
func (b *builder) mainFirst() {
	for _, l := range b.p.Location {
		if l.Mapping == nil || len(l.Line) == 0 {
			continue
		}
		if name := l.Line[0].Function.Name; name != "main" && name != "main.main" {
			continue
		}
		i := slices.Index(b.p.Mapping, l.Mapping)
		ms := append([]*profile.Mapping{l.Mapping}, slices.Delete(slices.Clone(b.p.Mapping), i, i+1)...)
		for j, m := range ms {
			m.ID = uint64(j + 1)
		}
		b.p.Mapping = ms
		return
	}
}
