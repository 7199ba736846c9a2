package probes

import (
	"debug/elf"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/gtrace/gtrace/internal/safefile"
	"github.com/gtrace/gtrace/internal/symbols"
)

// elfFile is what uprobes and usdt probes need from a binary: its function
// symbols (.symtab and .dynsym) with their file offsets, its loadable
// segments, and its USDT notes. Files are read once per Kernel.
type elfFile struct {
	Path    string
	Machine elf.Machine
	Funcs   []elfFunc // sorted by name, one per name
	Loads   []elf.ProgHeader
	USDT    []USDTProbe

	syms *symbols.ELF // the symbol table it was built on

	// demangledNames returns the demangled name of each of Funcs ("" for
	// a name that is not C++), computed on first use: only C++ lookups
	// pay.
	demangledNames func() []string
	// params returns the parameters of each function from the file's
	// DWARF, read on first use.
	params func() map[string][]dwarfParam
}

// elfFunc is one function symbol. Off is where a uprobe goes: the file
// offset of Addr (the kernel's uprobe takes an inode and an offset).
type elfFunc struct {
	Name            string
	Addr, Size, Off uint64
}

// userFiles caches parsed binaries per path.
type userFiles struct {
	mu    sync.Mutex
	files map[string]func() (*elfFile, error)
}

// elfFile returns the parsed binary at path, reading it on first use.
func (k *Kernel) elfFile(path string) (*elfFile, error) {
	k.user.mu.Lock()
	if k.user.files == nil {
		k.user.files = map[string]func() (*elfFile, error){}
	}
	read := k.user.files[path]
	if read == nil {
		read = sync.OnceValues(func() (*elfFile, error) { return k.readELF(path) })
		k.user.files[path] = read
	}
	k.user.mu.Unlock()
	return read()
}

// checkBinary says in one line why path cannot be probed, or nil.
func checkBinary(path string) error { return symbols.CheckBinary(path) }

// readELF builds the probes' view of a binary on its symbol table (read
// once per Kernel, shared with uaddr and usym): functions by name with
// their file offsets, and the USDT notes.
func (k *Kernel) readELF(path string) (*elfFile, error) {
	syms, err := k.ELF(path)
	if err != nil {
		return nil, err
	}
	if syms.Type != elf.ET_EXEC && syms.Type != elf.ET_DYN {
		return nil, fmt.Errorf("%s is not an executable or a shared library (ELF type %s)", path, syms.Type)
	}
	out := &elfFile{Path: path, Machine: syms.Machine, Loads: syms.Loads, syms: syms}
	out.demangledNames = sync.OnceValue(func() []string {
		dm := make([]string, len(out.Funcs))
		for i, e := range out.Funcs {
			dm[i] = demangled(e.Name)
		}
		return dm
	})
	out.params = sync.OnceValue(func() map[string][]dwarfParam { return readDWARFParams(path) })
	for _, s := range syms.Syms {
		if (s.Type != elf.STT_FUNC && s.Type != elf.STT_GNU_IFUNC) || s.Value == 0 || !s.Defined || s.Name == "" {
			continue
		}
		off, ok := out.offset(s.Value, true)
		if !ok {
			continue
		}
		// Versioned names ("memcpy@@GLIBC_2.14") are probed by their
		// plain name.
		out.Funcs = append(out.Funcs, elfFunc{Name: s.BaseName(), Addr: s.Value, Size: s.Size, Off: off})
	}
	// Sort by name; the first of equal names wins (.symtab before .dynsym).
	slices.SortStableFunc(out.Funcs, func(a, b elfFunc) int { return strings.Compare(a.Name, b.Name) })
	out.Funcs = slices.CompactFunc(out.Funcs, func(a, b elfFunc) bool { return a.Name == b.Name })
	f, err := safefile.OpenELF(path)
	if err != nil {
		return nil, fmt.Errorf("%s is a truncated or corrupt ELF file (%w)", path, err)
	}
	defer f.Close()
	out.USDT, err = readUSDT(f.File, out)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// offset turns a virtual address into a file offset through the PT_LOAD
// segment that holds it (an executable one when exec is set).
func (f *elfFile) offset(vaddr uint64, exec bool) (uint64, bool) {
	for _, p := range f.Loads {
		if exec && p.Flags&elf.PF_X == 0 {
			continue
		}
		if vaddr >= p.Vaddr && vaddr < p.Vaddr+p.Memsz {
			return vaddr - p.Vaddr + p.Off, true
		}
	}
	return 0, false
}

// lookup finds a function by name.
func (f *elfFile) lookup(name string) (elfFunc, bool) {
	i, ok := slices.BinarySearchFunc(f.Funcs, name, func(e elfFunc, n string) int { return strings.Compare(e.Name, n) })
	if !ok {
		return elfFunc{}, false
	}
	return f.Funcs[i], true
}

// lookupDemangled finds the C++ functions a demangled name (without
// wildcards) names: every overload unless it gives the parameters.
func (f *elfFile) lookupDemangled(name string) []elfFunc {
	var out []elfFunc
	for i, d := range f.demangledNames() {
		if d != "" && matchDemangled(name, d) {
			out = append(out, f.Funcs[i])
		}
	}
	return out
}

// ELF returns the symbol table of the binary at path, read once per
// Kernel: uprobe and usdt expansion, uaddr() and the runtime's usym and
// ustack resolution share it.
func (k *Kernel) ELF(path string) (*symbols.ELF, error) { return k.elfSyms.Open(path) }

// UserSymbol returns the address and size of any symbol (a function or a
// variable) of the binary at path, for uaddr("name"): the ELF's own
// address, which is the run-time address only in a non-PIE executable
// (ET_EXEC; pie reports the other case, where the load base must be
// added).
func (k *Kernel) UserSymbol(path, name string) (addr, size uint64, pie bool, err error) {
	syms, err := k.ELF(path)
	if err != nil {
		return 0, 0, false, err
	}
	s, ok := syms.Symbol(name)
	if !ok {
		return 0, 0, false, fmt.Errorf("symbol %s not found in %s", name, path)
	}
	return s.Value, s.Size, syms.Type == elf.ET_DYN, nil
}
