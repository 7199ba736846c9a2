package output

import (
	"strconv"

	"github.com/gtrace/gtrace/lang"
)

// appendText appends the text form of a value as print() and map values
// show it. Stacks start with a newline and indent frames by 8 spaces.
func appendText(b []byte, v Value) []byte {
	switch v.Kind {
	case lang.KindInt, lang.KindSum, lang.KindMin, lang.KindMax, lang.KindPtr:
		// Pointers print as signed decimals in v0.17 (only keys use hex).
		if v.Signed || v.Kind == lang.KindPtr {
			return strconv.AppendInt(b, v.int64(), 10)
		}
		return strconv.AppendUint(b, v.Int, 10)
	case lang.KindCount:
		return strconv.AppendUint(b, v.Int, 10)
	case lang.KindBool:
		return strconv.AppendBool(b, v.Int != 0)
	case lang.KindAvg:
		return strconv.AppendInt(b, v.Average(), 10)
	case lang.KindStats:
		return appendStats(b, v, 1)
	case lang.KindBuf:
		return appendBufText(b, v.Str, true, true)
	case lang.KindKsym, lang.KindUsym:
		return appendSym(b, v.Str, v.Int)
	case lang.KindTuple:
		return appendList(b, "(", ", ", ")", v.Elems, appendText)
	case lang.KindArray:
		return appendList(b, "[", ",", "]", v.Elems, appendText)
	case lang.KindRecord:
		b = append(b, "{ "...)
		for i, e := range v.Elems {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, '.')
			b = append(b, v.Names[i]...)
			b = append(b, " = "...)
			b = appendText(b, e)
		}
		return append(b, " }"...)
	case lang.KindKStack, lang.KindUStack:
		return appendStack(b, v.Stack, 8)
	case lang.KindHist, lang.KindLhist:
		return appendHistBody(b, v, 1)
	}
	return append(b, v.Str...)
}

// appendKey appends one part of a map key. Keys differ from values: ints
// always print signed (v0.17 reads every int key as a signed integer),
// pointers in hex, buffers as spaced hex bytes, records compactly, and
// stack frames are indented by 4 spaces.
func appendKey(b []byte, v Value) []byte {
	switch v.Kind {
	case lang.KindInt, lang.KindCount, lang.KindSum, lang.KindMin, lang.KindMax:
		return strconv.AppendInt(b, v.int64(), 10)
	case lang.KindPtr:
		b = append(b, "0x"...)
		return strconv.AppendUint(b, v.Int, 16)
	case lang.KindBuf:
		return appendBufText(b, v.Str, true, true)
	case lang.KindKStack, lang.KindUStack:
		return appendStack(b, v.Stack, 4)
	case lang.KindTuple:
		// Not a v0.17 key type; printed as a v0.26 tuple key.
		return appendList(b, "(", ", ", ")", v.Elems, appendKey)
	case lang.KindArray:
		return appendList(b, "[", ",", "]", v.Elems, appendKey)
	case lang.KindRecord:
		b = append(b, '{')
		for i, e := range v.Elems {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '.')
			b = append(b, v.Names[i]...)
			b = append(b, '=')
			b = appendKey(b, e)
		}
		return append(b, '}')
	}
	return appendText(b, v)
}

// appendList appends elems between open and close, separated by sep, each
// rendered by one (the value or the key form).
func appendList(b []byte, open, sep, close string, elems []Value, one func([]byte, Value) []byte) []byte {
	b = append(b, open...)
	for i, e := range elems {
		if i > 0 {
			b = append(b, sep...)
		}
		b = one(b, e)
	}
	return append(b, close...)
}

// appendSym appends a resolved symbol, or the address in hex when it did
// not resolve (as C++ prints a void*).
func appendSym(b []byte, name string, addr uint64) []byte {
	if name != "" {
		return append(b, name...)
	}
	return appendVoidPtr(b, addr)
}

// appendVoidPtr formats an address as C++'s ostream prints a void*:
// 0x<hex>, and 0 for null (ksym(0) and usym(0) print 0 in bpftrace 0.17).
func appendVoidPtr(b []byte, addr uint64) []byte {
	if addr == 0 {
		return append(b, '0')
	}
	b = append(b, "0x"...)
	return strconv.AppendUint(b, addr, 16)
}

