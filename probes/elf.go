package probes

import (
	"bytes"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
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

	dmOnce sync.Once
	dm     []string // Funcs' demangled names, "" where not C++

	paramsOnce sync.Once
	params     map[string][]dwarfParam // per function, from DWARF
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
	files map[string]*userFile
}

type userFile struct {
	once sync.Once
	f    *elfFile
	err  error
}

// elfFile returns the parsed binary at path, reading it on first use.
func (k *Kernel) elfFile(path string) (*elfFile, error) {
	k.user.mu.Lock()
	if k.user.files == nil {
		k.user.files = map[string]*userFile{}
	}
	uf := k.user.files[path]
	if uf == nil {
		uf = &userFile{}
		k.user.files[path] = uf
	}
	k.user.mu.Unlock()
	uf.once.Do(func() { uf.f, uf.err = readELF(path) })
	return uf.f, uf.err
}

// checkBinary says in one line why path cannot be probed, or nil.
func checkBinary(path string) error {
	st, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("binary %s does not exist", path)
	case err != nil:
		return fmt.Errorf("binary %s: %w", path, err)
	case st.IsDir():
		return fmt.Errorf("%s is a directory, not a binary", path)
	case !st.Mode().IsRegular():
		return fmt.Errorf("%s is not a regular file", path)
	}
	return nil
}

func readELF(path string) (*elfFile, error) {
	if err := checkBinary(path); err != nil {
		return nil, err
	}
	if !isELF(path) {
		return nil, fmt.Errorf("%s is not an ELF file", path)
	}
	f, err := elf.Open(path)
	if err != nil {
		return nil, fmt.Errorf("%s is a truncated or corrupt ELF file (%w)", path, err)
	}
	defer f.Close()
	if f.Type != elf.ET_EXEC && f.Type != elf.ET_DYN {
		return nil, fmt.Errorf("%s is not an executable or a shared library (ELF type %s)", path, f.Type)
	}
	out := &elfFile{Path: path, Machine: f.Machine}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			out.Loads = append(out.Loads, p.ProgHeader)
		}
	}
	// Stripped: the distribution's debug file (by build-id or
	// .gnu_debuglink under /usr/lib/debug) has the full table, else
	// the MiniDebugInfo has the local functions.
	reads, closeDebug := SymbolReads(f, path)
	defer closeDebug()
	for _, read := range reads {
		syms, err := read()
		if err != nil {
			continue // elf.ErrNoSymbols: stripped, or no dynamic table
		}
		for _, s := range syms {
			t := elf.ST_TYPE(s.Info)
			if (t != elf.STT_FUNC && t != elf.STT_GNU_IFUNC) || s.Value == 0 || s.Section == elf.SHN_UNDEF || s.Name == "" {
				continue
			}
			off, ok := out.offset(s.Value, true)
			if !ok {
				continue
			}
			// Versioned dynamic names ("memcpy@@GLIBC_2.14") are probed by
			// their plain name.
			name, _, _ := strings.Cut(s.Name, "@")
			out.Funcs = append(out.Funcs, elfFunc{Name: name, Addr: s.Value, Size: s.Size, Off: off})
		}
	}
	// Sort by name; the first of equal names wins (.symtab before .dynsym).
	slices.SortStableFunc(out.Funcs, func(a, b elfFunc) int { return strings.Compare(a.Name, b.Name) })
	out.Funcs = slices.CompactFunc(out.Funcs, func(a, b elfFunc) bool { return a.Name == b.Name })
	out.USDT, err = readUSDT(f, out)
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

// demangledNames returns the demangled name of each of Funcs ("" for a
// name that is not C++), computed on first use: only C++ lookups pay.
func (f *elfFile) demangledNames() []string {
	f.dmOnce.Do(func() {
		f.dm = make([]string, len(f.Funcs))
		for i, e := range f.Funcs {
			f.dm[i] = demangled(e.Name)
		}
	})
	return f.dm
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

// funcNames returns the function names, sorted.
func (f *elfFile) funcNames() []string {
	out := make([]string, len(f.Funcs))
	for i, e := range f.Funcs {
		out[i] = e.Name
	}
	return out
}

func isELF(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	_, err = io.ReadFull(f, magic[:])
	return err == nil && string(magic[:]) == elf.ELFMAG
}

// debugDir is where distributions install separate debug files.
const debugDir = "/usr/lib/debug"

// OpenDebugFile finds the separate debug file of a stripped binary:
// /usr/lib/debug/.build-id/ab/cdef....debug from its GNU build-id note,
// else the file named by .gnu_debuglink next to it, in a .debug directory
// or under /usr/lib/debug. nil when there is none.
func OpenDebugFile(f *elf.File, path string) *elf.File {
	var cands []string
	if sec := f.Section(".note.gnu.build-id"); sec != nil {
		if data, err := sec.Data(); err == nil && len(data) > 16 {
			namesz := int(f.ByteOrder.Uint32(data))
			descsz := int(f.ByteOrder.Uint32(data[4:]))
			start := 12 + align4(namesz)
			if start+descsz <= len(data) && descsz > 1 {
				id := hex.EncodeToString(data[start : start+descsz])
				cands = append(cands, filepath.Join(debugDir, ".build-id", id[:2], id[2:]+".debug"))
			}
		}
	}
	if sec := f.Section(".gnu_debuglink"); sec != nil {
		if data, err := sec.Data(); err == nil {
			if i := bytes.IndexByte(data, 0); i > 0 {
				name := string(data[:i])
				dir := filepath.Dir(path)
				cands = append(cands, filepath.Join(dir, name), filepath.Join(dir, ".debug", name), filepath.Join(debugDir, dir, name))
			}
		}
	}
	for _, c := range cands {
		if c == path {
			continue
		}
		if df, err := elf.Open(c); err == nil {
			if df.Section(".symtab") != nil {
				return df
			}
			df.Close()
		}
	}
	return nil
}

// UserSymbol returns the address and size of any symbol (a function or a
// variable) of the binary at path, for uaddr("name"): the ELF's own
// address, which is the run-time address only in a non-PIE executable
// (ET_EXEC; pie reports the other case, where the load base must be
// added).
func UserSymbol(path, name string) (addr, size uint64, pie bool, err error) {
	if err := checkBinary(path); err != nil {
		return 0, 0, false, err
	}
	if !isELF(path) {
		return 0, 0, false, fmt.Errorf("%s is not an ELF file", path)
	}
	f, err := elf.Open(path)
	if err != nil {
		return 0, 0, false, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	reads, closeDebug := SymbolReads(f, path)
	defer closeDebug()
	for _, read := range reads {
		syms, err := read()
		if err != nil {
			continue
		}
		for _, s := range syms {
			if s.Section == elf.SHN_UNDEF || s.Value == 0 {
				continue
			}
			if n, _, _ := strings.Cut(s.Name, "@"); n == name {
				return s.Value, s.Size, f.Type == elf.ET_DYN, nil
			}
		}
	}
	return 0, 0, false, fmt.Errorf("symbol %s not found in %s", name, path)
}
