package gtrace

import (
	"encoding/binary"
	"errors"
	"fmt"
	"slices"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
	"github.com/gtrace/gtrace/output"
)

// userMap returns the definition and the kernel map of @name.
func (r *runner) userMap(name string) (*maps.Def, *ebpf.Map, error) {
	d := r.prog.Maps[name]
	if d == nil {
		return nil, nil, fmt.Errorf("BUG: no map @%s", name)
	}
	m := r.objs.coll.Maps[d.SpecName()]
	if m == nil {
		return nil, nil, fmt.Errorf("BUG: map @%s was not created", name)
	}
	return d, m, nil
}

// readMap reads @name into output values, per-CPU copies merged.
func (r *runner) readMap(name string) (*output.Map, error) {
	return r.readMapAs(name, false)
}

// readMapAs is readMap; with lazy, a map whose values need nothing of the
// runner (resolvesNothing: no stacks, symbols, user names...) keeps its
// entries in the kernel's bytes, decoded one at a time as they are
// printed (output.LazyMap): a map of 1M integer keys then never holds
// 1M decoded entries (~230 MB). Only renderers that take lazy maps
// (output.TakesLazyMaps) may get one; anything else calls Decode.
func (r *runner) readMapAs(name string, lazy bool) (*output.Map, error) {
	d, m, err := r.userMap(name)
	if err != nil {
		return nil, err
	}
	raw, err := maps.ReadRaw(m, d)
	if err != nil {
		return nil, err
	}
	if d.Key == nil && d.Value.Kind == lang.KindCount && raw.Len == 0 {
		// bpftrace 0.17 keeps a scalar count() in an array map, whose one
		// element always exists: never counted or cleared, it prints
		// "@n: 0" rather than an empty line.
		om := r.decoder.Map(d, raw)
		om.Entries = append(om.Entries, output.Entry{Value: output.Count(0)})
		return om, nil
	}
	keyTypes := d.KeyTypes()
	if lazy && resolvesNothing(d.Value) && !slices.ContainsFunc(keyTypes, func(t *lang.Type) bool { return !resolvesNothing(t) }) {
		return r.decoder.Lazy(d, raw), nil
	}
	om := r.decoder.Map(d, raw)
	for i := range om.Entries {
		e := &om.Entries[i]
		for j := range e.Key {
			e.Key[j] = r.resolve(keyTypes[j], e.Key[j])
		}
		e.Value = r.resolve(d.Value, e.Value)
	}
	return om, nil
}

// readMaps reads every user map, in name order; lazy as readMapAs.
func (r *runner) readMaps(lazy bool) ([]*output.Map, error) {
	names := make([]string, 0, len(r.prog.Maps))
	for n := range r.prog.Maps {
		names = append(names, n)
	}
	slices.Sort(names)
	out := make([]*output.Map, 0, len(names))
	for _, n := range names {
		m, err := r.readMapAs(n, lazy)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

// printAllMaps prints every map as print(@m) does, in name order: what
// bpftrace prints on SIGUSR1 (Run.PrintMaps).
func (r *runner) printAllMaps() error {
	ms, err := r.readMaps(output.TakesLazyMaps(r.out.r))
	if err != nil {
		return err
	}
	for _, m := range ms {
		if err := r.out.r.Map(m, 0, 0); err != nil {
			return err
		}
	}
	return r.out.flush()
}

// printMap is print(@m, top, div).
func (r *runner) printMap(name string, top, div int64) error {
	m, err := r.readMapAs(name, output.TakesLazyMaps(r.out.r))
	if err != nil {
		return err
	}
	return r.out.r.Map(m, uint64(max(top, 0)), uint64(max(div, 0)))
}

// clearMap is clear(@m) (delete every key) or zero(@m) (keep the keys,
// zero the values: every CPU's copy of a per-CPU map).
func (r *runner) clearMap(name string, zero bool) error {
	d, m, err := r.userMap(name)
	if err != nil {
		return err
	}
	if d.Type == ebpf.PerCPUArray {
		return clearScalarArray(m, d, zero)
	}
	var keys [][]byte
	key := make([]byte, m.KeySize())
	it := m.Iterate()
	var val []byte
	if d.PerCPU() {
		var vals [][]byte
		for it.Next(&key, &vals) {
			keys = append(keys, slices.Clone(key))
		}
	} else {
		for it.Next(&key, &val) {
			keys = append(keys, slices.Clone(key))
		}
	}
	if err := it.Err(); err != nil {
		return fmt.Errorf("clear @%s: %w", name, err)
	}
	var zeros any = make([]byte, m.ValueSize())
	if zero && d.PerCPU() {
		n, err := ebpf.PossibleCPU()
		if err != nil {
			return err
		}
		per := make([][]byte, n)
		for i := range per {
			per[i] = make([]byte, m.ValueSize())
		}
		zeros = per
	}
	for _, k := range keys {
		if zero {
			err = m.Update(k, zeros, ebpf.UpdateExist)
		} else {
			err = m.Delete(k)
		}
		if err != nil && !errors.Is(err, ebpf.ErrKeyNotExist) {
			return fmt.Errorf("clear @%s: %w", name, err)
		}
	}
	return nil
}

// clearScalarArray clears or zeroes a scalar count, hist or lhist kept in
// a one-element per-CPU array (maps.Def.PresentOffset): clear() zeroes every
// CPU's copy, present word included, so that it reads as never set, as a
// deleted hash key; zero() keeps each copy's present word.
func clearScalarArray(m *ebpf.Map, d *maps.Def, zero bool) error {
	var vals [][]byte
	if err := m.Lookup(uint32(0), &vals); err != nil {
		return fmt.Errorf("clear @%s: %w", d.Name, err)
	}
	for _, v := range vals {
		var present uint64
		if d.PresentOffset > 0 {
			present = binary.NativeEndian.Uint64(v[d.PresentOffset:])
		}
		clear(v)
		if zero && d.PresentOffset > 0 {
			binary.NativeEndian.PutUint64(v[d.PresentOffset:], present)
		}
	}
	if err := m.Update(uint32(0), vals, ebpf.UpdateExist); err != nil {
		return fmt.Errorf("clear @%s: %w", d.Name, err)
	}
	return nil
}
