package symbols

import (
	"cmp"
	"debug/elf"
	"slices"
	"strings"
)

// funcIndex is a binary's functions by address, for naming the address of
// a frame: one name per address.
type funcIndex struct {
	addrs, sizes []uint64
	names        []string
}

// funcIndex sorts the function symbols by address. Of the names of one
// address the file's own tables win over the debug file, global names
// over local aliases (getppid, not __GI___getppid), then the first in
// alphabetical order.
func (e *ELF) funcIndex() funcIndex {
	type fn struct {
		Sym
		rank int
	}
	var fns []fn
	for _, s := range e.Syms {
		if s.Type != elf.STT_FUNC || s.Value == 0 {
			continue
		}
		rank := 2 * int(s.Source)
		if s.Bind == elf.STB_LOCAL {
			rank++
		}
		fns = append(fns, fn{s, rank})
	}
	slices.SortFunc(fns, func(a, b fn) int {
		return cmp.Or(cmp.Compare(a.Value, b.Value), cmp.Compare(a.rank, b.rank), strings.Compare(a.Name, b.Name))
	})
	var ix funcIndex
	for i, f := range fns {
		if i > 0 && f.Value == fns[i-1].Value {
			continue // the same function in .symtab and .dynsym
		}
		ix.addrs = append(ix.addrs, f.Value)
		ix.sizes = append(ix.sizes, f.Size)
		ix.names = append(ix.names, f.Name)
	}
	return ix
}

// FuncAtOffset names the function at a file offset (a frame's address
// less its mapping's start plus the mapping's offset): to a virtual
// address through the PT_LOAD segment holding it, then to the function
// containing it, and the offset into that function.
func (e *ELF) FuncAtOffset(fileOff uint64) (name string, off uint64, ok bool) {
	vaddr, found := uint64(0), false
	for _, p := range e.Loads {
		if fileOff >= p.Off && fileOff < p.Off+p.Filesz {
			vaddr, found = fileOff-p.Off+p.Vaddr, true
			break
		}
	}
	if !found {
		return "", 0, false
	}
	ix := e.funcs()
	i, exact := slices.BinarySearch(ix.addrs, vaddr)
	if !exact {
		i--
	}
	if i < 0 {
		return "", 0, false
	}
	off = vaddr - ix.addrs[i]
	if ix.sizes[i] != 0 && off >= ix.sizes[i] {
		return "", 0, false
	}
	return ix.names[i], off, true
}

// HasFuncs reports whether any function symbol names an address.
func (e *ELF) HasFuncs() bool { return len(e.funcs().addrs) > 0 }
