package codegen

import (
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/asm"
	"golang.org/x/sys/unix"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/probes"
)

// loadVerified loads a collection into the kernel. When the kernel
// refuses fentry/fexit programs outright (EPERM, ENOTSUPP: no verifier
// log), their code is verified as raw tracepoint programs instead, as
// gtrace --dry-run does; the test log says which.
func loadVerified(t testing.TB, spec *ebpf.CollectionSpec) (*ebpf.Collection, error) {
	t.Helper()
	coll, err := ebpf.NewCollection(spec)
	var ve *ebpf.VerifierError
	if err == nil || errors.As(err, &ve) && len(ve.Log) > 0 ||
		!(errors.Is(err, unix.EPERM) || errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.Errno(524))) {
		return coll, err
	}
	raw := spec.Copy()
	n := 0
	for _, ps := range raw.Programs {
		if ps.Type == ebpf.Tracing {
			AsRawTracepoint(ps)
			n++
		}
	}
	if n == 0 {
		return nil, err
	}
	t.Logf("the kernel refuses tracing programs (%v): %d verified as raw tracepoints", err, n)
	return ebpf.NewCollection(raw)
}

// compileKernel checks and compiles src against this kernel's tracefs
// and BTF, expanding every attach point.
func compileKernel(t *testing.T, src string) *Program {
	t.Helper()
	return compileKernelWith(t, src, func(string) (uint64, bool) { return 0xffffffff81234560, true })
}

// compileKernelWith is compileKernel with kaddr resolving kernel symbols.
func compileKernelWith(t *testing.T, src string, kaddr func(string) (uint64, bool)) *Program {
	t.Helper()
	return compileAgainstKernel(t, src, kaddr, t.Fatal)
}

