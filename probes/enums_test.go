package probes

import (
	"errors"
	"os"
	"testing"
	"time"

	"github.com/cilium/ebpf/btf"
)

// TestKernelEnumerators resolves kernel enumerators from the running
// kernel's BTF and reports what building the index costs.
func TestKernelEnumerators(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to read kernel BTF")
	}
	k := NewKernel()
	start := time.Now()
	if _, err := k.Spec(); err != nil {
		t.Skip("no kernel BTF:", err)
	}
	loaded := time.Now()
	v, ok, err := k.Enumerator("TCP_FIN_WAIT1")
	indexed := time.Now()
	if err != nil || !ok || v != 4 {
		t.Fatalf("TCP_FIN_WAIT1 = %d, %v, %v; want 4", v, ok, err)
	}
	t.Logf("BTF load %v, enumerator index %v (%d names)", loaded.Sub(start), indexed.Sub(loaded), len(k.types.enums))
	for name, want := range map[string]int64{
		"SKB_DROP_REASON_NOT_SPECIFIED": -1, // value depends on the kernel
		"TCP_ESTABLISHED":               1,
		"TCP_NEW_SYN_RECV":              12,
		"BPF_ANY":                       0,
		"BPF_NOEXIST":                   1,
		"PIDTYPE_PID":                   0,
	} {
		v, ok, err := k.Enumerator(name)
		if err != nil || !ok || (want >= 0 && v != want) {
			t.Errorf("%s = %d, %v, %v; want %d", name, v, ok, err, want)
		}
	}
	if _, ok, err := k.Enumerator("NO_SUCH_ENUMERATOR_X"); ok || err != nil {
		t.Errorf("unknown name: %v, %v", ok, err)
	}
	// The index is built once.
	again := time.Now()
	k.Enumerator("TCP_CLOSE")
	if d := time.Since(again); d > 10*time.Millisecond {
		t.Errorf("second lookup took %v", d)
	}
}

func TestEnumeratorWithoutBTF(t *testing.T) {
	k := &Kernel{NoBTF: true}
	if _, ok, err := k.Enumerator("TCP_CLOSE"); ok || !errors.Is(err, btf.ErrNotFound) {
		t.Errorf("no BTF: %v, %v", ok, err)
	}
	var e TableEnv
	if _, ok, err := e.Enumerator("TCP_CLOSE"); ok || err != nil {
		t.Errorf("TableEnv: %v, %v", ok, err)
	}
}

// BenchmarkEnumIndex measures building the enumerator index of the
// running kernel's BTF (the spec itself is loaded once, outside).
func BenchmarkEnumIndex(b *testing.B) {
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		b.Skip("no kernel BTF:", err)
	}
	for b.Loop() {
		if _, err := enumIndex(spec.Copy()); err != nil {
			b.Fatal(err)
		}
	}
}

// TestRawEnumIndexMatchesSpec compares the raw scan of the running
// kernel's BTF with the index built from cilium/ebpf's decoded types.
func TestRawEnumIndexMatchesSpec(t *testing.T) {
	raw, err := os.ReadFile(vmlinuxBTF)
	if err != nil {
		t.Skip("no kernel BTF:", err)
	}
	spec, err := btf.LoadKernelSpec()
	if err != nil {
		t.Skip("no kernel BTF:", err)
	}
	got, err := rawEnumIndex(raw)
	if err != nil {
		t.Fatal(err)
	}
	want, err := enumIndex(spec)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Errorf("raw scan: %d enumerators, spec: %d", len(got), len(want))
	}
	for name, w := range want {
		if g, ok := got[name]; !ok || g != w {
			t.Errorf("%s: raw %d (%v), spec %d", name, g, ok, w)
		}
	}
	if _, err := rawEnumIndex(raw[:30]); err == nil {
		t.Error("truncated BTF accepted")
	}
}

func BenchmarkRawEnumIndex(b *testing.B) {
	raw, err := os.ReadFile(vmlinuxBTF)
	if err != nil {
		b.Skip("no kernel BTF:", err)
	}
	for b.Loop() {
		if _, err := rawEnumIndex(raw); err != nil {
			b.Fatal(err)
		}
	}
}
