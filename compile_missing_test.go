package gtrace

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/probes"
)

// compileRendered compiles src with a kernel and returns the script (nil
// on error) and its diagnostics as the command prints them.
func compileRendered(t *testing.T, src string, opts Options) (*Script, string) {
	t.Helper()
	opts.Kernel = probes.NewKernel()
	source := lang.Source{Name: "stdin", Text: src}
	s, err := Compile(source, opts)
	var buf bytes.Buffer
	switch {
	case err == nil:
		source.RenderAll(&buf, s.Warnings)
	default:
		var l lang.ErrorList
		if !errors.As(err, &l) {
			t.Fatalf("not a script error: %v", err)
		}
		source.RenderAll(&buf, l)
	}
	return s, buf.String()
}

// targetNames lists the targets of every clause, by name.
func targetNames(s *Script) [][]string {
	var out [][]string
	for _, ts := range s.targets {
		var names []string
		for _, t := range ts {
			names = append(names, t.Name)
		}
		out = append(out, names)
	}
	return out
}

func needLibc(t *testing.T) {
	t.Helper()
	if _, err := probes.NewKernel().Expand(&lang.AttachPoint{Provider: lang.Uprobe, Args: []string{"libc", "getpid"}}); err != nil {
		t.Skipf("no libc with getpid here: %v", err)
	}
}

// A function this libc lacks among others is skipped with a warning; the
// script runs with the others.
func TestMissingUprobeSkipped(t *testing.T) {
	needLibc(t)
	src := "BEGIN { } uprobe:libc:getpid, uprobe:libc:gtrace_no_such_fn { @ = count(); }"
	for _, tc := range []struct {
		mode, want string
	}{
		{"", "WARNING: No matches for uprobe libc:gtrace_no_such_fn (function gtrace_no_such_fn not found in "},
		{"warn", "WARNING: No matches for uprobe libc:gtrace_no_such_fn ("},
		{"ignore", ""},
	} {
		t.Run("mode "+tc.mode, func(t *testing.T) {
			s, diags := compileRendered(t, src, Options{MissingProbes: tc.mode})
			if s == nil {
				t.Fatalf("script error:\n%s", diags)
			}
			got := targetNames(s)
			if len(got) != 2 || len(got[1]) != 1 || !strings.HasSuffix(got[1][0], ":getpid") {
				t.Errorf("targets %q, want BEGIN and the getpid uprobe", got)
			}
			if tc.want == "" && diags != "" || !strings.Contains(diags, tc.want) {
				t.Errorf("diagnostics:\n%s\nwant %q", diags, tc.want)
			}
			if tc.want != "" && strings.Count(diags, "WARNING") != 1 {
				t.Errorf("want one warning:\n%s", diags)
			}
		})
	}
}

// missing_probes = "error" (bpftrace 0.2x's default) refuses any missing
// attach point.
func TestMissingUprobeErrorMode(t *testing.T) {
	needLibc(t)
	for _, src := range []string{
		`config = { missing_probes = "error" } uprobe:libc:getpid, uprobe:libc:gtrace_no_such_fn { @ = count(); }`,
		`config = { missing_probes = error; } uprobe:libc:getpid, uprobe:libc:gtrace_no_such_fn { @ = count(); }`,
	} {
		s, diags := compileRendered(t, src, Options{})
		if s != nil || !strings.Contains(diags, "ERROR: uprobe:libc:gtrace_no_such_fn: function gtrace_no_such_fn not found in ") {
			t.Errorf("%s\ndiagnostics:\n%s", src, diags)
		}
	}
}

// A clause none of whose attach points exists is an error by default,
// removed (with a warning) under missing_probes = "warn", silently under
// "ignore".
func TestMissingClause(t *testing.T) {
	needLibc(t)
	src := `BEGIN { printf("hi\n"); } uprobe:libc:gtrace_no_such_fn, uprobe:libc:gtrace_no_such_fn2 { @ = count(); }`
	s, diags := compileRendered(t, src, Options{})
	want := "stdin:1:27-56: ERROR: uprobe:libc:gtrace_no_such_fn: function gtrace_no_such_fn not found in "
	if s != nil || !strings.HasPrefix(diags, want) || !strings.Contains(diags, "HINT: no attach point of this probe exists here; if this is expected, set the 'missing_probes' config variable to 'warn'\n") {
		t.Errorf("default: diagnostics:\n%s\nwant %q and a hint", diags, want)
	}
	s, diags = compileRendered(t, `config = { missing_probes = "warn" } `+src, Options{})
	if s == nil || len(s.Program.Probes) != 1 || !strings.Contains(diags, "WARNING: Probe has no valid attach points. It is being removed which may cause issues with program behavior.") {
		t.Errorf("warn: diagnostics:\n%s", diags)
	}
	s, diags = compileRendered(t, src, Options{MissingProbes: "ignore"})
	if s == nil || len(s.Program.Probes) != 1 || diags != "" {
		t.Errorf("ignore: diagnostics:\n%s", diags)
	}
}

