package gtrace

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// allowedImports holds the package map of docs/architecture.md: for each
// package of this module, the module packages and third-party import
// prefixes it may import (the standard library is always allowed). Test
// files are exempt.
var allowedImports = map[string][]string{
	"lang":       {},
	"lang/parse": {"lang", "github.com/alecthomas/participle/v2"},
	"lang/sema":  {"lang"},
	// internal/symbols reads the symbol tables: /proc/kallsyms and ELF
	// (with MiniDebugInfo in .gnu_debugdata: xz).
	"internal/symbols": {"internal/safefile", "github.com/ulikunitz/xz"},
	// internal/safefile opens what scripts and traced processes name
	// without ever blocking (no FIFO, no device).
	"internal/safefile": {"golang.org/x/sys"},
	// internal/ringbuf reads the event ring buffer, its data area mapped
	// once (cilium's reader maps it twice: twice the RSS).
	"internal/ringbuf": {"github.com/cilium/ebpf", "golang.org/x/sys"},
	// internal/testkit is the test scaffolding the suites share; only
	// test files import it (TestTestkitOnlyInTests).
	"internal/testkit": {},
	// probes reads binaries: C++ names (demangle) and x86-64 instruction
	// boundaries for uprobe offsets (x86asm); their symbols through
	// internal/symbols.
	"probes": {"lang", "lang/sema", "internal/symbols", "internal/safefile", "internal/ringbuf", "github.com/cilium/ebpf", "golang.org/x/sys",
		"github.com/ianlancetaylor/demangle", "golang.org/x/arch/x86/x86asm"},
	"maps":    {"lang", "output", "github.com/cilium/ebpf"},
	"codegen": {"lang", "lang/sema", "maps", "probes", "github.com/cilium/ebpf"},
	"output":  {"lang", "github.com/olekukonko/tablewriter"},
	// flame folds stacks for flame graphs (-f folded, --flamegraph); pprof
	// writes them as pprof profiles (--pprof).
	"flame": {"lang", "output"},
	"pprof": {"lang", "output", "flame", "internal/safefile", "internal/symbols", "github.com/google/pprof"},
	"merge": {"lang", "output"},
	// metrics serves maps to Prometheus (--metrics).
	"metrics": {"lang", "output", "github.com/prometheus/client_golang"},
	// deploy/kubernetes holds manifests; its tests decode them with
	// k8s.io/api (test files are exempt).
	"deploy/kubernetes": {},
	// bench/handwritten is the hand-written peer of the benchmarks: it
	// shares no code with gtrace, on purpose.
	"bench/handwritten": {"github.com/cilium/ebpf"},
	".":                 {"*"},
	"cmd/gtrace":        {"*"},
}

const module = "github.com/gtrace/gtrace"

// TestPackageMap keeps the dependency rules of docs/architecture.md true: lang never
// imports cilium/ebpf, only lang/parse imports participle, and so on.
func TestPackageMap(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "." || d.Name() == "testdata") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		pkg := filepath.ToSlash(filepath.Dir(path))
		allowed, known := allowedImports[pkg]
		if !known {
			// A new package must be added to the map (and to docs/architecture.md).
			top := strings.SplitN(pkg, "/", 2)[0]
			if top != "tools" && top != "scripts" {
				t.Errorf("%s: package %q is not in the package map of docs/architecture.md", path, pkg)
			}
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			ip, _ := strconv.Unquote(imp.Path.Value)
			if !importAllowed(ip, allowed) {
				t.Errorf("%s: package %s may not import %s (docs/architecture.md package map)", path, pkg, ip)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func importAllowed(ip string, allowed []string) bool {
	if len(allowed) == 1 && allowed[0] == "*" {
		return true
	}
	first := strings.SplitN(ip, "/", 2)[0]
	if !strings.Contains(first, ".") {
		return true // standard library
	}
	for _, a := range allowed {
		if !strings.Contains(strings.SplitN(a, "/", 2)[0], ".") {
			// A package of this module: exactly that package.
			if ip == module+"/"+a {
				return true
			}
			continue
		}
		// A third-party module: any of its packages.
		if ip == a || strings.HasPrefix(ip, a+"/") {
			return true
		}
	}
	return false
}

// TestArchitectureDoc keeps docs/architecture.md's package table in step
// with the package map: every package there has its row.
func TestArchitectureDoc(t *testing.T) {
	doc, err := os.ReadFile("docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	for pkg := range allowedImports {
		row := "| `" + pkg + "` |"
		if pkg == "." {
			row = "| root `gtrace` |"
		}
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/architecture.md has no row %q in its package table", row)
		}
	}
}

// TestTestkitOnlyInTests: internal/testkit skips and builds binaries;
// no package of gtrace itself may depend on it.
func TestTestkitOnlyInTests(t *testing.T) {
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return err
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if ip, _ := strconv.Unquote(imp.Path.Value); ip == module+"/internal/testkit" {
				t.Errorf("%s imports internal/testkit: only test files may", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
