package probes

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"

	"github.com/cilium/ebpf/btf"
)

// Enumerator implements sema.Env: the value of a kernel enumerator (a
// constant of a C enum in BTF, e.g. SKB_DROP_REASON_NOT_SPECIFIED). The
// index of every enumerator of the spec is built on the first call only
// (the checker asks only for identifiers it cannot resolve otherwise) and
// cached; signed enums' values are sign-extended, 64-bit enums kept whole.
// When one name has several values (an enumerator redefined by another
// compilation unit or module), the first one in BTF order wins.
func (k *Kernel) Enumerator(name string) (int64, bool, error) {
	spec, err := k.Spec()
	if err != nil {
		return 0, false, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.types == nil {
		k.types = newBTFConverter(spec)
	}
	k.types.rawVmlinux = k.BTF == nil
	return k.types.enumerator(name)
}

// enumerator looks a name up in the converter's enumerator index, building
// it on first use: from the raw vmlinux BTF when the spec is the running
// kernel's (a scan of the enum records only, a few milliseconds), else by
// walking the spec's types (which decodes every type: about half a second
// for vmlinux).
func (c *btfConverter) enumerator(name string) (int64, bool, error) {
	if c.enums == nil {
		idx, err := c.buildEnumIndex()
		if err != nil {
			return 0, false, err
		}
		c.enums = idx
	}
	v, ok := c.enums[name]
	return v, ok, nil
}

func (c *btfConverter) buildEnumIndex() (map[string]int64, error) {
	if c.rawVmlinux {
		if raw, err := os.ReadFile(vmlinuxBTF); err == nil {
			if idx, err := rawEnumIndex(raw); err == nil {
				return idx, nil
			}
		}
	}
	return enumIndex(c.spec)
}

// vmlinuxBTF is where the running kernel exposes its BTF (5.4+).
const vmlinuxBTF = "/sys/kernel/btf/vmlinux"

// rawEnumIndex scans raw BTF (the kernel's format: a header, a type section
// of variable-length records, a string section) for ENUM and ENUM64
// records, skipping every other record by its kind's trailing size.
func rawEnumIndex(raw []byte) (map[string]int64, error) {
	if len(raw) < 24 {
		return nil, errors.New("BTF: short header")
	}
	var bo binary.ByteOrder
	switch {
	case binary.LittleEndian.Uint16(raw) == 0xeb9f:
		bo = binary.LittleEndian
	case binary.BigEndian.Uint16(raw) == 0xeb9f:
		bo = binary.BigEndian
	default:
		return nil, errors.New("BTF: bad magic")
	}
	hdrLen := int(bo.Uint32(raw[4:]))
	typeOff, typeLen := int(bo.Uint32(raw[8:])), int(bo.Uint32(raw[12:]))
	strOff, strLen := int(bo.Uint32(raw[16:])), int(bo.Uint32(raw[20:]))
	if hdrLen < 24 || hdrLen+typeOff+typeLen > len(raw) || hdrLen+strOff+strLen > len(raw) {
		return nil, errors.New("BTF: sections out of range")
	}
	types := raw[hdrLen+typeOff : hdrLen+typeOff+typeLen]
	strs := raw[hdrLen+strOff : hdrLen+strOff+strLen]
	str := func(off uint32) string {
		if int(off) >= len(strs) {
			return ""
		}
		s := strs[off:]
		if i := bytes.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return string(s)
	}
	idx := map[string]int64{}
	for p := 0; p+12 <= len(types); {
		info := bo.Uint32(types[p+4:])
		vlen, kind, kflag := int(info&0xffff), (info>>24)&0x1f, info>>31 == 1
		p += 12
		var n int
		switch kind {
		case 1, 14, 17: // INT, VAR, DECL_TAG
			n = 4
		case 3: // ARRAY
			n = 12
		case 4, 5, 15: // STRUCT, UNION, DATASEC
			n = vlen * 12
		case 13: // FUNC_PROTO
			n = vlen * 8
		case 6: // ENUM: name, int32 value (signed when kind_flag)
			n = vlen * 8
			for i := 0; i < vlen && p+i*8+8 <= len(types); i++ {
				e := types[p+i*8:]
				name, val := str(bo.Uint32(e)), bo.Uint32(e[4:])
				v := int64(val)
				if kflag {
					v = int64(int32(val))
				}
				if _, dup := idx[name]; !dup && name != "" {
					idx[name] = v
				}
			}
		case 19: // ENUM64: name, low and high 32 bits
			n = vlen * 12
			for i := 0; i < vlen && p+i*12+12 <= len(types); i++ {
				e := types[p+i*12:]
				name := str(bo.Uint32(e))
				v := int64(uint64(bo.Uint32(e[8:]))<<32 | uint64(bo.Uint32(e[4:])))
				if _, dup := idx[name]; !dup && name != "" {
					idx[name] = v
				}
			}
		case 0, 2, 7, 8, 9, 10, 11, 12, 16, 18: // no trailing data
		default:
			return nil, fmt.Errorf("BTF: unknown kind %d", kind)
		}
		p += n
	}
	return idx, nil
}

// enumIndex walks every type of spec once and maps each enumerator name to
// its value.
func enumIndex(spec *btf.Spec) (map[string]int64, error) {
	idx := map[string]int64{}
	for t, err := range spec.All() {
		if err != nil {
			return nil, fmt.Errorf("reading kernel enumerators from BTF: %w", err)
		}
		e, ok := t.(*btf.Enum)
		if !ok {
			continue
		}
		for _, v := range e.Values {
			if _, dup := idx[v.Name]; !dup {
				idx[v.Name] = int64(v.Value)
			}
		}
	}
	return idx, nil
}

// Enumerator implements sema.Env; a TableEnv has no enumerators.
func (e *TableEnv) Enumerator(string) (int64, bool, error) { return 0, false, nil }
