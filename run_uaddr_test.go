package gtrace

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/probes"
)

// TestUaddr: uaddr("sym") is the symbol's ELF address in the probed binary.
func TestUaddr(t *testing.T) {
	bin := buildUprobeTarget(t)
	addr, _, _, err := probes.NewKernel().UserSymbol(bin, "greet")
	if err != nil {
		t.Fatal(err)
	}
	src := strings.ReplaceAll(`uprobe:BIN:work { @a = (uint64)uaddr("greet"); }`, "BIN", bin)
	got := runUser(t, src, probes.NewKernel(), RunOptions{Command: []string{bin, "1"}}, true)
	if want := fmt.Sprintf("@a: %d\n", addr); !strings.Contains(got, want) {
		t.Errorf("got:\n%s\nwant %q", got, want)
	}
}