// appendStack appends a stack: a newline, then one line per frame. In
// bpftrace mode frames are indented (8 spaces for values, 4 in keys) and
// read sym+off; perf mode writes "\t<hex addr> sym+off", adding " (module)"
// for user frames; raw mode (v0.26) writes the bare address.
func appendStack(b []byte, s *Stack, indent int) []byte {
	if s == nil || len(s.Frames) == 0 {
		// An empty stack (a kernel stack sampled in user mode) prints
		// nothing, not even the newline: bpftrace's "@[]: 3".
		return b
	}
	b = append(b, '\n')
	for _, f := range s.Frames {
		switch s.Mode {
		case StackPerf:
			b = append(b, '\t')
			b = strconv.AppendUint(b, f.Addr, 16)
			b = append(b, ' ')
			b = appendFrameSym(b, f)
			if s.User {
				// bpftrace names the module only of a resolved frame: an
				// address without a symbol (a stripped binary) prints
				// "0x... ([unknown])".
				mod := f.Module
				if f.Sym == "" {
					mod = "[unknown]"
				}
				if mod != "" {
					b = append(b, " ("...)
					b = append(b, mod...)
					b = append(b, ')')
				}
			}
		case StackRaw:
			b = strconv.AppendUint(b, f.Addr, 16)
		default:
			for range indent {
				b = append(b, ' ')
			}
			b = appendFrameSym(b, f)
		}
		b = append(b, '\n')
	}
	return b
}

func appendFrameSym(b []byte, f Frame) []byte {
	if f.Sym == "" {
		return appendVoidPtr(b, f.Addr)
	}
	b = append(b, f.Sym...)
	b = append(b, '+')
	return strconv.AppendUint(b, f.Off, 10)
}

// appendStats appends "count N, average A, total T" (v0.17's stats text).
// div is accepted for symmetry but v0.17 ignores it for stats.
func appendStats(b []byte, v Value, _ uint64) []byte {
	b = append(b, "count "...)
	b = strconv.AppendInt(b, int64(v.Int), 10)
	b = append(b, ", average "...)
	b = strconv.AppendInt(b, v.Average(), 10)
	b = append(b, ", total "...)
	return strconv.AppendInt(b, v.Total, 10)
}

const hexDigits = "0123456789abcdef"

// appendBufText formats buffer bytes as bpftrace does for %r and for buf()
// values: printable ASCII kept (keepASCII) and other bytes as \xNN
// (escapeHex); with escapeHex false every byte prints as two hex digits,
// separated by spaces (%rh).
func appendBufText(b []byte, s string, keepASCII, escapeHex bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case keepASCII && c >= 32 && c <= 126:
			b = append(b, c)
		case escapeHex:
			b = append(b, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
		default:
			b = append(b, hexDigits[c>>4], hexDigits[c&15])
			if i != len(s)-1 {
				b = append(b, ' ')
			}
		}
	}
	return b
}

// appendHistBody appends the rows of a hist or lhist, one per bucket from
// the first to the last non-empty one: "%-16s%8d |%-52s|\n". div divides the
// printed counts of a hist (not the bars, and not lhist counts: v0.17).
func appendHistBody(b []byte, v Value, div uint64) []byte {
	h := v.Hist
	if h == nil {
		return b
	}
	first, last := usedRange(h.Buckets)
	if first < 0 {
		return b
	}
	var max uint64
	for _, c := range h.Buckets {
		if c > max {
			max = c
		}
	}
	lin := v.Kind == lang.KindLhist
	if lin || div == 0 {
		div = 1
	}
	for i := first; i <= last; i++ {
		start := len(b)
		if lin {
			b = appendLhistRowLabel(b, h, i)
		} else {
			b = appendHistRowLabel(b, i, h.Bits)
		}
		b = pad(b, 16-(len(b)-start))
		b = appendPadUint(b, h.Buckets[i]/div, 8)
		b = append(b, " |"...)
		w := barWidth(h.Buckets[i], max)
		for range w {
			b = append(b, '@')
		}
		b = pad(b, 52-w)
		b = append(b, "|\n"...)
	}
	return b
}

func pad(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, ' ')
	}
	return b
}

// appendPadUint right-aligns v in width columns.
func appendPadUint(b []byte, v uint64, width int) []byte {
	var tmp [20]byte
	d := strconv.AppendUint(tmp[:0], v, 10)
	b = pad(b, width-len(d))
	return append(b, d...)
}

// KeyText returns the text of one map key part as the map prints it (a
// comm, a pid, a probe name): what -f folded and flame graphs show for the
// key parts that are not stacks.
func KeyText(v Value) string { return string(appendKey(nil, v)) }
