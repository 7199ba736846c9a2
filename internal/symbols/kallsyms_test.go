package symbols

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const kallsymsFixture = "ffffffff81000000 T _stext\n" +
	"ffffffff81000010 t vfs_read\n" +
	"ffffffff81000020 D avenrun\n" +
	"0000000000000000 t hidden\n" +
	"ffffffffc0001000 t ext4_sync_fs\t[ext4]\n" +
	"ffffffff81000010 T vfs_read_alias\n" +
	"bad line\n"

func TestParseKallsyms(t *testing.T) {
	syms, err := ParseKallsyms(strings.NewReader(kallsymsFixture))
	if err != nil {
		t.Fatal(err)
	}
	if len(syms) != 6 {
		t.Fatalf("%d symbols: %+v", len(syms), syms)
	}
	if s := syms[4]; s.Name != "ext4_sync_fs" || s.Module != "ext4" || !s.Text() || s.Addr != 0xffffffffc0001000 {
		t.Errorf("module symbol = %+v", s)
	}
	if s := syms[2]; s.Name != "avenrun" || s.Text() {
		t.Errorf("data symbol = %+v", s)
	}
}

func TestKallsymsAddrLookup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "kallsyms")
	if err := os.WriteFile(path, []byte(kallsymsFixture), 0o644); err != nil {
		t.Fatal(err)
	}
	k := NewKallsyms(path)
	if a, ok := k.Addr("avenrun"); !ok || a != 0xffffffff81000020 {
		t.Errorf("Addr(avenrun) = %#x, %v", a, ok)
	}
	if _, ok := k.Addr("hidden"); ok {
		t.Error("a symbol listed without address resolved")
	}
	if _, ok := k.Addr("nosuch"); ok {
		t.Error("a missing symbol resolved")
	}
	for _, c := range []struct {
		addr uint64
		name string
		off  uint64
	}{
		{0xffffffff81000000, "_stext", 0},
		{0xffffffff81000010, "vfs_read", 0},       // an address itself: the first listed
		{0xffffffff81000012, "vfs_read_alias", 2}, // inside: the last listed (as before the move)
		{0xffffffff81000021, "avenrun", 1},
		{0xffffffffc0001004, "ext4_sync_fs", 4},
	} {
		if name, off, ok := k.Lookup(c.addr); !ok || name != c.name || off != c.off {
			t.Errorf("Lookup(%#x) = %s+%d, %v; want %s+%d", c.addr, name, off, ok, c.name, c.off)
		}
	}
	if _, _, ok := k.Lookup(1); ok {
		t.Error("address 1 resolved")
	}
	if _, err := NewKallsyms(filepath.Join(t.TempDir(), "none")).Syms(); err == nil {
		t.Error("a missing file read without error")
	}
}

// The running kernel's table: an address inside a symbol resolves to it.
func TestKallsymsRunningKernel(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("kallsyms addresses read as zero without privilege")
	}
	k := NewKallsyms(KallsymsPath)
	ix := k.byAddr()
	if len(ix.addrs) < 1000 {
		t.Fatalf("%d kernel symbols", len(ix.addrs))
	}
	i := len(ix.addrs) / 2
	for i+1 < len(ix.addrs) && ix.addrs[i+1] <= ix.addrs[i]+1 {
		i++ // an address with one symbol and room after it
	}
	name, off, ok := k.Lookup(ix.addrs[i] + 1)
	if !ok || off != 1 || name == "" {
		t.Errorf("Lookup(%#x+1) = %s+%d, %v; want %s+1", ix.addrs[i], name, off, ok, ix.names[i])
	}
	if a, ok := k.Addr(name); !ok || a == 0 {
		t.Errorf("Addr(%s) = %#x, %v", name, a, ok)
	}
}
