package testkit

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// buildDir holds the binary Gtrace built; Main removes it.
var buildDir string

// build builds ./cmd/gtrace once per test binary, as the Dockerfile and
// `make build` do (CGO_ENABLED=0, -trimpath): a static binary that also
// runs in an empty root (deploy/kubernetes) and whose address space is
// the one README.md documents (ulimit -v).
var build = sync.OnceValues(func() (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "gtrace-test")
	if err != nil {
		return "", err
	}
	buildDir = dir
	// Tests that run gtrace as nobody need to reach it.
	if err := os.Chmod(dir, 0o755); err != nil {
		return "", err
	}
	bin := filepath.Join(dir, "gtrace")
	cmd := exec.Command("go", "build", "-trimpath", "-o", bin, "./cmd/gtrace")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/gtrace: %v\n%s", err, out)
	}
	return bin, nil
})

// Gtrace returns the path of the gtrace binary built from this checkout,
// building it on first use; a build failure fails the test.
func Gtrace(t testing.TB) string {
	t.Helper()
	bin, err := build()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// Main runs the tests and removes what Gtrace built; a package's
// TestMain calls it as os.Exit(testkit.Main(m)).
func Main(m *testing.M) int {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	return code
}

// moduleRoot is the directory of go.mod above the test's working
// directory (go test runs each package's tests in its own directory).
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("no go.mod above the test's directory")
		}
		dir = parent
	}
}
