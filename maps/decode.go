package maps

import (
	"bytes"
	"fmt"
	"net/netip"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// Decoder turns encoded bytes back into output values.
//
// Some kinds need facts only the runtime has and are returned raw, with
// their Kind set so the runtime knows to resolve them: kstack/ustack (Int
// holds the encoded stack: id | pid<<32, Stack is nil), ksym/usym (Int is
// the address, Str ""), username (Int is the uid), timestamp (Int is the
// boot-clock ns, Total the strftime() call's index), cgroup_path (Int is the cgroup id), strerror (Int is the
// errno).
type Decoder struct {
	// Probes maps a `probe` builtin value (an index) to the probe name.
	Probes []string
}

// Decode decodes a value of type t with the zero Decoder.
func Decode(t *lang.Type, b []byte) output.Value { return (&Decoder{}).Decode(t, b) }

// Decode decodes one value of type t from b (len(b) >= SizeOf(t)). For
// aggregation kinds b is the merged value (see Merge).
func (d *Decoder) Decode(t *lang.Type, b []byte) output.Value {
	switch t.Kind {
	case lang.KindInt:
		return output.Value{Kind: lang.KindInt, Signed: t.Signed, Int: readInt(b, t.Size, t.Signed)}
	case lang.KindBool:
		return output.Bool(b[0] != 0)
	case lang.KindStr:
		return output.Str(cString(b[:t.Size]))
	case lang.KindBuf:
		n := min(le.Uint64(b), uint64(t.Size))
		return output.Buffer(bytes.Clone(b[8 : 8+n]))
	case lang.KindPtr:
		return output.Ptr(le.Uint64(b))
	case lang.KindTuple:
		offs := Layout(t)
		elems := make([]output.Value, len(t.Elems))
		for i, e := range t.Elems {
			elems[i] = d.Decode(e, b[offs[i]:])
		}
		return output.Tuple(elems...)
	case lang.KindArray:
		n := SizeOf(t.Elem)
		elems := make([]output.Value, t.Len)
		for i := range elems {
			elems[i] = d.Decode(t.Elem, b[i*n:])
		}
		return output.Array(elems...)
	case lang.KindRecord:
		names := make([]string, 0, len(t.Fields))
		elems := make([]output.Value, 0, len(t.Fields))
		for _, f := range t.Fields {
			v := d.Decode(f.Type, b[f.Offset:])
			if f.BitSize > 0 {
				v.Int = v.Int >> uint(f.BitOff) & (1<<uint(f.BitSize) - 1)
			}
			names = append(names, f.Name)
			elems = append(elems, v)
		}
		return output.Record(names, elems)
	case lang.KindInet:
		return output.TextOf(lang.KindInet, inetText(b))
	case lang.KindMacAddr:
		return output.TextOf(lang.KindMacAddr, fmt.Sprintf("%02X:%02X:%02X:%02X:%02X:%02X", b[0], b[1], b[2], b[3], b[4], b[5]))
	case lang.KindTimestamp:
		return output.Value{Kind: lang.KindTimestamp, Int: le.Uint64(b[TimestampNsOffset:]), Total: int64(le.Uint64(b[TimestampIDOffset:]))}
	case lang.KindProbe:
		i := le.Uint64(b)
		if i < uint64(len(d.Probes)) {
			return output.TextOf(lang.KindProbe, d.Probes[i])
		}
		return output.Value{Kind: lang.KindProbe, Int: i}
	case lang.KindCount:
		return output.Count(le.Uint64(b))
	case lang.KindSum:
		return output.Sum(int64(le.Uint64(b)), t.Signed)
	case lang.KindMin:
		return output.Min(int64(le.Uint64(b)))
	case lang.KindMax:
		return output.Max(int64(le.Uint64(b)))
	case lang.KindAvg:
		return output.Avg(le.Uint64(b[AvgCountOffset:]), int64(le.Uint64(b[AvgTotalOffset:])))
	case lang.KindStats:
		return output.Stats(le.Uint64(b[AvgCountOffset:]), int64(le.Uint64(b[AvgTotalOffset:])))
	case lang.KindHist:
		return output.HistOf(buckets(b, HistBuckets(t.Bits)), t.Bits)
	case lang.KindLhist:
		return output.LhistOf(buckets(b, LhistBuckets(t.Min, t.Max, t.Step)), t.Min, t.Max, t.Step)
	case lang.KindNone:
		return output.Value{}
	}
	// kstack, ustack, ksym, usym, username, cgroup_path, strerror: raw
	// 8 bytes for the runtime to resolve.
	return output.Value{Kind: t.Kind, Int: le.Uint64(b)}
}

func readInt(b []byte, size int, signed bool) uint64 {
	switch size {
	case 1:
		if signed {
			return uint64(int64(int8(b[0])))
		}
		return uint64(b[0])
	case 2:
		if signed {
			return uint64(int64(int16(le.Uint16(b))))
		}
		return uint64(le.Uint16(b))
	case 4:
		if signed {
			return uint64(int64(int32(le.Uint32(b))))
		}
		return uint64(le.Uint32(b))
	}
	return le.Uint64(b)
}

func buckets(b []byte, n int) []uint64 {
	out := make([]uint64, n)
	for i := range out {
		out[i] = le.Uint64(b[8*i:])
	}
	return out
}

func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

// inetText renders an ntop() value: AF_INET (2) or AF_INET6 (10) and the
// address bytes.
func inetText(b []byte) string {
	switch le.Uint64(b) {
	case 2:
		return netip.AddrFrom4([4]byte(b[8:12])).String()
	case 10:
		return netip.AddrFrom16([16]byte(b[8:24])).String()
	}
	return ""
}

// StackID splits an encoded stack value into the stack map id and the pid
// (user stacks). ok is false when the kernel failed to take the stack (the
// id is a negative errno).
func StackID(raw uint64) (id uint32, pid uint32, ok bool) {
	id = uint32(raw)
	return id, uint32(raw >> 32), int32(id) >= 0
}
