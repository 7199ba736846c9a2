package maps

import (
	"strings"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/lang"
)

// DefaultMaxEntries is bpftrace's default map size (BPFTRACE_MAP_KEYS_MAX,
// config max_map_keys).
const DefaultMaxEntries = 4096

// PreallocLimit is the memory (value size × entries, times the CPUs for a
// per-CPU map) above which a hash map is created without preallocation.
// bpftrace 0.17 preallocates every map, and so does gtrace below this
// bound: a map that allocates its elements when they are first inserted
// (bpf_mem_alloc, tracing programs may use them since 6.1) refuses updates
// with ENOMEM under bursts of new keys, when its per-CPU caches run dry in
// the probe's atomic context. gtrace keeps a whole hist in one value where
// bpftrace keeps a key per bucket, so its values are larger: 200,000
// hist() keys take 520 B × 200,000 × CPUs; past the bound (4096 lhist of
// 10,000 buckets on 64 CPUs would be 20 GiB) pinning it all up front costs
// more than the updates the kernel may refuse, which are counted and
// reported by cause.
const PreallocLimit = 1 << 30

// Def is the definition of one user map (@name).
type Def struct {
	Name  string     // without '@'; "" for @
	Key   *lang.Type // nil for a scalar map; a tuple when Arity > 1
	Arity int        // number of key expressions: @m[a, b] has 2
	Value *lang.Type // the value type: an aggregation kind or a plain type

	Type       ebpf.MapType
	KeySize    uint32
	ValueSize  uint32
	MaxEntries uint32
	Flags      uint32
	// PresentOffset, when not 0, is the offset of a word after the value
	// that tells a value that was set from one never set. A scalar hist,
	// lhist, avg, stats or count is kept in a one-element per-CPU array
	// (whose lookup the verifier inlines, 6.10+: ~15 ns less per event than
	// a hash), where the element always exists. Programs set the word on
	// every update, zero() keeps it set, clear() and delete() clear it,
	// and a reader skips the value when it is 0 on every CPU. A count needs
	// no word: 0 prints "@: 0" whether set or not, as in bpftrace 0.17.
	PresentOffset int
	// LostBase is the first of the map's counters of refused updates, one
	// per cause, in the runtime's per-CPU counter array (codegen.LostMap).
	LostBase uint32
}

// Options configure map definitions.
type Options struct {
	// MaxEntries is the number of keys of maps without a declaration;
	// 0 means DefaultMaxEntries.
	MaxEntries uint32
	// Deleted says that programs delete the map's keys: a scalar hist or
	// lhist then stays in a per-CPU hash, since a program can clear only
	// its own CPU's copy of an array element.
	Deleted bool
	// Hashed keeps scalar aggregations in per-CPU hashes. Under -kk the
	// programs report map lookups that find nothing, as bpftrace does for
	// the first update of an aggregation; an array lookup never misses.
	Hashed bool
	// NumCPU is the number of possible CPUs (a per-CPU map has a value for
	// each); 0 counts one.
	NumCPU int
}

// NoPrealloc is BPF_F_NO_PREALLOC: the map allocates its elements when
// keys are inserted, not when it is created.
const NoPrealloc = 1

// Memory is what the values of a full map take, in bytes, on a machine
// with numCPU possible CPUs.
func (d *Def) Memory(numCPU int) uint64 {
	m := uint64(d.ValueSize) * uint64(d.MaxEntries)
	if d.PerCPU() {
		m *= uint64(max(numCPU, 1))
	}
	return m
}

// Preallocated reports whether the map's elements all exist from its
// creation: its updates never fail for lack of memory.
func (d *Def) Preallocated() bool { return d.Flags&NoPrealloc == 0 }

// NewDef defines the map name with the given key (nil: scalar), key arity
// and value types. decl is the map's `let @m = hash(N)` declaration or nil.
func NewDef(name string, key *lang.Type, arity int, value *lang.Type, decl *lang.MapDecl, opts Options) *Def {
	d := &Def{Name: name, Key: key, Arity: arity, Value: value, MaxEntries: opts.MaxEntries}
	if d.MaxEntries == 0 {
		d.MaxEntries = DefaultMaxEntries
	}
	d.Type = ebpf.Hash
	if PerCPU(value) {
		d.Type = ebpf.PerCPUHash
	}
	if decl != nil {
		if decl.Entries > 0 {
			d.MaxEntries = uint32(decl.Entries)
		}
		switch decl.Kind {
		case "lruhash":
			d.Type = ebpf.LRUHash
		case "percpuhash":
			d.Type = ebpf.PerCPUHash
		case "percpulruhash":
			d.Type = ebpf.LRUCPUHash
		}
		// Aggregations need per-CPU storage whatever the declaration says.
		if PerCPU(value) && d.Type == ebpf.LRUHash {
			d.Type = ebpf.LRUCPUHash
		} else if PerCPU(value) && d.Type == ebpf.Hash {
			d.Type = ebpf.PerCPUHash
		}
	}
	d.KeySize = uint32(d.KeyBytes())
	d.ValueSize = uint32(Round8(max(SizeOf(value), 1)))
	if d.Memory(opts.NumCPU) > PreallocLimit && (d.Type == ebpf.Hash || d.Type == ebpf.PerCPUHash) {
		d.Flags = NoPrealloc
	}
	if key == nil && decl == nil && !opts.Deleted && !opts.Hashed {
		switch value.Kind {
		case lang.KindHist, lang.KindLhist, lang.KindAvg, lang.KindStats:
			// Their merge sums every word, the present word too.
			d.Type, d.KeySize, d.MaxEntries, d.Flags = ebpf.PerCPUArray, 4, 1, 0
			d.PresentOffset = int(d.ValueSize)
			d.ValueSize += 8
		case lang.KindCount:
			d.Type, d.KeySize, d.MaxEntries, d.Flags = ebpf.PerCPUArray, 4, 1, 0
		}
	}
	return d
}

// KeyBytes is the size of an encoded key: 8 (a zero u64) for scalar maps.
func (d *Def) KeyBytes() int {
	if d.Key == nil {
		return 8
	}
	return max(Round8(SizeOf(d.Key)), 8)
}

// PerCPU reports whether the map has one value per CPU.
func (d *Def) PerCPU() bool {
	return d.Type == ebpf.PerCPUHash || d.Type == ebpf.LRUCPUHash || d.Type == ebpf.PerCPUArray
}

// SpecName is the map's key in the CollectionSpec: "@name", which cannot
// collide with the runtime maps.
func (d *Def) SpecName() string { return "@" + d.Name }

// KernelName is the name the kernel shows (bpftool): "AT_name", limited
// to the 15 characters and the alphabet the kernel accepts.
func (d *Def) KernelName() string {
	var b strings.Builder
	b.WriteString("AT_")
	for _, r := range d.Name {
		if b.Len() >= 15 {
			break
		}
		if r == '_' || r == '.' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// MapSpec returns the kernel map specification.
func (d *Def) MapSpec() *ebpf.MapSpec {
	return &ebpf.MapSpec{
		Name:       d.KernelName(),
		Type:       d.Type,
		KeySize:    d.KeySize,
		ValueSize:  d.ValueSize,
		MaxEntries: d.MaxEntries,
		Flags:      d.Flags,
	}
}

// KeyTypes returns the types of the key parts as printed: one per key
// expression.
func (d *Def) KeyTypes() []*lang.Type {
	switch {
	case d.Key == nil:
		return nil
	case d.Arity > 1 && d.Key.Kind == lang.KindTuple:
		return d.Key.Elems
	}
	return []*lang.Type{d.Key}
}
