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
// separate debug file (build-id or .gnu_debuglink) or else its
// MiniDebugInfo. The returned closer releases the extra files.
func tables(f *elf.File, path string) (reads []func() ([]elf.Symbol, error), closer func()) {
	reads = []func() ([]elf.Symbol, error){f.Symbols, f.DynamicSymbols}
	closer = func() {}
	if f.Section(".symtab") != nil {
		return reads, closer
	}
	if df := OpenDebugFile(f, path); df != nil {
		return append(reads, df.Symbols), func() { df.Close() }
	}
	if mini := miniDebugInfo(f); mini != nil {
		return append(reads, mini.Symbols), closer
	}
	return reads, closer
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
