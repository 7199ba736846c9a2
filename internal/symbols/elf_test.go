package symbols

import (
	"debug/elf"
	"os"
	"slices"
	"strings"
	"testing"
)

// A libc function's address resolves back to its name through the file
// offset, as a frame in a shared library does.
func TestFuncAtOffset(t *testing.T) {
	libc := "/usr/lib/x86_64-linux-gnu/libc.so.6"
	es, err := Open(libc)
	if err != nil {
		t.Skip(err)
	}
	fn, ok := es.Symbol("getppid")
	if !ok {
		t.Skip("no getppid in libc")
	}
	var fileOff uint64
	for _, p := range es.Loads {
		if fn.Value >= p.Vaddr && fn.Value < p.Vaddr+p.Filesz {
			fileOff = fn.Value - p.Vaddr + p.Off
		}
	}
	name, off, ok := es.FuncAtOffset(fileOff + 2)
	if !ok || off != 2 || (name != "getppid" && name != "__getppid") {
		t.Errorf("FuncAtOffset = %s+%d, %v; want getppid+2", name, off, ok)
	}
}

// This test binary's own tables: its functions, a variable, the order of
// the sources, and the one-line errors for files that are no binary.
func TestOpen(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	es, err := Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	if es.Type != elf.ET_EXEC && es.Type != elf.ET_DYN {
		t.Errorf("type %v", es.Type)
	}
	// go test may link the binary without .symtab (-race builds keep only
	// .dynsym): then there is no Go function to look up.
	if slices.ContainsFunc(es.Syms, func(s Sym) bool { return s.Source == SymTab }) {
		s, ok := es.Symbol("github.com/gtrace/gtrace/internal/symbols.Open")
		if !ok || s.Type != elf.STT_FUNC || !s.Defined {
			t.Errorf("Symbol(Open) = %+v, %v", s, ok)
		}
		for i := 1; i < len(es.Syms); i++ {
			if es.Syms[i].Source < es.Syms[i-1].Source {
				t.Fatalf("symbol %d from %v after %v", i, es.Syms[i].Source, es.Syms[i-1].Source)
			}
		}
	}
	dir := t.TempDir()
	notELF := dir + "/text"
	if err := os.WriteFile(notELF, []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	truncated := dir + "/truncated"
	if err := os.WriteFile(truncated, []byte(elf.ELFMAG+"\x02\x01"), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		dir + "/none": "does not exist",
		dir:           "is a directory",
		notELF:        "is not an ELF file",
		truncated:     "truncated or corrupt ELF file",
	} {
		if _, err := Open(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Open(%s) = %v, want %q", path, err, want)
		}
	}
}

// Files reads a path once and hands out the same table.
func TestFilesCache(t *testing.T) {
	exe, _ := os.Executable()
	var c Files
	a, err1 := c.Open(exe)
	b, err2 := c.Open(exe)
	if err1 != nil || err2 != nil || a != b {
		t.Errorf("Open twice = %p, %v; %p, %v", a, err1, b, err2)
	}
}

func TestBaseName(t *testing.T) {
	if got := (Sym{Name: "memcpy@@GLIBC_2.14"}).BaseName(); got != "memcpy" {
		t.Errorf("BaseName = %s", got)
	}
}
