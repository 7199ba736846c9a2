package gtrace

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The target-program corpus (testdata/targets, see its README.md): small C
// programs built with gcc into testprogs/ of a temporary directory, and
// scripts (cases/NAME.bt) that trace them with uprobes, usdt probes and
// watchpoints. The gtrace binary runs each script from that directory,
// like bpftrace made cases/NAME.out, and its stdout must be the golden.
// Cases gtrace does not get right yet are listed in cases/known_gaps.txt.

var regenTargets = flag.Bool("targets.bpftrace", false,
	"rewrite testdata/targets/cases/*.out by running /usr/bin/bpftrace on each case")

// targetsBinary runs the corpus with another gtrace binary (an older build,
// to count how many cases it agreed on); the known gaps then do not apply.
var targetsBinary = flag.String("targets.gtrace", "", "run TestTargets with this gtrace binary instead of a fresh build")

const targetsDir = "testdata/targets"

// targetCase is one script of the corpus with its header directives.
type targetCase struct {
	name, path string
	flags      []string // "// flags: -c testprogs/values"
	params     []string // "// params: 2 x"
	background []string // "// background: testprogs/usdt_app loop"; {pid} in flags is its pid
	exit       int      // "// exit: 1"
	needs      string   // "// needs: breakpoints": skipped, with the reason, where they do not fire
}

func loadTargetCases(t *testing.T) []targetCase {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join(targetsDir, "cases", "*.bt"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no cases in %s/cases: %v", targetsDir, err)
	}
	var cases []targetCase
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		c := targetCase{name: strings.TrimSuffix(filepath.Base(p), ".bt"), path: p}
		for _, line := range strings.Split(string(data), "\n") {
			if !strings.HasPrefix(line, "//") {
				break
			}
			key, val, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "//")), ":")
			switch key {
			case "flags":
				c.flags = strings.Fields(val)
			case "params":
				c.params = strings.Fields(val)
			case "needs":
				c.needs = strings.TrimSpace(val)
			case "background":
				c.background = strings.Fields(val)
			case "exit":
				if c.exit, err = strconv.Atoi(strings.TrimSpace(val)); err != nil {
					t.Fatalf("%s: bad exit directive %q", p, line)
				}
			}
		}
		cases = append(cases, c)
	}
	return cases
}

// buildTargets compiles every C program of the corpus into
// ROOT/testprogs of a temporary directory and returns ROOT. Each program is
// built at -O1 with DWARF; usdt_app links usdt_lib.so, found beside it;
// values is not position-independent, so that uaddr() is its address.
func buildTargets(t *testing.T) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	root := t.TempDir()
	os.Chmod(root, 0o755)
	src, _ := filepath.Abs(targetsDir)
	bin := filepath.Join(root, "testprogs")
	os.Mkdir(bin, 0o755)
	gcc := func(args ...string) {
		t.Helper()
		if out, err := exec.Command("gcc", append([]string{"-O1", "-g"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("gcc %v: %v\n%s", args, err, out)
		}
	}
	gcc("-shared", "-fPIC", "-o", filepath.Join(bin, "usdt_lib.so"), filepath.Join(src, "usdt_lib.c"))
	gcc("-o", filepath.Join(bin, "usdt_app"), filepath.Join(src, "usdt_app.c"),
		"-L"+bin, "-l:usdt_lib.so", "-Wl,-rpath,$ORIGIN")
	gcc("-no-pie", "-o", filepath.Join(bin, "values"), filepath.Join(src, "values.c"))
	for _, name := range []string{"usdt_two", "watched"} {
		gcc("-o", filepath.Join(bin, name), filepath.Join(src, name+".c"))
	}
	return root
}

func TestTargets(t *testing.T) {
	cases := loadTargetCases(t)
	gaps := loadGapsFile(t, filepath.Join(targetsDir, "cases", "known_gaps.txt"))
	known := map[string]bool{}
	for _, c := range cases {
		known[c.name] = true
	}
	for name := range gaps {
		if !known[name] {
			t.Errorf("known_gaps.txt lists %s, which has no case", name)
		}
	}
	bin := tracer(t) // needs root; bpftrace with -bpftrace
	switch {
	case *regenTargets:
		bin = "/usr/bin/bpftrace"
	case *targetsBinary != "":
		bin, gaps = *targetsBinary, nil
	}
	root := buildTargets(t)
	agree := 0
	for _, c := range cases {
		if c.needs == "breakpoints" && !*regenTargets {
			if why := breakpointsFire(); why != "" {
				t.Run(c.name, func(t *testing.T) { t.Skip(why) })
				continue
			}
		}
		got, problem := runTargetCase(t, bin, root, c)
		if *regenTargets {
			if problem != "" {
				t.Errorf("%s: bpftrace: %s", c.name, problem)
				continue
			}
			if err := os.WriteFile(strings.TrimSuffix(c.path, ".bt")+".out", []byte(got), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			want, err := os.ReadFile(strings.TrimSuffix(c.path, ".bt") + ".out")
			if err != nil {
				t.Fatalf("missing golden: %v", err)
			}
			if problem == "" && got != string(want) {
				problem = "stdout differs\n" + lineDiff(string(want), got)
			}
			if problem == "" {
				agree++
			}
			reason, gap := gaps[c.name]
			switch {
			case gap && problem == "":
				t.Fatalf("%s now agrees with bpftrace: remove it from known_gaps.txt (it said: %s)", c.name, reason)
			case gap:
				t.Skipf("known gap: %s", reason)
			case problem != "":
				t.Errorf("%s: %s", c.path, problem)
			}
		})
	}
	if !*regenTargets {
		t.Logf("%d of %d cases agree with bpftrace 0.17", agree, len(cases))
	}
}

// runTargetCase runs the tracer on one case from root (so that relative
// target paths resolve) and returns its stdout, or a problem: a wrong exit
// code, a timeout.
func runTargetCase(t *testing.T, bin, root string, c targetCase) (string, string) {
	t.Helper()
	flags := c.flags
	if len(c.background) > 0 {
		bg := exec.Command(c.background[0], c.background[1:]...)
		bg.Dir = root
		if err := bg.Start(); err != nil {
			t.Fatalf("%s: background %v: %v", c.name, c.background, err)
		}
		defer func() { bg.Process.Kill(); bg.Wait() }()
		pid := strconv.Itoa(bg.Process.Pid)
		flags = nil
		for _, f := range c.flags {
			flags = append(flags, strings.ReplaceAll(f, "{pid}", pid))
		}
		time.Sleep(100 * time.Millisecond) // let the dynamic loader map its libraries
	}
	args := append([]string{"-q"}, flags...)
	if !slices.Contains(flags, "-l") { // a listing case's script is only its directives
		script, _ := filepath.Abs(c.path)
		args = append(append(args, script), c.params...)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = root
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		return "", err.Error()
	}
	switch {
	case ctx.Err() != nil:
		return stdout.String(), fmt.Sprintf("timed out\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	case code != c.exit:
		return stdout.String(), fmt.Sprintf("exit code %d, want %d\nstdout:\n%s\nstderr:\n%s", code, c.exit, stdout.String(), stderr.String())
	case c.exit != 0 && !strings.Contains(stderr.String(), "ERROR"):
		return stdout.String(), "no ERROR on stderr:\n" + stderr.String()
	}
	return stdout.String(), ""
}
