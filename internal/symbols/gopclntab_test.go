package symbols

import (
	"debug/elf"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// buildGo builds testdata/gospin with extra go build flags, skipping
// without the go tool; cgo only for external linking.
func buildGo(t *testing.T, name string, flags ...string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not in $PATH")
	}
	bin := filepath.Join(t.TempDir(), name)
	args := append(append([]string{"build", "-o", bin}, flags...), "../../testdata/gospin/main.go")
	cmd := exec.Command(goTool, args...)
	cgo := "CGO_ENABLED=0"
	if strings.Contains(strings.Join(flags, " "), "-linkmode=external") {
		cgo = "CGO_ENABLED=1"
	}
	cmd.Env = append(cmd.Environ(), cgo)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", flags, err, out)
	}
	return bin
}

// A Go binary stripped of .symtab and DWARF (-ldflags='-s -w') names its
// functions from .gopclntab: every function of the unstripped build's
// .symtab resolves in the stripped one to the same name (without the
// ".abi0" suffix of assembly functions without wrappers) at the same
// address, PIE or not, linked by Go's linker or by gcc (cgo: .text then
// starts with C code, and the table's addresses count from
// runtime.text, found in the runtime's moduledata).
func TestGoPclntab(t *testing.T) {
	for _, mode := range []string{"exe", "pie", "external", "external-pie"} {
		t.Run(mode, func(t *testing.T) {
			build, ldflags := "-buildmode="+strings.TrimPrefix(strings.TrimPrefix(mode, "external"), "-"), ""
			if strings.HasPrefix(mode, "external") {
				if _, err := exec.LookPath("gcc"); err != nil {
					t.Skip("gcc is not installed")
				}
				ldflags = " -linkmode=external"
				if build == "-buildmode=" {
					build = "-buildmode=exe"
				}
			}
			plainBin := buildGo(t, "plain", build, "-ldflags="+strings.TrimSpace(ldflags))
			strippedBin := buildGo(t, "stripped", build, "-ldflags=-s -w"+ldflags)
			sf, err := elf.Open(strippedBin)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := goTextStart(sf, sf.Section(".gopclntab").Addr); !ok {
				t.Error("runtime.text not found in the moduledata")
			}
			sf.Close()
			plain, err := Open(plainBin)
			if err != nil {
				t.Fatal(err)
			}
			stripped, err := Open(strippedBin)
			if err != nil {
				t.Fatal(err)
			}
			byName := map[string]Sym{}
			for _, s := range stripped.Syms {
				if s.Source == GoPclntab {
					byName[s.Name] = s
				}
			}
			if len(byName) == 0 {
				t.Fatal("stripped build: no symbol from the Go runtime's table")
			}
			checked := 0
			for _, s := range plain.Syms {
				if s.Source != SymTab || s.Type != elf.STT_FUNC || s.Size == 0 || !strings.HasPrefix(s.Name, "main.") && !strings.HasPrefix(s.Name, "runtime.") {
					continue
				}
				// An assembly function without an ABI wrapper is
				// NAME.abi0 in .symtab (runtime.goexit.abi0) but NAME in
				// the runtime's table; where the table has both, the
				// names agree.
				name := s.Name
				g, ok := byName[name]
				if !ok {
					name = strings.TrimSuffix(name, ".abi0")
					if g, ok = byName[name]; !ok {
						continue // linker-made symbols outside the runtime's table
					}
				}
				checked++
				// The runtime's table ends a function where the next
				// begins: its size takes in the alignment padding.
				if g.Value != s.Value || g.Size < s.Size {
					t.Errorf("%s: stripped %#x+%d, unstripped %#x+%d", name, g.Value, g.Size, s.Value, s.Size)
				}
				off := fileOffset(t, stripped, s.Value)
				if got, o, ok := stripped.FuncAtOffset(off + 1); !ok || got != name || o != 1 {
					t.Errorf("FuncAtOffset(%s+1) = %s+%d, %v", name, got, o, ok)
				}
			}
			for _, want := range []string{"main.hot", "main.tick", "main.main", "runtime.goexit", "runtime.main"} {
				if _, ok := byName[want]; !ok {
					t.Errorf("stripped build lacks %s", want)
				}
			}
			if checked < 1000 {
				t.Errorf("only %d functions compared", checked)
			}
		})
	}
}

func fileOffset(t *testing.T, e *ELF, vaddr uint64) uint64 {
	t.Helper()
	for _, p := range e.Loads {
		if vaddr >= p.Vaddr && vaddr < p.Vaddr+p.Filesz {
			return vaddr - p.Vaddr + p.Off
		}
	}
	t.Fatalf("%#x is in no segment", vaddr)
	return 0
}
