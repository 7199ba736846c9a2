package gtrace

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// buildGospin builds testdata/gospin (static: CGO_ENABLED=0) in a build
// mode, with extra go build flags.
func buildGospin(t *testing.T, name, mode string, flags ...string) string {
	t.Helper()
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("the go tool is not in $PATH")
	}
	bin := filepath.Join(t.TempDir(), name)
	args := append([]string{"build", "-buildmode=" + mode, "-o", bin}, flags...)
	cmd := exec.Command(goTool, append(args, "testdata/gospin/main.go")...)
	cmd.Env = append(cmd.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build %v: %v\n%s", args, err, out)
	}
	return bin
}

// A Go program built with -ldflags='-s -w' has no .symtab and no DWARF;
// gtrace names its functions from the Go runtime's table (.gopclntab),
// so uprobes on main.tick and main.* count exactly what they count on
// the unstripped build, at the same file offsets, its stacks print the
// same frames, and a CPU profile finds main.hot. PIE and not.
// (bpftrace 0.17 finds no probe in the stripped builds: "No probes to
// attach".)
func TestGoStripped(t *testing.T) {
	needRoot(t)
	for _, mode := range []string{"exe", "pie"} {
		t.Run(mode, func(t *testing.T) {
			plain := buildGospin(t, "gospin", mode)
			stripped := buildGospin(t, "gospin-stripped", mode, "-ldflags=-s -w")
			var results [2]string
			for i, bin := range []string{plain, stripped} {
				k := probes.NewKernel()
				var list bytes.Buffer
				if err := k.List("uprobe:"+bin+":main.*", &list, false); err != nil {
					t.Fatal(err)
				}
				for _, fn := range []string{"main.hot", "main.main", "main.tick"} {
					if !strings.Contains(list.String(), "uprobe:"+bin+":"+fn+"\n") {
						t.Errorf("-l uprobe:%s:main.* lacks %s:\n%s", bin, fn, list.String())
					}
				}
				src := strings.ReplaceAll(`
uprobe:BIN:main.tick { @calls = count(); @tick[ustack] = count(); }
uprobe:BIN:main.* { @fn[func] = count(); }
`, "BIN", bin)
				got := runUser(t, src, k, RunOptions{Command: []string{bin, "1000", "0s"}}, true)
				for _, want := range []string{"@calls: 1000\n", "@fn[main.main]: 1\n", "@fn[main.tick]: 1000\n", "    main.tick+0\n", "    runtime.main+"} {
					if !strings.Contains(got, want) {
						t.Errorf("%s: output lacks %q:\n%s", filepath.Base(bin), want, got)
					}
				}
				results[i] = got
			}
			// The same code at the same place: the same frames. Only an
			// assembly function without an ABI wrapper differs: .symtab
			// calls it runtime.goexit.abi0, the runtime's table
			// runtime.goexit.
			if a, b := strings.ReplaceAll(results[0], ".abi0+", "+"), results[1]; a != b {
				t.Errorf("unstripped and stripped builds differ:\n%s\n---\n%s", a, b)
			}
			offsets := [2]uint64{}
			for i, bin := range []string{plain, stripped} {
				ts, err := probes.NewKernel().Expand(&lang.AttachPoint{Provider: lang.Uprobe, Args: []string{bin, "main.tick"}})
				if err != nil || len(ts) != 1 {
					t.Fatalf("uprobe:%s:main.tick = %v, %v", bin, ts, err)
				}
				offsets[i] = ts[0].FileOffset
			}
			if offsets[0] != offsets[1] || offsets[0] == 0 {
				t.Errorf("main.tick at file offset %#x unstripped, %#x stripped", offsets[0], offsets[1])
			}

			// A profile of the stripped build names the function that
			// spins, with the callers the unstripped build's profile
			// gives its most frequent stack.
			var heaviest [2]string
			for i, bin := range []string{plain, stripped} {
				got := runUser(t, "profile:hz:99 /pid == cpid/ { @[ustack] = count(); }", probes.NewKernel(),
					RunOptions{Command: []string{bin, "0", "1500ms"}}, true)
				if heaviest[i] = heaviestHotStack(got); heaviest[i] == "" {
					t.Errorf("%s: no stack with main.hot:\n%s", filepath.Base(bin), got)
				}
			}
			if heaviest[0] != heaviest[1] {
				t.Errorf("most frequent stack of main.hot: unstripped %q, stripped %q", heaviest[0], heaviest[1])
			}
		})
	}
}

// heaviestHotStack returns the function chain (no offsets, .abi0
// dropped) of main.hot's stacks with the most samples, "" when none.
func heaviestHotStack(out string) string {
	counts := map[string]int{}
	best := ""
	for _, st := range regexp.MustCompile(`(?s)@\[\n(.*?)\]: (\d+)`).FindAllStringSubmatch(out, -1) {
		var fns []string
		for _, l := range strings.Split(strings.TrimSpace(st[1]), "\n") {
			fn, _, _ := strings.Cut(strings.TrimSpace(l), "+")
			fns = append(fns, strings.TrimSuffix(fn, ".abi0"))
		}
		if len(fns) == 0 || fns[0] != "main.hot" {
			continue
		}
		chain := strings.Join(fns, ";")
		n, _ := strconv.Atoi(st[2])
		counts[chain] += n
		if best == "" || counts[chain] > counts[best] {
			best = chain
		}
	}
	return best
}
