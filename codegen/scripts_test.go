package codegen

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/probes"
)

// TestScriptsLoad compiles every script of testdata/scripts against this
// kernel and loads the programs into the verifier. Scripts the front end
// or the kernel rejects are skipped (their tests live elsewhere); a
// codegen error or a verifier rejection is a failure.
func TestScriptsLoad(t *testing.T) {
	needRoot(t)
	files, _ := filepath.Glob("../testdata/scripts/*.bt")
	k := probes.NewKernel()
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			if reason, ok := knownRejected[filepath.Base(f)]; ok {
				t.Skip(reason)
			}
			text, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			src := lang.Source{Name: f, Text: string(text)}
			prog, diags := parse.Parse(src, parse.Options{})
			if diags.HasErrors() {
				t.Skipf("parse: %v", diags)
			}
			info, diags := sema.Check(prog, sema.Options{Env: k, Unsafe: true})
			if diags.HasErrors() {
				t.Skipf("check: %v", diags)
			}
			targets := make([][]probes.Target, len(prog.Probes))
			for i, p := range prog.Probes {
				for _, ap := range p.Attach {
					ts, err := k.Expand(ap)
					if err != nil {
						t.Skipf("expand: %v", err)
					}
					targets[i] = append(targets[i], ts...)
				}
			}
			p, err := Compile(prog, info, targets, Options{Source: src, Env: k, NumCPU: 2, Cookies: true,
				Kaddr: func(string) (uint64, bool) { return 0xffffffff81000000, true },
				Uaddr: func(string, string) (uint64, error) { return 0x401000, nil }})
			if err != nil {
				if errors.Is(err, ErrUnsupported) || strings.Contains(err.Error(), "not supported") {
					t.Skipf("unsupported: %v", err)
				}
				t.Fatalf("compile: %v", err)
			}
			coll, err := loadVerified(t, p.Spec)
			if err != nil && strings.Contains(err.Error(), "cannot use helper bpf_d_path") {
				// Verified as a raw tracepoint because this kernel refuses
				// tracing programs: path() exists only in fentry/fexit
				// (cmd/gtrace TestKfuncPath proves it in scripts/vmtest).
				t.Skipf("path() needs a tracing program, which this kernel refuses: %v", err)
			}
			if err != nil {
				var ve *ebpf.VerifierError
				if errors.As(err, &ve) {
					t.Fatalf("load: %v\n%s", err, strings.Join(ve.Log[max(0, len(ve.Log)-12):], "\n"))
				}
				t.Fatalf("load: %v", err)
			}
			coll.Close()
		})
	}
}

// knownRejected lists scripts the verifier rejects today, with the reason.
var knownRejected = map[string]string{
	"loops_v017.bt": "a 64-iteration while loop with three data-dependent branches per iteration exceeds the verifier's 1M-instruction walk (needs bpf_loop or may_goto)",
}
