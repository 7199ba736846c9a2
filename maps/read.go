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

// Raw is the content of a map as bytes: Key(i) is the i-th key, Value(i)
// its value with the per-CPU copies already merged.
//
// The entries are kept in blocks of a fixed number of entries (a power of
// two, ~64 KiB of keys or values) allocated as the batches come: one
// array grown by append would have allocated ~5 times the final size and
// copied most of it (1M keys and counts: 80 MB for 16).
type Raw struct {
	KeySize, ValueSize int
	Len                int
	shift              uint     // log2 of the entries per block
	keys, values       [][]byte // the blocks
}

// rawBlockBytes is about the size of a block of keys or values.
const rawBlockBytes = 64 << 10

func newRaw(ks, vs int) *Raw {
	r := &Raw{KeySize: ks, ValueSize: vs}
	for (2<<r.shift)*max(ks, vs, 1) <= rawBlockBytes {
		r.shift++
	}
	return r
}

// Key returns the bytes of the i-th key.
func (r *Raw) Key(i int) []byte {
	o := (i & (1<<r.shift - 1)) * r.KeySize
	return r.keys[i>>r.shift][o : o+r.KeySize : o+r.KeySize]
}

// Value returns the bytes of the i-th value.
func (r *Raw) Value(i int) []byte {
	o := (i & (1<<r.shift - 1)) * r.ValueSize
	return r.values[i>>r.shift][o : o+r.ValueSize : o+r.ValueSize]
}

// add appends an entry with the given key and returns its value's bytes,
// zeroed, for the caller to fill.
func (r *Raw) add(key []byte) []byte {
	if r.Len>>r.shift == len(r.keys) {
		r.keys = append(r.keys, make([]byte, r.KeySize<<r.shift))
		r.values = append(r.values, make([]byte, r.ValueSize<<r.shift))
	}
	r.Len++
	copy(r.Key(r.Len-1), key)
	return r.Value(r.Len - 1)
}

// truncate keeps the first n entries.
func (r *Raw) truncate(n int) {
	r.Len = n
	blocks := (n + 1<<r.shift - 1) >> r.shift
	clear(r.keys[blocks:])
	clear(r.values[blocks:])
	r.keys, r.values = r.keys[:blocks], r.values[:blocks]
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
		v := r.Value(i)
		if le.Uint64(v[d.PresentOffset:]) == 0 {
			continue
		}
		if n != i {
			copy(r.Key(n), r.Key(i))
			copy(r.Value(n), v)
		}
		n++
	}
	r.truncate(n)
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
	r := newRaw(ks, vs)
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
		for i := range n {
			merged(r.add(keyBuf[i*ks:(i+1)*ks]), d.Value, valBuf[i*ncpu*vs:(i+1)*ncpu*vs], ncpu)
		}
		if done {
			return r, nil
		}
	}
}

func readIter(m *ebpf.Map, d *Def) (*Raw, error) {
	ks, vs := int(m.KeySize()), int(m.ValueSize())
	r := newRaw(ks, vs)
	key := make([]byte, ks)
	if d.PerCPU() {
		var vals [][]byte
		it := m.Iterate()
		for it.Next(&key, &vals) {
			v := r.add(key)
			for _, c := range vals {
				Merge(d.Value, v, c)
			}
		}
		if err := it.Err(); err != nil {
			return nil, fmt.Errorf("read map @%s: %w", d.Name, err)
		}
		return r, nil
	}
	val := make([]byte, vs)
	it := m.Iterate()
	for it.Next(&key, &val) {
		copy(r.add(key), val)
	}
	if err := it.Err(); err != nil {
		return nil, fmt.Errorf("read map @%s: %w", d.Name, err)
	}
	return r, nil
}

// merged fills dst (one value, zeroed) with the merge of the ncpu copies
// in src (strided by len(dst), as the kernel returns them) for per-CPU
// maps, else with the value itself.
func merged(dst []byte, t *lang.Type, src []byte, ncpu int) {
	vs := len(dst)
	copy(dst, src[:vs])
	for c := 1; c < ncpu; c++ {
		Merge(t, dst, src[c*vs:(c+1)*vs])
	}
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
func (dec *Decoder) Map(d *Def, r *Raw) *output.Map { return dec.Lazy(d, r).Decode() }

// Lazy returns the map with its entries left in r, each decoded when it is
// asked for (output.LazyMap): printed as text, a map of 1M integer keys
// then costs the 16 bytes a key of r instead of ~230 of decoded values.
func (dec *Decoder) Lazy(d *Def, r *Raw) *output.Map {
	src := &rawSource{dec: dec, d: d, r: r, parts: d.KeyTypes()}
	if len(src.parts) > 1 {
		src.offs = Layout(d.Key)
	}
	src.key = make([]output.Value, len(src.parts))
	return output.LazyMap("@"+d.Name, d.Value.Kind, d.Key == nil, src)
}

// rawSource decodes the entries of raw map contents one at a time.
type rawSource struct {
	dec   *Decoder
	d     *Def
	r     *Raw
	parts []*lang.Type
	offs  []int          // offsets of the key parts when there are several
	key   []output.Value // the key parts of the entry decoded last
}

func (s *rawSource) Len() int { return s.r.Len }

func (s *rawSource) Entry(i int, e *output.Entry) {
	r := s.r
	e.Key = nil
	if len(s.parts) > 0 {
		kb := r.Key(i)
		if len(s.parts) == 1 {
			s.key[0] = s.dec.Decode(s.parts[0], kb)
		} else {
			for j, p := range s.parts {
				s.key[j] = s.dec.Decode(p, kb[s.offs[j]:])
			}
		}
		e.Key = s.key
	}
	e.Value = s.dec.Decode(s.d.Value, r.Value(i))
}
