package probes

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"

	"github.com/gtrace/gtrace/lang"
)

// buildTarget compiles testdata/uprobe/target.c into dir with gcc.
func buildTarget(t *testing.T, extra ...string) string {
	t.Helper()
	if _, err := exec.LookPath("gcc"); err != nil {
		t.Skip("gcc is not installed")
	}
	out := filepath.Join(t.TempDir(), "target")
	args := append([]string{"-O1", "-o", out, "testdata/uprobe/target.c"}, extra...)
	if b, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, b)
	}
	return out
}

func expandNames(t *testing.T, k *Kernel, p lang.Provider, args ...string) ([]Target, error) {
	t.Helper()
	return k.Expand(&lang.AttachPoint{Provider: p, Args: args})
}

func TestUprobeExpand(t *testing.T) {
	bin := buildTarget(t)
	k := NewKernel()
	ts, err := expandNames(t, k, lang.Uprobe, bin, "work")
	if err != nil || len(ts) != 1 || ts[0].Func != "work" || ts[0].FileOffset == 0 || ts[0].Name != "uprobe:"+bin+":work" {
		t.Fatalf("uprobe:BIN:work = %+v, %v", ts, err)
	}
	off := ts[0].FileOffset
	addr := ts[0].Addr
	ts, err = expandNames(t, k, lang.Uprobe, bin, "main+4")
	if err != nil || ts[0].Offset != 4 || ts[0].Func != "main" {
		t.Fatalf("main+4 = %+v, %v", ts, err)
	}
	if w, err := ts[0].CheckPlacement(false); w != "" || err != nil {
		t.Errorf("main+4 is not on an instruction boundary: %q, %v", w, err)
	}
	ts, err = expandNames(t, k, lang.Uprobe, bin, "0x"+strconvHex(addr))
	if err != nil || ts[0].FileOffset != off || ts[0].Func != "work" || ts[0].Name != "uprobe:"+bin+":"+strconv.FormatUint(addr, 10) {
		t.Errorf("address = %+v, %v", ts, err)
	}
	ts, err = expandNames(t, k, lang.Uretprobe, bin, "gree?")
	if err != nil || len(ts) != 1 || ts[0].Func != "greet" || ts[0].Provider != lang.Uretprobe {
		t.Errorf("uretprobe:BIN:gree? = %v, %v", names(ts), err)
	}
	ts, err = expandNames(t, k, lang.Uprobe, bin, "w*k")
	if err != nil || len(ts) != 1 {
		t.Errorf("w*k = %v, %v", names(ts), err)
	}

	var buf bytes.Buffer
	if err := k.List("uprobe:"+bin+":gre*", &buf, false); err != nil || buf.String() != "uprobe:"+bin+":greet\n" {
		t.Errorf("-l = %q, %v", buf.String(), err)
	}
}

