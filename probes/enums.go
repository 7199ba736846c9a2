package probes

import (
	"fmt"

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
	return k.types.enumerator(name)
}

// enumerator looks a name up in the converter's enumerator index, building
// it on first use.
func (c *btfConverter) enumerator(name string) (int64, bool, error) {
	if c.enums == nil {
		idx, err := enumIndex(c.spec)
		if err != nil {
			return 0, false, err
		}
		c.enums = idx
	}
	v, ok := c.enums[name]
	return v, ok, nil
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
