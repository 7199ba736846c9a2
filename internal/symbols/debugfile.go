package symbols

import (
	"bytes"
	"debug/elf"
	"io"
	"path/filepath"

	"github.com/gtrace/gtrace/internal/safefile"
	"github.com/ulikunitz/xz"
)

// tables lists where a binary's symbols are read from, in Source order:
// its own .symtab and .dynsym and, when it is stripped of .symtab, the
// separate debug file (build-id or .gnu_debuglink), else its
// MiniDebugInfo, else (a Go binary) its runtime function table. The
// returned closer releases the extra files.
func tables(f *elf.File, path string) (reads []func() ([]Sym, error), closer func()) {
	reads = []func() ([]Sym, error){elfTable(f.Symbols, SymTab), elfTable(f.DynamicSymbols, DynSym)}
	closer = func() {}
	if f.Section(".symtab") != nil {
		return reads, closer
	}
	if df := OpenDebugFile(f, path); df != nil {
		return append(reads, elfTable(df.Symbols, DebugFile)), func() { df.Close() }
	}
	if mini := miniDebugInfo(f); mini != nil {
		return append(reads, elfTable(mini.Symbols, DebugFile)), closer
	}
	return append(reads, func() ([]Sym, error) { return goSymbols(f) }), closer
}

// elfTable reads an ELF symbol table as Syms from src.
func elfTable(read func() ([]elf.Symbol, error), src Source) func() ([]Sym, error) {
	return func() ([]Sym, error) {
		syms, err := read()
		if err != nil {
			return nil, err
		}
		out := make([]Sym, len(syms))
		for i, s := range syms {
			out[i] = Sym{
				Name: s.Name, Value: s.Value, Size: s.Size,
				Type: elf.ST_TYPE(s.Info), Bind: elf.ST_BIND(s.Info),
				Defined: s.Section != elf.SHN_UNDEF, Source: src,
			}
		}
		return out, nil
	}
}

// debugDir is where distributions install separate debug files.
const debugDir = "/usr/lib/debug"

// OpenDebugFile finds the separate debug file of a stripped binary:
// /usr/lib/debug/.build-id/ab/cdef....debug from its GNU build-id note,
// else the file named by .gnu_debuglink next to it, in a .debug directory
// or under /usr/lib/debug. nil when there is none. Only a regular file is
// opened (safefile): a debug link naming a FIFO must not hang gtrace.
func OpenDebugFile(f *elf.File, path string) *safefile.ELF {
	var cands []string
	if id := BuildID(f); id != "" {
		cands = append(cands, filepath.Join(debugDir, ".build-id", id[:2], id[2:]+".debug"))
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
		if df, err := safefile.OpenELF(c); err == nil {
			if df.Section(".symtab") != nil {
				return df
			}
			df.Close()
		}
	}
	return nil
}

// maxMiniDebugInfo bounds the decompressed .gnu_debugdata: a symbol table
// of a large library is a few megabytes; a corrupt stream must not eat
// memory.
const maxMiniDebugInfo = 64 << 20

// miniDebugInfo opens the ELF file compressed in f's .gnu_debugdata
// section (Fedora's "MiniDebugInfo": stripped binaries keep an xz
// compressed .symtab of the functions .dynsym lacks, for stack traces).
// nil when there is none or it cannot be read.
func miniDebugInfo(f *elf.File) *elf.File {
	sec := f.Section(".gnu_debugdata")
	if sec == nil || sec.Type == elf.SHT_NOBITS {
		return nil
	}
	r, err := xz.NewReader(sec.Open())
	if err != nil {
		return nil
	}
	data, err := io.ReadAll(io.LimitReader(r, maxMiniDebugInfo+1))
	if err != nil || len(data) > maxMiniDebugInfo {
		return nil
	}
	mini, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil
	}
	return mini
}