// An offset inside an instruction is refused, as bpftrace refuses it
// ("Could not add uprobe into middle of instruction"), unless --unsafe.
func TestUprobeOffsetInsideInstruction(t *testing.T) {
	bin := buildTarget(t)
	k := NewKernel()
	ts, err := expandNames(t, k, lang.Uprobe, bin, "work")
	if err != nil {
		t.Fatal(err)
	}
	ef, err := k.elfFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if ef.Machine != elf.EM_X86_64 {
		t.Skipf("instruction lengths are checked by decoding on x86-64 only (%s)", ef.Machine)
	}
	code := make([]byte, 15)
	f, err := os.Open(bin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.ReadAt(code, int64(ts[0].FileOffset)); err != nil {
		t.Fatal(err)
	}
	first, err := x86asm.Decode(code, 64)
	if err != nil {
		t.Fatal(err)
	}
	// The second instruction starts at first.Len: fine.
	ts, err = expandNames(t, k, lang.Uprobe, bin, "work+"+strconv.Itoa(first.Len))
	if err != nil {
		t.Fatal(err)
	}
	if w, err := ts[0].CheckPlacement(false); w != "" || err != nil {
		t.Errorf("work+%d (%v is %d bytes): %q, %v", first.Len, first, first.Len, w, err)
	}
	if first.Len < 2 {
		t.Skipf("work's first instruction (%v) is one byte long", first)
	}
	ts, err = expandNames(t, k, lang.Uprobe, bin, "work+1")
	if err != nil {
		t.Fatal(err)
	}
	want := "Could not add uprobe into middle of instruction: " + bin + ":work+1"
	if _, err := ts[0].CheckPlacement(false); err == nil || err.Error() != want {
		t.Errorf("work+1 inside %v: %v, want %q", first, err, want)
	}
	w, err := ts[0].CheckPlacement(true)
	if err != nil || w != "Unsafe uprobe in the middle of the instruction: "+bin+":work+1" {
		t.Errorf("--unsafe work+1: %q, %v", w, err)
	}
	// arm64 instructions are 4 bytes.
	if ok, _ := onInstruction(bin, elf.EM_AARCH64, 0, 6); ok {
		t.Error("arm64 +6 taken for an instruction boundary")
	}
	if ok, _ := onInstruction(bin, elf.EM_AARCH64, 0, 8); !ok {
		t.Error("arm64 +8 not taken for an instruction boundary")
	}
}

func strconvHex(v uint64) string {
	const digits = "0123456789abcdef"
	if v == 0 {
		return "0"
	}
	var b []byte
	for ; v > 0; v >>= 4 {
		b = append([]byte{digits[v&15]}, b...)
	}
	return string(b)
}

func TestUprobeErrors(t *testing.T) {
	bin := buildTarget(t)
	stripped := buildTarget(t, "-s")
	notELF := filepath.Join(t.TempDir(), "script")
	os.WriteFile(notELF, []byte("#!/bin/sh\n"), 0o755)
	k := NewKernel()
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"/nonexistent/bin", "f"}, "binary /nonexistent/bin does not exist"},
		{[]string{bin, "nosuch"}, "function nosuch not found in " + bin},
		{[]string{bin, "nosuch*"}, "no function matches nosuch* in " + bin},
		{[]string{stripped, "work"}, "has no symbols (stripped binary): cannot find work"},
		{[]string{notELF, "f"}, notELF + " is not an ELF file"},
		{[]string{t.TempDir(), "f"}, "is a directory, not a binary"},
		{[]string{"nosuchlibrary_xyz", "f"}, "binary nosuchlibrary_xyz not found"},
		{[]string{bin, "work+999999"}, "past the end of work"},
		{[]string{"/bin/bash"}, "uprobe needs a binary and a function"},
	} {
		_, err := expandNames(t, k, lang.Uprobe, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%v: %v, want %q", tt.args, err, tt.want)
		}
	}
	if _, err := expandNames(t, k, lang.USDT, bin, "nosuch"); err == nil || !strings.Contains(err.Error(), "usdt probe nosuch not found in "+bin) {
		t.Errorf("usdt missing: %v", err)
	}
}

func TestUprobeLibraryName(t *testing.T) {
	k := NewKernel()
	for _, name := range []string{"libc", "c"} {
		ts, err := expandNames(t, k, lang.Uprobe, name, "getpid")
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !strings.Contains(filepath.Base(ts[0].Path), "libc.so") || ts[0].FileOffset == 0 {
			t.Errorf("%s:getpid = %+v", name, ts[0])
		}
	}
	// -p: the libraries the process maps come first.
	k = NewKernel()
	k.PID = os.Getpid()
	if _, err := expandNames(t, k, lang.Uprobe, "libc", "getpid"); err != nil {
		// A static Go test binary maps no libc: then ld.so.cache answers.
		t.Errorf("-p libc:getpid: %v", err)
	}
	// -p and a bare function: the process's executable, a Go test
	// binary, which go test links without a symbol table: its functions
	// come from the Go runtime's table (.gopclntab).
	ts, err := expandNames(t, k, lang.Uprobe, "runtime.main")
	exe, _ := os.Executable()
	if err != nil || len(ts) != 1 || !strings.HasSuffix(ts[0].Name, exe+":runtime.main") || ts[0].FileOffset == 0 {
		t.Errorf("-p uprobe:runtime.main = %+v, %v (exe %s)", ts, err, exe)
	}
}

