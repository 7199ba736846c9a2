package probes

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// declRE is the regular expression splitDecl replaces; the test holds the
// two to the same answers.
var declRE = regexp.MustCompile(`^(.*?)\s*([A-Za-z_][A-Za-z0-9_]*)\s*(\[([^\]]*)\])?$`)

func checkDecl(t *testing.T, decl string) {
	t.Helper()
	ctype, name, arr, isArray, ok := splitDecl(decl)
	m := declRE.FindStringSubmatch(decl)
	want := m != nil && m[1] != ""
	if ok != want {
		t.Errorf("%q: splitDecl ok=%v, the expression %v", decl, ok, want)
		return
	}
	if ok && (ctype != m[1] || name != m[2] || isArray != (m[3] != "") || arr != m[4]) {
		t.Errorf("%q: splitDecl (%q, %q, %q, %v), the expression (%q, %q, %q, %v)", decl, ctype, name, arr, isArray, m[1], m[2], m[4], m[3] != "")
	}
}

// Every field declaration of this kernel's tracepoints, and odd ones.
func TestSplitDecl(t *testing.T) {
	for _, d := range []string{
		"int x", "const char * filename", "u8 saddr[4]", "__data_loc char[] name", "char comm[16]",
		"unsigned long args[6]", "int a [ 3 ]", "x", "", "int", " int x", "int 9abc", "int a[2][3]",
		"int a]", "struct foo * bar", "int x ", "unsigned int\tflags",
	} {
		checkDecl(t, d)
	}
	files, _ := filepath.Glob("/sys/kernel/tracing/events/*/*/format")
	testdata, _ := filepath.Glob("testdata/tracefs/events/*/*/format")
	n := 0
	for _, f := range append(files, testdata...) {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			line := strings.TrimSpace(sc.Text())
			if !strings.HasPrefix(line, "field:") {
				continue
			}
			decl, _, _ := strings.Cut(strings.TrimPrefix(line, "field:"), ";")
			checkDecl(t, decl)
			n++
		}
		fh.Close()
	}
	t.Logf("%d field declarations compared", n)
}
