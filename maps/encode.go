package maps

import (
	"net/netip"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// Encode appends the encoding of v as type t to b. It is the inverse of
// Decode for the kinds user space may need to build (map keys for
// deletion, values for tests); it writes exactly SizeOf(t) bytes.
func Encode(b []byte, t *lang.Type, v output.Value) []byte {
	start := len(b)
	b = append(b, make([]byte, SizeOf(t))...)
	encodeAt(b[start:], t, v)
	return b
}

func encodeAt(b []byte, t *lang.Type, v output.Value) {
	switch t.Kind {
	case lang.KindInt, lang.KindBool:
		switch t.Size {
		case 1:
			b[0] = byte(v.Int)
		case 2:
			le.PutUint16(b, uint16(v.Int))
		case 4:
			le.PutUint32(b, uint32(v.Int))
		default:
			le.PutUint64(b, v.Int)
		}
	case lang.KindStr:
		copy(b[:t.Size-1], v.Str)
	case lang.KindBuf:
		n := copy(b[8:8+t.Size], v.Str)
		le.PutUint64(b, uint64(n))
	case lang.KindTuple:
		offs := Layout(t)
		for i, e := range t.Elems {
			if i < len(v.Elems) {
				encodeAt(b[offs[i]:], e, v.Elems[i])
			}
		}
	case lang.KindArray:
		n := SizeOf(t.Elem)
		for i := 0; i < t.Len && i < len(v.Elems); i++ {
			encodeAt(b[i*n:], t.Elem, v.Elems[i])
		}
	case lang.KindInet:
		if a, err := netip.ParseAddr(v.Str); err == nil {
			if a.Is4() {
				le.PutUint64(b, 2)
				a4 := a.As4()
				copy(b[8:], a4[:])
			} else {
				le.PutUint64(b, 10)
				a16 := a.As16()
				copy(b[8:], a16[:])
			}
		}
	case lang.KindTimestamp:
		le.PutUint64(b[TimestampIDOffset:], uint64(v.Total))
		le.PutUint64(b[TimestampNsOffset:], v.Int)
	case lang.KindCount, lang.KindSum:
		le.PutUint64(b, v.Int)
	case lang.KindMin, lang.KindMax:
		le.PutUint64(b, v.Int)
		le.PutUint64(b[MinMaxSetOffset:], 1)
	case lang.KindAvg, lang.KindStats:
		le.PutUint64(b[AvgCountOffset:], v.Int)
		le.PutUint64(b[AvgTotalOffset:], uint64(v.Total))
	case lang.KindHist, lang.KindLhist:
		if v.Hist != nil {
			for i, c := range v.Hist.Buckets {
				if 8*i+8 <= len(b) {
					le.PutUint64(b[8*i:], c)
				}
			}
		}
	case lang.KindNone, lang.KindRecord, lang.KindMacAddr:
		// Not built by user space.
	default:
		le.PutUint64(b, v.Int)
	}
}
