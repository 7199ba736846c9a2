package sema_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/probes"
)

// TestBpftraceTools parses and checks every tool of the bpftrace tools/
// directories listed in GTRACE_BPFTRACE_TOOLS (colon-separated; e.g.
// /tmp/bt017/tools:/tmp/bt026/tools, extracted from bpftrace's repository
// with git archive; the tools are not part of gtrace). Every tool is
// checked with NoKernel and, as root, with the running kernel as the Env
// (tracepoint formats, BTF structs and enumerators).
//
// A tool that checks without kernel facts but names a struct field the
// running kernel does not have is reported as a kernel mismatch, not a
// failure: bpftrace rejects it on this kernel too (runqlen.bt of v0.17
// reads cfs_rq->nr_running, which Linux 6.14 renamed nr_queued).
func TestBpftraceTools(t *testing.T) {
	dirs := os.Getenv("GTRACE_BPFTRACE_TOOLS")
	if dirs == "" {
		t.Skip("GTRACE_BPFTRACE_TOOLS is not set")
	}
	envs := []struct {
		name string
		env  sema.Env
	}{{"nokernel", sema.NoKernel}}
	if os.Geteuid() == 0 {
		envs = append(envs, struct {
			name string
			env  sema.Env
		}{"kernel", probes.NewKernel()})
	}
	for _, e := range envs {
		t.Run(e.name, func(t *testing.T) {
			for _, dir := range filepath.SplitList(dirs) {
				files, _ := filepath.Glob(filepath.Join(dir, "*.bt"))
				if len(files) == 0 {
					t.Errorf("%s: no tools", dir)
					continue
				}
				failed, mismatched := 0, 0
				for _, f := range files {
					msg, errs := checkTool(t, f, e.env)
					switch {
					case msg == "":
					case e.env != sema.NoKernel && missingField(errs) && passes(t, f):
						mismatched++
						t.Logf("%s: does not match this kernel's types:\n%s", f, msg)
					default:
						failed++
						t.Errorf("%s:\n%s", f, msg)
					}
				}
				t.Logf("%s (%s): %d/%d tools check, %d fail, %d do not match this kernel's types",
					dir, e.name, len(files)-failed-mismatched, len(files), failed, mismatched)
			}
		})
	}
}

func passes(t *testing.T, file string) bool {
	msg, _ := checkTool(t, file, sema.NoKernel)
	return msg == ""
}

// missingField reports whether the first error is a struct member the
// kernel's BTF lacks (later ones may be its consequences).
func missingField(errs lang.ErrorList) bool {
	return len(errs) > 0 && strings.Contains(errs[0].Msg, "does not contain a field named")
}

func checkTool(t *testing.T, file string, env sema.Env) (string, lang.ErrorList) {
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	src := lang.Source{Name: filepath.Base(file), Text: string(data)}
	var b strings.Builder
	p, errs := parse.Parse(src, parse.Options{})
	if errs.HasErrors() {
		src.RenderAll(&b, errs)
		return b.String(), errs
	}
	_, errs = sema.Check(p, sema.Options{Env: env, Unsafe: true})
	if errs.HasErrors() {
		src.RenderAll(&b, errs)
	}
	return b.String(), errs
}
