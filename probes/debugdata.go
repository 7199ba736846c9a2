package probes

import (
	"bytes"
	"debug/elf"
	"io"

	"github.com/ulikunitz/xz"
)

// maxMiniDebugInfo bounds the decompressed .gnu_debugdata: a symbol table
// of a large library is a few megabytes; a corrupt stream must not eat
// memory.
const maxMiniDebugInfo = 64 << 20

// MiniDebugInfo opens the ELF file compressed in f's .gnu_debugdata
// section (Fedora's "MiniDebugInfo": stripped binaries keep an xz
// compressed .symtab of the functions .dynsym lacks, for stack traces).
// nil when there is none or it cannot be read.
func MiniDebugInfo(f *elf.File) *elf.File {
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

// SymbolReads lists where a binary's symbols are read from, best first:
// its own .symtab and .dynsym and, when it is stripped of .symtab, the
// separate debug file (build-id or .gnu_debuglink) or else its
// MiniDebugInfo. The returned closer releases the extra files.
func SymbolReads(f *elf.File, path string) (reads []func() ([]elf.Symbol, error), closer func()) {
	reads = []func() ([]elf.Symbol, error){f.Symbols, f.DynamicSymbols}
	closer = func() {}
	if f.Section(".symtab") != nil {
		return reads, closer
	}
	if df := OpenDebugFile(f, path); df != nil {
		return append(reads, df.Symbols), func() { df.Close() }
	}
	if mini := MiniDebugInfo(f); mini != nil {
		return append(reads, mini.Symbols), closer
	}
	return reads, closer
}
