package codegen

import (
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/cilium/ebpf"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/probes"
)

// fuzzFormats are tracepoint formats (as this kernel prints them) for the
// table environment of the fuzz target: a __data_loc string, pointers,
// char arrays.
var fuzzFormats = map[string]string{
	"sched:sched_process_exec": `name: sched_process_exec
ID: 365
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;

	field:__data_loc char[] filename;	offset:8;	size:4;	signed:0;
	field:pid_t pid;	offset:12;	size:4;	signed:1;
	field:pid_t old_pid;	offset:16;	size:4;	signed:1;
`,
	"syscalls:sys_enter_openat": `name: sys_enter_openat
ID: 782
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;

	field:int __syscall_nr;	offset:8;	size:4;	signed:1;
	field:int dfd;	offset:16;	size:8;	signed:0;
	field:const char * filename;	offset:24;	size:8;	signed:0;
	field:int flags;	offset:32;	size:8;	signed:0;
	field:umode_t mode;	offset:40;	size:8;	signed:0;
`,
	"sched:sched_switch": `name: sched_switch
ID: 366
format:
	field:unsigned short common_type;	offset:0;	size:2;	signed:0;
	field:unsigned char common_flags;	offset:2;	size:1;	signed:0;
	field:unsigned char common_preempt_count;	offset:3;	size:1;	signed:0;
	field:int common_pid;	offset:4;	size:4;	signed:1;

	field:char prev_comm[16];	offset:8;	size:16;	signed:0;
	field:pid_t prev_pid;	offset:24;	size:4;	signed:1;
	field:int prev_prio;	offset:28;	size:4;	signed:1;
	field:long prev_state;	offset:32;	size:8;	signed:1;
	field:char next_comm[16];	offset:40;	size:16;	signed:0;
	field:pid_t next_pid;	offset:56;	size:4;	signed:1;
	field:int next_prio;	offset:60;	size:4;	signed:1;
`,
}

func fuzzEnv(t testing.TB) *sema.TableEnv {
	env := &sema.TableEnv{TP: map[string]*lang.Type{}}
	for name, text := range fuzzFormats {
		cat, ev, _ := strings.Cut(name, ":")
		f, err := probes.ParseFormat(cat, ev, []byte(text))
		if err != nil {
			t.Fatal(err)
		}
		env.TP[name] = f.Record()
	}
	return env
}

// fuzzTargets expands attach points against the table environment:
// tracepoints by wildcard, every other provider to one target named as
// written (enough for code generation).
func fuzzTargets(prog *lang.Program, env *sema.TableEnv) [][]probes.Target {
	targets := make([][]probes.Target, len(prog.Probes))
	for i, p := range prog.Probes {
		for _, ap := range p.Attach {
			if ap.Provider == lang.Tracepoint && len(ap.Args) == 2 {
				names, _ := env.Tracepoints(ap.Args[0], ap.Args[1])
				for _, n := range names {
					cat, ev, _ := strings.Cut(n, ":")
					targets[i] = append(targets[i], probes.Target{Provider: ap.Provider, Name: "tracepoint:" + n, From: ap, Category: cat, Event: ev})
				}
				continue
			}
			targets[i] = append(targets[i], probes.Target{Provider: ap.Provider, Name: ap.Raw, From: ap})
		}
	}
	return targets
}

// fuzzCompile runs the front end and code generation on src. It returns
// the program when everything compiled.
func fuzzCompile(t testing.TB, env *sema.TableEnv, src string) *Program {
	s := lang.Source{Name: "fuzz", Text: src}
	prog, diags := parse.Parse(s, parse.Options{Params: []string{"1", "str"}})
	if diags.HasErrors() || prog == nil {
		return nil
	}
	info, diags := sema.Check(prog, sema.Options{Env: env, Unsafe: true, Params: []string{"1", "str"}})
	if diags.HasErrors() {
		return nil
	}
	p, err := Compile(prog, info, fuzzTargets(prog, env), Options{Source: s, Env: env, NumCPU: 2, Cookies: true, Params: []string{"1", "str"},
		Kaddr: func(string) (uint64, bool) { return 0xffffffff81000000, true }})
	if err != nil {
		if strings.Contains(err.Error(), "internal error") {
			t.Fatalf("%v\nsource:\n%s", err, src)
		}
		return nil
	}
	return p
}

// fuzzSeeds gathers scripts: testdata/scripts, testdata/parse, and the
// program literals of codegen's own tests.
func fuzzSeeds(t testing.TB) []string {
	var seeds []string
	for _, pat := range []string{"../testdata/scripts/*.bt", "../testdata/parse/*.bt"} {
		files, _ := filepath.Glob(pat)
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err == nil {
				seeds = append(seeds, string(b))
			}
		}
	}
	lit := regexp.MustCompile("(?s)`([^`]*(?:BEGIN|END|tracepoint:|rawtracepoint:|interval:)[^`]*\\{[^`]*)`")
	files, _ := filepath.Glob("*_test.go")
	for _, f := range files {
		if f == "fuzz_test.go" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			continue
		}
		for _, m := range lit.FindAllStringSubmatch(string(b), -1) {
			seeds = append(seeds, m[1])
		}
	}
	return seeds
}

// FuzzCompile: a program that parses and checks never panics code
// generation.
func FuzzCompile(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	env := fuzzEnv(f)
	// Loading into the verifier is slow; GTRACE_FUZZ_LOAD=1 (as root)
	// loads the BEGIN/END-only programs too.
	load := os.Getenv("GTRACE_FUZZ_LOAD") == "1" && os.Geteuid() == 0
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 4096 {
			return
		}
		p := fuzzCompile(t, env, src)
		if p == nil || !load || !beginOnly(p) {
			return
		}
		coll, err := ebpf.NewCollection(p.Spec)
		if err != nil {
			if errors.Is(err, ebpf.ErrNotSupported) {
				return
			}
			t.Fatalf("load: %v\nsource:\n%s", err, src)
		}
		coll.Close()
	})
}

// TestFuzzSeedsLoad loads every program the fuzz seeds compile into the
// verifier (the table environment's formats are this kernel's).
func TestFuzzSeedsLoad(t *testing.T) {
	needRoot(t)
	env := fuzzEnv(t)
	n := 0
	for _, src := range fuzzSeeds(t) {
		p := fuzzCompile(t, env, src)
		if p == nil {
			continue
		}
		n++
		coll, err := ebpf.NewCollection(p.Spec)
		if err != nil {
			var ve *ebpf.VerifierError
			if errors.As(err, &ve) {
				t.Errorf("load: %v\n%s\nsource:\n%s", err, strings.Join(ve.Log[max(0, len(ve.Log)-8):], "\n"), src)
				continue
			}
			t.Errorf("load: %v\nsource:\n%s", err, src)
			continue
		}
		coll.Close()
	}
	t.Logf("%d of the seeds compiled and loaded", n)
}

func beginOnly(p *Program) bool {
	for _, pr := range p.Probes {
		if pr.Provider != lang.Begin && pr.Provider != lang.End {
			return false
		}
	}
	return len(p.Probes) > 0
}

// TestNulInSource: a NUL byte in the script (inside a string literal)
// must not reach the BTF line info of the source comments.
func TestNulInSource(t *testing.T) {
	runBegin(t, "BEGIN { printf(\"a\x00b\\n\"); \"\x00\"; }")
}
