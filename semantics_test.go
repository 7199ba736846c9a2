package gtrace

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// The golden semantics suite (level 3 of the testing pyramid): every
// testdata/semantics/NAME.bt is a deterministic BEGIN/END program whose
// stdout must equal NAME.out byte for byte. The .out files come from the
// reference bpftrace v0.17 (see testdata/semantics/README.md); programs it
// cannot run carry a "// golden: by hand (reason)" line. Programs gtrace does
// not get right yet are listed in known_gaps.txt: they are skipped with the
// reason, and the test fails once one of them passes, so that the list only
// shrinks.

var regenSemantics = flag.Bool("semantics.bpftrace", false,
	"regenerate testdata/semantics/*.out with /usr/bin/bpftrace (except the hand-made goldens)")

const semanticsDir = "testdata/semantics"

// semanticsCase is one program of the suite with its header directives.
type semanticsCase struct {
	name   string
	path   string
	src    string
	args   []string // "// args: a 1"
	exit   int      // "// exit: 3"
	byHand bool     // "// golden: by hand (reason)"
}

func loadSemanticsCases(t *testing.T) []semanticsCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(semanticsDir, "*.bt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Fatalf("no programs in %s", semanticsDir)
	}
	var cases []semanticsCase
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c := semanticsCase{
			name: strings.TrimSuffix(filepath.Base(p), ".bt"),
			path: p,
			src:  string(data),
		}
		for _, line := range strings.Split(c.src, "\n") {
			if !strings.HasPrefix(line, "//") {
				break
			}
			d := strings.TrimSpace(strings.TrimPrefix(line, "//"))
			switch {
			case strings.HasPrefix(d, "args:"):
				c.args = strings.Fields(strings.TrimPrefix(d, "args:"))
			case strings.HasPrefix(d, "exit:"):
				n, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(d, "exit:")))
				if err != nil {
					t.Fatalf("%s: bad exit directive %q", p, line)
				}
				c.exit = n
			case strings.HasPrefix(d, "golden: by hand"):
				c.byHand = true
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// loadGapsFile reads a known_gaps.txt: "NAME: reason" lines, '#' comments.
func loadGapsFile(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gaps := map[string]string{}
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		name, reason, ok := strings.Cut(line, ":")
		name, reason = strings.TrimSpace(name), strings.TrimSpace(reason)
		if !ok || name == "" || reason == "" {
			t.Fatalf("known_gaps.txt:%d: want \"NAME: reason\", got %q", n, line)
		}
		if _, dup := gaps[name]; dup {
			t.Fatalf("known_gaps.txt:%d: %s listed twice", n, name)
		}
		gaps[name] = reason
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return gaps
}

func TestSemantics(t *testing.T) {
	cases := loadSemanticsCases(t)
	gaps := loadGapsFile(t, filepath.Join(semanticsDir, "known_gaps.txt"))
	known := map[string]bool{}
	for _, c := range cases {
		known[c.name] = true
	}
	for name := range gaps {
		if !known[name] {
			t.Errorf("known_gaps.txt lists %s, which has no %s/%s.bt", name, semanticsDir, name)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("needs root to load BPF programs and run BEGIN/END with BPF_PROG_TEST_RUN")
	}
	if *regenSemantics {
		regenerateSemantics(t, cases)
	}
	k := probes.NewKernel()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(c.path, ".bt") + ".out")
			if err != nil {
				t.Fatalf("missing golden: %v", err)
			}
			problem := runSemanticsCase(k, c, string(want))
			reason, gap := gaps[c.name]
			switch {
			case gap && problem == "":
				t.Fatalf("%s now passes: remove it from %s/known_gaps.txt (it said: %s)", c.name, semanticsDir, reason)
			case gap:
				t.Skipf("known gap: %s", reason)
			case problem != "":
				t.Errorf("%s: %s", c.path, problem)
			}
		})
	}
}

// runSemanticsCase compiles and runs one program in-process and returns ""
// when its stdout and exit code are the golden ones, or what differs.
func runSemanticsCase(k *probes.Kernel, c semanticsCase, want string) string {
	s, err := Compile(lang.Source{Name: c.path, Text: c.src}, Options{Params: c.args, Kernel: k})
	if err != nil {
		return fmt.Sprintf("compile: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var stdout, stderr bytes.Buffer
	code, err := s.Run(ctx, RunOptions{Stdout: &stdout, Stderr: &stderr, Kernel: k})
	if err != nil {
		return fmt.Sprintf("run: %v\nstderr:\n%s", err, stderr.String())
	}
	if ctx.Err() != nil {
		return fmt.Sprintf("timed out (no exit()?)\nstdout:\n%s", stdout.String())
	}
	var problems []string
	if got := stdout.String(); got != want {
		problems = append(problems, fmt.Sprintf("stdout differs\n%s", lineDiff(want, got)))
	}
	if code != c.exit {
		problems = append(problems, fmt.Sprintf("exit code %d, want %d", code, c.exit))
	}
	if len(problems) > 0 && stderr.Len() > 0 {
		problems = append(problems, "stderr:\n"+stderr.String())
	}
	return strings.Join(problems, "\n")
}

// lineDiff shows want and got line by line, marking the lines that differ.
func lineDiff(want, got string) string {
	w := strings.SplitAfter(want, "\n")
	g := strings.SplitAfter(got, "\n")
	var b strings.Builder
	for i := 0; i < len(w) || i < len(g); i++ {
		var wl, gl string
		if i < len(w) {
			wl = w[i]
		}
		if i < len(g) {
			gl = g[i]
		}
		if wl == gl {
			fmt.Fprintf(&b, "    %q\n", wl)
			continue
		}
		fmt.Fprintf(&b, "  - %q (bpftrace)\n  + %q (gtrace)\n", wl, gl)
	}
	return b.String()
}

// regenerateSemantics rewrites the .out of every program not made by hand
// with the reference bpftrace (stderr, with its RLIMIT_MEMLOCK note, is
// dropped).
func regenerateSemantics(t *testing.T, cases []semanticsCase) {
	bin, err := exec.LookPath("bpftrace")
	if err != nil {
		t.Fatalf("-semantics.bpftrace: %v", err)
	}
	for _, c := range cases {
		if c.byHand {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		cmd := exec.CommandContext(ctx, bin, append([]string{c.path}, c.args...)...)
		var stdout bytes.Buffer
		cmd.Stdout = &stdout
		err := cmd.Run()
		cancel()
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: bpftrace: %v", c.name, err)
		}
		if code != c.exit {
			t.Fatalf("%s: bpftrace exited %d, want %d", c.name, code, c.exit)
		}
		out := strings.TrimSuffix(c.path, ".bt") + ".out"
		if err := os.WriteFile(out, stdout.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
