package maps

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// batchSize is the number of keys fetched per BPF_MAP_LOOKUP_BATCH call.
const batchSize = 4096

// Raw is the content of a map as bytes: Keys[i*KeySize:] is the i-th key,
// Values[i*ValueSize:] its value with the per-CPU copies already merged.
type Raw struct {
	Keys, Values       []byte
	KeySize, ValueSize int
	Len                int
}

// ReadRaw reads every key of m and merges per-CPU values. It uses
// BPF_MAP_LOOKUP_BATCH (5.6+) and falls back to iterating key by key when
// the kernel or map type lacks it.
func ReadRaw(m *ebpf.Map, d *Def) (*Raw, error) {
	r, err := readBatch(m, d)
	if err != nil {
		if !errors.Is(err, ebpf.ErrNotSupported) && !errors.Is(err, errBatchUnusable) {
			return nil, err
		}
		if r, err = readIter(m, d); err != nil {
			return nil, err
		}
	}
	r.dropAbsent(d)
	return r, nil
}

// dropAbsent removes the values whose present word (Def.PresentOffset,
// summed over the CPUs by the merge) is 0: never set, or cleared.
func (r *Raw) dropAbsent(d *Def) {
	if d.PresentOffset == 0 {
		return
	}
	n := 0
	for i := range r.Len {
		v := r.Values[i*r.ValueSize : (i+1)*r.ValueSize]
		if le.Uint64(v[d.PresentOffset:]) == 0 {
			continue
		}
		copy(r.Keys[n*r.KeySize:], r.Keys[i*r.KeySize:(i+1)*r.KeySize])
		copy(r.Values[n*r.ValueSize:], v)
		n++
	}
	r.Keys, r.Values, r.Len = r.Keys[:n*r.KeySize], r.Values[:n*r.ValueSize], n
}

var errBatchUnusable = errors.New("batch lookup unusable")

// byteRows returns a slice of n byte arrays of the given size (as an any
// for cilium/ebpf, which then copies with no per-element reflection) and
// the flat bytes behind it.
func byteRows(n, size int) (any, []byte) {
	v := reflect.MakeSlice(reflect.SliceOf(reflect.ArrayOf(size, reflect.TypeFor[byte]())), n, n)
	return v.Interface(), unsafe.Slice((*byte)(v.UnsafePointer()), n*size)
}

func readBatch(m *ebpf.Map, d *Def) (*Raw, error) {
	ks, vs := int(m.KeySize()), int(m.ValueSize())
	ncpu := 1
	if d.PerCPU() {
		n, err := ebpf.PossibleCPU()
		if err != nil {
			return nil, err
		}
		ncpu = n
	}
	chunk := min(batchSize, int(max(m.MaxEntries(), 1)))
	keysOut, keyBuf := byteRows(chunk, ks)
	valsOut, valBuf := byteRows(chunk*ncpu, vs)
	r := &Raw{KeySize: ks, ValueSize: vs}
	var cursor ebpf.MapBatchCursor
	for {
		n, err := m.BatchLookup(&cursor, keysOut, valsOut, nil)
		done := errors.Is(err, ebpf.ErrKeyNotExist)
		if err != nil && !done {
			if r.Len == 0 {
				return nil, fmt.Errorf("%w: %v", errBatchUnusable, err)
			}
			return nil, fmt.Errorf("read map @%s: %w", d.Name, err)
		}
		r.Keys = append(r.Keys, keyBuf[:n*ks]...)
		for i := range n {
			r.Values = appendMerged(r.Values, d.Value, valBuf[i*ncpu*vs:(i+1)*ncpu*vs], vs, ncpu)
		}
		r.Len += n
		if done {
			return r, nil
		}
	}
}

func readIter(m *ebpf.Map, d *Def) (*Raw, error) {
	ks, vs := int(m.KeySize()), int(m.ValueSize())
	r := &Raw{KeySize: ks, ValueSize: vs}
	key := make([]byte, ks)
	if d.PerCPU() {
		var vals [][]byte
		it := m.Iterate()
		for it.Next(&key, &vals) {
			r.Keys = append(r.Keys, key...)
			start := len(r.Values)
			r.Values = append(r.Values, make([]byte, vs)...)
			for _, v := range vals {
				Merge(d.Value, r.Values[start:], v)
			}
			r.Len++
		}
		if err := it.Err(); err != nil {
			return nil, fmt.Errorf("read map @%s: %w", d.Name, err)
		}
		return r, nil
	}
	val := make([]byte, vs)
	it := m.Iterate()
	for it.Next(&key, &val) {
		r.Keys = append(r.Keys, key...)
		r.Values = append(r.Values, val...)
		r.Len++
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("read map @%s: %w", d.Name, err)
	}
	return r, nil
}

// appendMerged appends one value: the merge of its ncpu copies (strided by
// vs, as the kernel returns them) for per-CPU maps, else the value itself.
func appendMerged(dst []byte, t *lang.Type, src []byte, vs, ncpu int) []byte {
	start := len(dst)
	dst = append(dst, src[:vs]...)
	for c := 1; c < ncpu; c++ {
		Merge(t, dst[start:], src[c*vs:(c+1)*vs])
	}
	return dst
}

// Read reads map m defined by d into an output.Map, merging per-CPU values.
func (dec *Decoder) Read(m *ebpf.Map, d *Def) (*output.Map, error) {
	r, err := ReadRaw(m, d)
	if err != nil {
		return nil, err
	}
	return dec.Map(d, r), nil
}

// Read reads a map with the zero Decoder.
func Read(m *ebpf.Map, d *Def) (*output.Map, error) { return (&Decoder{}).Read(m, d) }

// Map decodes raw map contents. The keys of all entries share one backing
// slice, so a map of 100k keys costs a handful of allocations plus those of
// string and tuple keys.
func (dec *Decoder) Map(d *Def, r *Raw) *output.Map {
	out := &output.Map{Name: "@" + d.Name, Kind: d.Value.Kind, Scalar: d.Key == nil}
	out.Entries = make([]output.Entry, r.Len)
	parts := d.KeyTypes()
	var keys []output.Value
	if len(parts) > 0 {
		keys = make([]output.Value, r.Len*len(parts))
	}
	var offs []int
	if len(parts) > 1 {
		offs = Layout(d.Key)
	}
	for i := range r.Len {
		kb := r.Keys[i*r.KeySize : (i+1)*r.KeySize]
		e := &out.Entries[i]
		if len(parts) > 0 {
			e.Key = keys[i*len(parts) : (i+1)*len(parts) : (i+1)*len(parts)]
			if len(parts) == 1 {
				e.Key[0] = dec.Decode(parts[0], kb)
			} else {
				for j, p := range parts {
					e.Key[j] = dec.Decode(p, kb[offs[j]:])
				}
			}
		}
		e.Value = dec.Decode(d.Value, r.Values[i*r.ValueSize:(i+1)*r.ValueSize])
	}
	return out
}
