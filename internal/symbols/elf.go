package symbols

import (
	"debug/elf"
	"errors"
	"fmt"
	"github.com/gtrace/gtrace/internal/safefile"
	"io"
	"io/fs"
	"os"
	"strings"
	"sync"
)

// Source says which table a symbol came from; it orders them: a binary's
// own tables before its debug file's.
type Source uint8

const (
	SymTab    Source = iota // the file's .symtab
	DynSym                  // the file's .dynsym
	DebugFile               // a separate debug file's or the MiniDebugInfo's .symtab
	GoPclntab               // a Go binary's runtime function table (gopclntab.go)
)

// Own reports whether the symbol is in the binary's own ELF tables
// (.symtab, .dynsym), which name variables too.
func (s Source) Own() bool { return s == SymTab || s == DynSym }

// Sym is one ELF symbol.
type Sym struct {
	// Name is as the table has it; .symtab may carry a version
	// ("memcpy@@GLIBC_2.14"): see BaseName.
	Name        string
	Value, Size uint64
	Type        elf.SymType
	Bind        elf.SymBind
	Defined     bool // not SHN_UNDEF
	Source      Source
}

// BaseName is the name without a symbol version: what uprobes and
// uaddr() name it by.
func (s Sym) BaseName() string {
	name, _, _ := strings.Cut(s.Name, "@")
	return name
}

// ELF is what a binary's symbols are resolved with: every symbol of its
// tables, and its loadable segments to turn addresses into file offsets.
type ELF struct {
	Path    string
	Type    elf.Type
	Machine elf.Machine
	Loads   []elf.ProgHeader
	// BuildID is the file's GNU build id in hex, "" without one.
	BuildID string
	// Syms are .symtab's, then .dynsym's, then (when the file has no
	// .symtab) its debug file's or MiniDebugInfo's or, for a Go binary
	// without any, its runtime function table's, each in table order.
	Syms []Sym

	funcs func() funcIndex // by address, built on first FuncAtOffset
}

// Open reads the symbol tables of the binary at path. Its errors say in
// one line why the file cannot serve (missing, not ELF, corrupt).
func Open(path string) (*ELF, error) {
	if err := CheckBinary(path); err != nil {
		return nil, err
	}
	if !isELF(path) {
		return nil, fmt.Errorf("%s is not an ELF file", path)
	}
	sf, err := safefile.OpenELF(path)
	if err != nil {
		return nil, fmt.Errorf("%s is a truncated or corrupt ELF file (%w)", path, err)
	}
	defer sf.Close()
	f := sf.File
	e := &ELF{Path: path, Type: f.Type, Machine: f.Machine, BuildID: BuildID(f)}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			e.Loads = append(e.Loads, p.ProgHeader)
		}
	}
	tables, closeDebug := tables(f, path)
	defer closeDebug()
	for _, read := range tables {
		syms, err := read()
		if err != nil {
			continue // elf.ErrNoSymbols: stripped, or no dynamic table
		}
		e.Syms = append(e.Syms, syms...)
	}
	e.funcs = sync.OnceValue(e.funcIndex)
	return e, nil
}

// Symbol returns the first defined symbol (function or variable) with an
// address whose name without version is name.
func (e *ELF) Symbol(name string) (Sym, bool) {
	for _, s := range e.Syms {
		if s.Defined && s.Value != 0 && s.BaseName() == name {
			return s, true
		}
	}
	return Sym{}, false
}

// CheckBinary says in one line why path cannot be read as a binary, or nil.
func CheckBinary(path string) error {
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

func isELF(path string) bool {
	f, err := safefile.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var magic [4]byte
	_, err = io.ReadFull(f, magic[:])
	return err == nil && string(magic[:]) == elf.ELFMAG
}

// Files caches binaries' symbol tables by path: each is read once, on
// first use. The zero value is ready; safe for concurrent use.
type Files struct {
	mu    sync.Mutex
	files map[string]func() (*ELF, error)
}

// Open returns the symbols of the binary at path (see Open).
func (c *Files) Open(path string) (*ELF, error) {
	c.mu.Lock()
	if c.files == nil {
		c.files = map[string]func() (*ELF, error){}
	}
	read, ok := c.files[path]
	if !ok {
		read = sync.OnceValues(func() (*ELF, error) { return Open(path) })
		c.files[path] = read
	}
	c.mu.Unlock()
	return read()
}
