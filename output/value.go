package output

import "github.com/gtrace/gtrace/lang"

// Value is one decoded value: a printf argument, a map key part, a map value
// or the argument of print().
//
// Value is a plain struct rather than an interface so that reading a map of
// 100k entries into []Entry needs no allocation per key or value (the maps
// reader can carve all keys out of one []Value). Which fields are meaningful
// depends on Kind (lang's kinds are reused, so the checker's type of an
// expression tells directly how its value renders):
//
//	KindInt, KindPtr, KindBool     Int (Signed says how to read it)
//	KindCount                      Int (unsigned)
//	KindSum, KindMin, KindMax      Int (Signed)
//	KindAvg, KindStats             Int = count, Total = sum of values
//	KindStr, KindInet, KindUsername, KindProbe, KindTimestamp,
//	KindMacAddr, KindCgroupPath, KindStrerror
//	                               Str: the resolved text (a timestamp
//	                               not yet resolved: Int = boot-clock ns,
//	                               Total = the strftime() call's index)
//	KindBuf                        Str: the raw bytes
//	KindKsym, KindUsym             Str: symbol name ("" if unresolved), Int: address
//	KindTuple, KindArray           Elems
//	KindRecord                     Elems, field names in Names
//	KindKStack, KindUStack         Stack
//	KindHist, KindLhist            Hist
type Value struct {
	Kind   lang.Kind
	Signed bool
	Int    uint64
	Total  int64
	Str    string
	Elems  []Value
	Names  []string // KindRecord field names, parallel to Elems
	Stack  *Stack
	Hist   *Hist
}

// StackMode selects how stack frames print (kstack(perf), ustack(raw), ...).
type StackMode uint8

const (
	StackBpftrace StackMode = iota // "    sym+off" lines
	StackPerf                      // "\taddr sym+off (module)" lines
	StackRaw                       // bare addresses (v0.26 only)
)

// Stack is a resolved kernel or user stack, innermost frame first.
type Stack struct {
	User   bool
	Mode   StackMode
	Frames []Frame
}

// Frame is one resolved stack frame. An empty Sym means the address did not
// resolve and prints as 0x<hex>.
type Frame struct {
	Addr   uint64
	Sym    string
	Off    uint64
	Module string // user stacks in perf mode print " (module)"
	// Mapping is the executable mapping the address is in, shared by every
	// frame in it; nil when unknown. Text output does not use it; pprof
	// profiles do.
	Mapping *Mapping
}

// Mapping is an executable file mapped into a process (or the kernel):
// where it was mapped, from which file offset, and the file's build id.
type Mapping struct {
	Start, Limit, Offset uint64
	File                 string
	BuildID              string
}

// Hist holds the merged buckets of a hist() or lhist() value.
//
// hist: Buckets[0] counts negative values, Buckets[1] zero, and the rest
// follow the power-of-two layout of HistIndex with Bits sub-buckets per
// power (2^Bits of them; Bits is 0 for the one-argument hist()).
// lhist: Buckets[0] counts values below Min, Buckets[1+i] values in
// [Min+i*Step, Min+(i+1)*Step), the last one values >= Max.
type Hist struct {
	Buckets        []uint64
	Bits           int
	Min, Max, Step int64
}

// Int returns a signed integer value.
func Int(v int64) Value { return Value{Kind: lang.KindInt, Signed: true, Int: uint64(v)} }

// Uint returns an unsigned integer value.
func Uint(v uint64) Value { return Value{Kind: lang.KindInt, Int: v} }

// Bool returns a boolean value.
func Bool(b bool) Value {
	v := Value{Kind: lang.KindBool}
	if b {
		v.Int = 1
	}
	return v
}

// Str returns a string value.
func Str(s string) Value { return Value{Kind: lang.KindStr, Str: s} }

// TextOf returns a value of one of the kinds that print as resolved text
// (KindInet, KindUsername, KindProbe, KindTimestamp, KindMacAddr, ...).
func TextOf(kind lang.Kind, s string) Value { return Value{Kind: kind, Str: s} }

// Buffer returns a buf() value holding b.
func Buffer(b []byte) Value { return Value{Kind: lang.KindBuf, Str: string(b)} }

// Ptr returns a pointer value.
func Ptr(addr uint64) Value { return Value{Kind: lang.KindPtr, Int: addr} }

// Ksym returns a ksym() value; name "" means unresolved.
func Ksym(name string, addr uint64) Value { return Value{Kind: lang.KindKsym, Str: name, Int: addr} }

// Usym returns a usym() value; name "" means unresolved.
func Usym(name string, addr uint64) Value { return Value{Kind: lang.KindUsym, Str: name, Int: addr} }

// Tuple returns a tuple of the given elements.
func Tuple(elems ...Value) Value { return Value{Kind: lang.KindTuple, Elems: elems} }

// Array returns an array of the given elements.
func Array(elems ...Value) Value { return Value{Kind: lang.KindArray, Elems: elems} }

// Record returns a struct value with the given field names and values.
func Record(names []string, elems []Value) Value {
	return Value{Kind: lang.KindRecord, Names: names, Elems: elems}
}

// KStack returns a kernel stack value.
func KStack(mode StackMode, frames ...Frame) Value {
	return Value{Kind: lang.KindKStack, Stack: &Stack{Mode: mode, Frames: frames}}
}

// UStack returns a user stack value.
func UStack(mode StackMode, frames ...Frame) Value {
	return Value{Kind: lang.KindUStack, Stack: &Stack{User: true, Mode: mode, Frames: frames}}
}

// Count returns a count() value.
func Count(n uint64) Value { return Value{Kind: lang.KindCount, Int: n} }

// Sum returns a sum() value of a signed or unsigned argument.
func Sum(v int64, signed bool) Value {
	return Value{Kind: lang.KindSum, Signed: signed, Int: uint64(v)}
}

// Min returns a min() value.
func Min(v int64) Value { return Value{Kind: lang.KindMin, Signed: true, Int: uint64(v)} }

// Max returns a max() value.
func Max(v int64) Value { return Value{Kind: lang.KindMax, Signed: true, Int: uint64(v)} }

// Avg returns an avg() value from its count and total.
func Avg(count uint64, total int64) Value { return Value{Kind: lang.KindAvg, Int: count, Total: total} }

// Stats returns a stats() value from its count and total.
func Stats(count uint64, total int64) Value {
	return Value{Kind: lang.KindStats, Int: count, Total: total}
}

// HistOf returns a hist() value; bits is k of hist(x, k), 0 for hist(x).
func HistOf(buckets []uint64, bits int) Value {
	return Value{Kind: lang.KindHist, Hist: &Hist{Buckets: buckets, Bits: bits}}
}

// LhistOf returns an lhist(x, min, max, step) value.
func LhistOf(buckets []uint64, min, max, step int64) Value {
	return Value{Kind: lang.KindLhist, Hist: &Hist{Buckets: buckets, Min: min, Max: max, Step: step}}
}

// Average is the integer average bpftrace prints for avg() and stats():
// truncating division, 0 when nothing was counted.
func (v Value) Average() int64 {
	if v.Int == 0 {
		return 0
	}
	return v.Total / int64(v.Int)
}

// int64 reads an integer value as signed.
func (v Value) int64() int64 { return int64(v.Int) }
