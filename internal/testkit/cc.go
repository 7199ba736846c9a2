package testkit

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// BuildC compiles one C or C++ source file (g++ for .cc, gcc otherwise)
// with flags into a new temporary directory and returns the binary. It is
// named after the source without its extension, which is what comm and
// the tests' goldens then show. A machine without the compiler skips the
// test (scripts/setup-test-env installs both).
func BuildC(t testing.TB, src string, flags ...string) string {
	t.Helper()
	cc := "gcc"
	if filepath.Ext(src) == ".cc" {
		cc = "g++"
	}
	if _, err := exec.LookPath(cc); err != nil {
		t.Skip(cc + " is not installed")
	}
	bin := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(src), filepath.Ext(src)))
	args := append(append([]string{}, flags...), "-o", bin, src)
	if out, err := exec.Command(cc, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", cc, strings.Join(args, " "), err, out)
	}
	return bin
}
