package symbols

import (
	"debug/elf"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// The build ids read agree with what file(1)'s reader, readelf -n, says.
func TestBuildID(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("readelf", "-n", exe).Output()
	if err != nil {
		t.Skipf("readelf: %v", err)
	}
	m := regexp.MustCompile(`Build ID: ([0-9a-f]+)`).FindSubmatch(out)
	if m == nil {
		t.Skip("test binary has no GNU build id")
	}
	f, err := elf.Open(exe)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := BuildID(f); got != string(m[1]) {
		t.Errorf("BuildID = %q, readelf says %q", got, m[1])
	}
}

func TestKernelBuildID(t *testing.T) {
	if _, err := os.Stat("/sys/kernel/notes"); err != nil {
		t.Skip("no /sys/kernel/notes")
	}
	id := KernelBuildID()
	if !regexp.MustCompile(`^[0-9a-f]{16,}$`).MatchString(id) {
		t.Errorf("kernel build id %q", id)
	}
	if strings.Trim(id, "0") == "" {
		t.Errorf("kernel build id is zero")
	}
}