func TestUSDTNotes(t *testing.T) {
	bin := buildTarget(t)
	k := NewKernel()
	ef, err := k.elfFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]USDTProbe{}
	for _, p := range ef.USDT {
		byName[p.Name] = p
	}
	if len(ef.USDT) != 3 || len(byName) != 3 {
		t.Fatalf("notes = %+v", ef.USDT)
	}
	tick, gated := byName["tick"], byName["gated"]
	if a := byName["mem"].Args; len(a) != 1 || a[0].Kind != USDTMem || a[0].Size != 8 {
		t.Errorf("mem args = %+v", a)
	}
	if tick.Provider != "gt" || tick.Name != "tick" || tick.Semaphore != 0 || len(tick.Args) != 3 || tick.Off == 0 {
		t.Errorf("tick = %+v", tick)
	}
	if a := tick.Args[2]; a.Kind != USDTConst || a.Value != 7 || a.Size != 4 || !a.Signed {
		t.Errorf("tick arg 2 = %+v", a)
	}
	if gated.Name != "gated" || gated.Semaphore == 0 || gated.SemOff == 0 {
		t.Errorf("gated = %+v", gated)
	}
	ts, err := expandNames(t, k, lang.USDT, bin, "gt", "g*")
	if err != nil || len(ts) != 1 || ts[0].Name != "usdt:"+bin+":gt:gated" || ts[0].RefCtr != gated.SemOff {
		t.Errorf("usdt:BIN:gt:g* = %+v, %v", ts, err)
	}
	ts, err = expandNames(t, k, lang.USDT, bin, "tick")
	if err != nil || len(ts) != 1 || ts[0].USDT != "gt" || len(ts[0].USDTArgs) != 3 {
		t.Errorf("usdt:BIN:tick = %+v, %v", ts, err)
	}
	var buf bytes.Buffer
	if err := k.List("usdt:"+bin+":*", &buf, false); err != nil || buf.String() != "usdt:"+bin+":gt:gated\nusdt:"+bin+":gt:mem\nusdt:"+bin+":gt:tick\n" {
		t.Errorf("-l usdt = %q, %v", buf.String(), err)
	}
}

func TestUSDTArgSpecs(t *testing.T) {
	for _, tt := range []struct {
		spec, arch string
		want       USDTArg
	}{
		{"-4@%eax", "amd64", USDTArg{Size: 4, Signed: true, Kind: USDTReg, Reg: "ax"}},
		{"8@%rdx", "amd64", USDTArg{Size: 8, Kind: USDTReg, Reg: "dx"}},
		{"1@%r9b", "amd64", USDTArg{Size: 1, Kind: USDTReg, Reg: "r9"}},
		{"1@%ah", "amd64", USDTArg{Size: 1, Kind: USDTReg, Reg: "ax", RegShift: 8}},
		{"-4@$5", "amd64", USDTArg{Size: 4, Signed: true, Kind: USDTConst, Value: 5}},
		{"8@-8(%rbp)", "amd64", USDTArg{Size: 8, Kind: USDTMem, Reg: "bp", Value: -8}},
		{"4@(%rsi)", "amd64", USDTArg{Size: 4, Kind: USDTMem, Reg: "si"}},
		{"8@16(%rax,%rbx,8)", "amd64", USDTArg{Size: 8, Kind: USDTMem, Reg: "ax", Index: "bx", Scale: 8, Value: 16}},
		{"-4@x0", "arm64", USDTArg{Size: 4, Signed: true, Kind: USDTReg, Reg: "x0"}},
		{"4@w19", "arm64", USDTArg{Size: 4, Kind: USDTReg, Reg: "x19"}},
		{"8@[sp, 16]", "arm64", USDTArg{Size: 8, Kind: USDTMem, Reg: "sp", Value: 16}},
		{"-8@[x29, #-8]", "arm64", USDTArg{Size: 8, Signed: true, Kind: USDTMem, Reg: "x29", Value: -8}},
		{"8@[x1]", "arm64", USDTArg{Size: 8, Kind: USDTMem, Reg: "x1"}},
		{"-4@#5", "arm64", USDTArg{Size: 4, Signed: true, Kind: USDTConst, Value: 5}},
	} {
		got := parseUSDTArg(tt.spec, tt.arch)
		tt.want.Spec = tt.spec
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s (%s) = %+v, want %+v", tt.spec, tt.arch, got, tt.want)
		}
	}
	for _, tt := range []struct {
		spec, sym string
		value     int64
	}{{"-8@counter(%rip)", "counter", 0}, {"-4@8+arr(%rip)", "arr", 8}, {"4@arr+12(%rip)", "arr", 12}, {"4@arr-4(%rip)", "arr", -4}} {
		if a := parseUSDTArg(tt.spec, "amd64"); a.Err != "" || a.sym != tt.sym || a.Value != tt.value || a.Reg != "ip" || a.Kind != USDTMem {
			t.Errorf("%s = %+v, want %s%+d from ip", tt.spec, a, tt.sym, tt.value)
		}
	}
	for _, bad := range []string{"3@%eax", "8@counter(%rax)", "x@%eax", "8@%xyz", "8@a+b(%rip)"} {
		if a := parseUSDTArg(bad, "amd64"); a.Err == "" {
			t.Errorf("%s: no error: %+v", bad, a)
		}
	}
	if got := splitUSDTArgs("-4@x0 8@[sp, 16]  4@#1"); !reflect.DeepEqual(got, []string{"-4@x0", "8@[sp, 16]", "4@#1"}) {
		t.Errorf("split = %q", got)
	}
}

