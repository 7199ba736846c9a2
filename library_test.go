package gtrace

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// processWide are the calls a library must leave to the program that
// embeds it: they change the whole process (signal handling, exit, the
// environment, the working directory).
var processWide = map[string][]string{
	"os/signal": nil, // any use
	"os":        {"Exit", "Setenv", "Unsetenv", "Clearenv", "Chdir"},
}

// TestLibraryHasNoProcessWideEffects keeps the root package (the library)
// from handling signals or exiting: cmd/gtrace does that (issue 16).
func TestLibraryHasNoProcessWideEffects(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		local := map[string]string{} // local name -> import path
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if _, ok := processWide[path]; !ok {
				continue
			}
			if processWide[path] == nil {
				t.Errorf("%s imports %s", fset.Position(imp.Pos()), path)
			}
			id := filepath.Base(path)
			if imp.Name != nil {
				id = imp.Name.Name
			}
			local[id] = path
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			x, ok := sel.X.(*ast.Ident)
			if !ok {
				return true
			}
			for _, fn := range processWide[local[x.Name]] {
				if sel.Sel.Name == fn {
					t.Errorf("%s: %s.%s", fset.Position(sel.Pos()), x.Name, fn)
				}
			}
			return true
		})
	}
}