// compileAgainstKernel parses, checks, expands and compiles src against
// this kernel; an attach point the kernel cannot expand is handed to
// missing (t.Fatal, or t.Skip where a kernel may lack the tracepoint).
func compileAgainstKernel(t *testing.T, src string, kaddr func(string) (uint64, bool), missing func(...any)) *Program {
	t.Helper()
	needRoot(t)
	k := probes.NewKernel()
	if _, err := k.Spec(); err != nil {
		t.Skipf("no kernel BTF: %v", err)
	}
	s := lang.Source{Name: "stdin", Text: src}
	prog, diags := parse.Parse(s, parse.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	info, diags := sema.Check(prog, sema.Options{Env: k})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	targets := make([][]probes.Target, len(prog.Probes))
	for i, p := range prog.Probes {
		for _, ap := range p.Attach {
			ts, err := k.Expand(ap)
			if err != nil {
				missing(err)
			}
			targets[i] = append(targets[i], ts...)
		}
	}
	p, err := Compile(prog, info, targets, Options{Source: s, Env: k, NumCPU: 2, Cookies: true, Kaddr: kaddr})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// verify loads every program of p into the verifier.
func verify(t *testing.T, p *Program) {
	t.Helper()
	coll, err := loadVerified(t, p.Spec)
	if err != nil {
		var ve *ebpf.VerifierError
		if errors.As(err, &ve) {
			t.Fatalf("load: %+v\n%s", ve, dump(p))
		}
		t.Fatalf("load: %v", err)
	}
	coll.Close()
}

// TestFentryVerifier covers fentry/fexit code: args by name of several
// types (pointers to structs followed by field chains, char * through
// str(), signed and unsigned ints of 4 and 8 bytes), retval typed from
// BTF, func, probe, wildcards.
func TestFentryVerifier(t *testing.T) {
	for _, src := range []string{
		`fentry:vfs_read { @[comm] = count(); @s = sum(args.count); @p[args.file->f_pos, args->pos] = count(); printf("%s %d %p\n", func, args.count, args.buf); }`,
		`kfunc:vfs_read { @f[args->file->f_path.dentry->d_name.name] = count(); }`,
		`fexit:vfs_read { @r = hist(retval); @[probe, func] = count(); @n[args.count] = sum(retval); }`,
		`fentry:do_sys_openat2 { printf("%s %d\n", str(args.filename), args.dfd); @[args.dfd < 0] = count(); }`,
		`fexit:do_sys_openat2 /retval < 0/ { @[str(args.filename), retval] = count(); }`,
		`fentry:wake_up_new_task { printf("%s %d %d\n", args.p->comm, args.p->pid, args.p->real_parent->tgid); }`,
		`fexit:fget /retval != 0/ { @[args.fd, retval->f_flags] = count(); }`,
		`fentry:vfs_rea* { @[probe, func] = count(); }`,
		`fentry:vfs_read, fentry:vfs_write { @[probe, args.count] = count(); }`,
		`fentry:vfs_read { @[args] = count(); @last = args; print(args); }`,
		`fexit:do_sys_openat2 { @[args, retval] = count(); }`,
	} {
		t.Run(src, func(t *testing.T) {
			p := compileKernel(t, src)
			for _, pr := range p.Probes {
				ps := p.Spec.Programs[pr.Program]
				if ps.Type != ebpf.Tracing || ps.AttachTo != pr.Targets[0].Func || len(pr.Targets) != 1 {
					t.Fatalf("%s: type %v attach %q, %d targets", pr.Program, ps.Type, ps.AttachTo, len(pr.Targets))
				}
				want := ebpf.AttachTraceFEntry
				if pr.Provider == lang.Fexit {
					want = ebpf.AttachTraceFExit
				}
				if ps.AttachType != want {
					t.Errorf("%s: attach type %v, want %v", pr.Program, ps.AttachType, want)
				}
			}
			verify(t, p)
		})
	}
}

// TestFentryFuncWithoutKallsyms: func is the function's address, a
// constant when kallsyms knows it; else the program asks
// bpf_get_func_ip, which the raw tracepoint stand-in turns into a
// constant so that the rest of the code still verifies.
func TestFentryFuncWithoutKallsyms(t *testing.T) {
	calls := func(p *Program) bool {
		for _, ins := range p.Spec.Programs[p.Probes[0].Program].Instructions {
			if ins.IsBuiltinCall() && asm.BuiltinFunc(ins.Constant) == asm.FnGetFuncIp {
				return true
			}
		}
		return false
	}
	src := `fentry:vfs_read { @[func] = count(); }`
	if p := compileKernel(t, src); calls(p) {
		t.Error("func with a known address calls bpf_get_func_ip")
	}
	p := compileKernelWith(t, src, func(string) (uint64, bool) { return 0, false })
	if !calls(p) {
		t.Fatal("func without kallsyms does not call bpf_get_func_ip")
	}
	raw := p.Spec.Programs[p.Probes[0].Program].Copy()
	AsRawTracepoint(raw)
	if raw.Type != ebpf.RawTracepoint || raw.AttachTo != "" || raw.AttachType != ebpf.AttachNone {
		t.Fatalf("AsRawTracepoint left %v %q %v", raw.Type, raw.AttachTo, raw.AttachType)
	}
	verify(t, p)
}

// TestFexitTypes checks the types the checker gives args and retval from
// BTF.
func TestFexitTypes(t *testing.T) {
	needRoot(t)
	k := probes.NewKernel()
	src := lang.Source{Name: "stdin", Text: `fexit:vfs_read { $r = retval; $c = args.count; $f = args.file; }`}
	prog, _ := parse.Parse(src, parse.Options{})
	info, diags := sema.Check(prog, sema.Options{Env: k})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	vars := info.Probes[0].Vars
	if r := vars["r"]; r.Kind != lang.KindInt || r.Size != 8 || !r.Signed {
		t.Errorf("retval is %v, want a signed 64-bit int (ssize_t)", r)
	}
	if c := vars["c"]; c.Kind != lang.KindInt || c.Signed {
		t.Errorf("args.count is %v, want unsigned (size_t)", c)
	}
	if f := vars["f"]; !f.IsPtr() || f.Elem.Name != "struct file" {
		t.Errorf("args.file is %v, want struct file *", f)
	}
}

// TestKprobeVerifier covers kprobe/kretprobe code: register and stack
// arguments, sargN, retval, func (instruction pointer; bpf_get_func_ip
// in kretprobes), reg(), fn+off, wildcards with probe and func, and the
// same wildcard program loaded for kprobe_multi.
func TestKprobeVerifier(t *testing.T) {
	for _, src := range []string{
		`kprobe:vfs_read { @[func, arg0, arg1, arg5, arg6, arg7, sarg0, sarg1, reg("ip"), reg("sp")] = count(); }`,
		`kretprobe:vfs_read { @[func, retval, probe] = count(); }`,
		`kprobe:vfs_read+4 { @[func, probe] = count(); }`,
		`kprobe:vfs_rea* { @[probe, func] = count(); }`,
		`kretprobe:vfs_rea* { @[probe, func, (int64)retval] = count(); }`,
		`kprobe:vfs_read { printf("%s %d\n", str(arg1), ((struct file *)arg0)->f_pos); }`,
	} {
		t.Run(src, func(t *testing.T) {
			p := compileKernel(t, src)
			verify(t, p)
			if len(p.Probes[0].Targets) < 2 {
				return
			}
			multi := p.Spec.Copy()
			for _, ps := range multi.Programs {
				ps.AttachType = ebpf.AttachTraceKprobeMulti
			}
			coll, err := ebpf.NewCollection(multi)
			if err != nil {
				t.Fatalf("as kprobe_multi: %v", err)
			}
			coll.Close()
		})
	}
}

// TestUprobeStackArgs: uprobes read arg6+ and sargN from the process's
// stack.
func TestUprobeStackArgs(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("no bash")
	}
	p := compileKernel(t, `uprobe:`+bash+`:readline { @[arg6, sarg0, func] = count(); }`)
	found := false
	for _, ins := range p.Spec.Programs[p.Probes[0].Program].Instructions {
		found = found || ins.IsBuiltinCall() && asm.BuiltinFunc(ins.Constant) == asm.FnProbeReadUser
	}
	if !found {
		t.Error("uprobe stack arguments are not read from user memory")
	}
	verify(t, p)
}

// TestRawTracepointBTFArgs attaches a raw tracepoint whose args come from
// BTF (btf_trace_sched_process_exec) and reads a field chain from them.
func TestRawTracepointBTFArgs(t *testing.T) {
	me := itoa(os.Getpid())
	out := attachRun(t, `rawtracepoint:sched_process_exec /args.p->real_parent->tgid == `+me+`/ {
		printf("exec %s %d\n", str(args.bprm->filename), args.old_pid > 0);
	}`, func() {
		exec.Command("/bin/true").Run()
	})
	if !strings.Contains(out, "exec /bin/true 1\n") && !strings.Contains(out, "exec /usr/bin/true 1\n") {
		t.Fatalf("output %q", out)
	}
}

// TestRawTracepointArgsValue prints args as a whole, as bpftrace 0.26.
func TestRawTracepointArgsValue(t *testing.T) {
	me := itoa(os.Getpid())
	p := compileKernel(t, `rawtracepoint:sched_process_exec /args.p->real_parent->tgid == `+me+`/ { print(args); }`)
	verify(t, p)
	var rec *lang.Type
	for _, a := range p.Actions {
		if a.Kind == ActPrintValue {
			rec = a.Args[0].Type
		}
	}
	if rec == nil || rec.Kind != lang.KindRecord || len(rec.Fields) != 3 ||
		rec.Fields[0].Name != "p" || rec.Fields[1].Name != "old_pid" || rec.Fields[2].Name != "bprm" || rec.Size != 24 {
		t.Fatalf("print(args) record %v", rec)
	}
}