func TestParseLDCache(t *testing.T) {
	// A hand-made cache: new format only, two entries.
	le := binary.LittleEndian
	strs := []string{"libfoo.so.1", "/usr/lib/libfoo.so.1", "libbar.so", "/lib/libbar.so"}
	hdr := make([]byte, ldCacheNewHdr)
	copy(hdr, ldCacheNewMagic)
	le.PutUint32(hdr[20:], 2)
	ents := make([]byte, 2*ldCacheNewEntry)
	strBase := len(hdr) + len(ents)
	var blob []byte
	offs := make([]uint32, len(strs))
	for i, s := range strs {
		offs[i] = uint32(strBase + len(blob))
		blob = append(append(blob, s...), 0)
	}
	for i := 0; i < 2; i++ {
		e := ents[i*ldCacheNewEntry:]
		le.PutUint32(e, 0x0303)
		le.PutUint32(e[4:], offs[2*i])
		le.PutUint32(e[8:], offs[2*i+1])
	}
	data := append(append(hdr, ents...), blob...)
	got, err := parseLDCache(data)
	want := []ldEntry{{"libfoo.so.1", "/usr/lib/libfoo.so.1", 0x0303}, {"libbar.so", "/lib/libbar.so", 0x0303}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Errorf("parseLDCache = %+v, %v", got, err)
	}
	if _, err := parseLDCache([]byte("junk")); err == nil {
		t.Error("junk accepted")
	}
	// The machine's own cache, when there is one.
	if data, err := os.ReadFile("/etc/ld.so.cache"); err == nil {
		ents, err := parseLDCache(data)
		if err != nil || len(ents) == 0 {
			t.Errorf("/etc/ld.so.cache: %d entries, %v", len(ents), err)
		}
	}
	if !matchSoname("libc.so.6", sonamePrefixes("libc")) || !matchSoname("libc.so.6", sonamePrefixes("c")) || matchSoname("libcap.so.2", sonamePrefixes("c")) {
		t.Error("matchSoname")
	}
}

func TestUserSymbol(t *testing.T) {
	bin := buildTarget(t)
	k := NewKernel()
	addr, size, pie, err := k.UserSymbol(bin, "gt_gated_semaphore")
	if err != nil || addr == 0 || size != 2 {
		t.Errorf("UserSymbol = %#x, %d, %v, %v", addr, size, pie, err)
	}
	if _, _, _, err := k.UserSymbol(bin, "nosuch"); err == nil || !strings.Contains(err.Error(), "symbol nosuch not found in") {
		t.Errorf("missing symbol: %v", err)
	}
}