// On glibc 2.34+ pthread_create is in libc; libpthread.so.0 is an empty
// stub. threadsnoop's probe says so.
func TestMissingPthreadHint(t *testing.T) {
	k := probes.NewKernel()
	if _, err := k.Expand(&lang.AttachPoint{Provider: lang.Uprobe, Args: []string{"libpthread", "pthread_create"}}); err == nil {
		t.Skip("this libpthread has pthread_create (glibc before 2.34)")
	} else if !errors.Is(err, probes.ErrMissing) {
		t.Skipf("no libpthread here: %v", err)
	}
	_, diags := compileRendered(t, `uprobe:libpthread:pthread_create { printf("%d\n", pid); }`, Options{})
	if !strings.Contains(diags, "HINT: since glibc 2.34 pthread_create is in libc (libpthread is an empty stub): use uprobe:libc:pthread_create\n") {
		t.Errorf("diagnostics:\n%s", diags)
	}
}

// A kernel function that is not here (renamed, inlined) is found out
// before loading, from available_filter_functions (kallsyms where that is
// unreadable), so that
// biolatency's `kprobe:blk_account_io_start, kprobe:__blk_account_io_start`
// attaches the one this kernel has. (Attaching is proved where kprobes
// work: scripts/vmtest.)
func TestMissingKprobeResolved(t *testing.T) {
	k := probes.NewKernel()
	funcs, err := k.KernelFuncs()
	if err != nil || len(funcs) == 0 {
		t.Skipf("no kernel function list here: %v", err)
	}
	s, diags := compileRendered(t, `kprobe:vfs_read, kprobe:gtrace_no_such_fn { @ = count(); }`, Options{})
	if s == nil {
		t.Fatalf("script error:\n%s", diags)
	}
	if got := targetNames(s); len(got) != 1 || len(got[0]) != 1 || got[0][0] != "kprobe:vfs_read" {
		t.Errorf("targets %q, want kprobe:vfs_read", got)
	}
	want := "stdin:1:18-42: WARNING: could not attach probe kprobe:gtrace_no_such_fn, skipping.\n"
	if !strings.HasPrefix(diags, want) {
		t.Errorf("diagnostics:\n%s\nwant %q", diags, want)
	}
	// biolatency's pair: whichever this kernel can trace.
	var have []string
	for _, fn := range []string{"blk_account_io_start", "__blk_account_io_start"} {
		if fnIn(funcs, fn) {
			have = append(have, "kprobe:"+fn)
		}
	}
	s, diags = compileRendered(t, `kprobe:blk_account_io_start, kprobe:__blk_account_io_start { @ = count(); }`, Options{})
	switch len(have) {
	case 0:
		if s != nil {
			t.Errorf("neither function exists: want an error, got\n%s", diags)
		}
	default:
		if s == nil {
			t.Fatalf("script error:\n%s", diags)
		}
		if got := targetNames(s); len(got) != 1 || strings.Join(got[0], ",") != strings.Join(have, ",") {
			t.Errorf("targets %q, want %q\n%s", got, have, diags)
		}
	}
}

func fnIn(funcs []string, fn string) bool {
	for _, f := range funcs {
		if f == fn {
			return true
		}
	}
	return false
}

// A missing tracepoint among others: bpftrace 0.17's warning, word for
// word (its stderr for the same script, checked in).
func TestMissingTracepointWarning(t *testing.T) {
	needRoot(t)
	src := "tracepoint:syscalls:sys_enter_nonexist, tracepoint:syscalls:sys_enter_openat { @[probe] = count(); }"
	s, diags := compileRendered(t, src, Options{})
	if s == nil {
		t.Fatalf("script error:\n%s", diags)
	}
	want, err := os.ReadFile("testdata/run/missing_tracepoint.err")
	if err != nil {
		t.Fatal(err)
	}
	if diags != string(want) {
		t.Errorf("got\n%s\nwant (bpftrace 0.17)\n%s", diags, want)
	}
}
