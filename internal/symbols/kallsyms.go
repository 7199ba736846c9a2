package symbols

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// KallsymsPath is where the kernel lists its symbols.
const KallsymsPath = "/proc/kallsyms"

// KSym is one line of /proc/kallsyms: "ffffffff81000000 T _stext" or
// "ffffffffc0a01000 t ext4_sync_fs\t[ext4]".
type KSym struct {
	// Addr is zero for readers without privilege (kptr_restrict).
	Addr uint64
	// Type is nm's letter: 't'/'T' text, 'd'/'D' data, and so on.
	Type   byte
	Name   string
	Module string // "" for vmlinux
}

// Text reports whether the symbol is in a text section (a function).
func (s KSym) Text() bool { return s.Type == 't' || s.Type == 'T' }

// Kallsyms is the kernel symbol table, read on first use and then kept:
// a script that never names or resolves a kernel symbol never pays for
// its ~200k lines. Safe for concurrent use.
type Kallsyms struct {
	read   func() ([]KSym, error)
	byAddr func() addrIndex
}

// addrIndex holds the symbols with an address, sorted by it (file order
// among equal addresses).
type addrIndex struct {
	addrs []uint64
	names []string
}

// NewKallsyms returns the table of the kallsyms file at path
// (KallsymsPath for the running kernel).
func NewKallsyms(path string) *Kallsyms {
	k := &Kallsyms{}
	k.read = sync.OnceValues(func() ([]KSym, error) {
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		syms, err := ParseKallsyms(f)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", path, err)
		}
		return syms, nil
	})
	k.byAddr = sync.OnceValue(func() addrIndex {
		syms, _ := k.read()
		var known []KSym
		for _, s := range syms {
			if s.Addr != 0 {
				known = append(known, s)
			}
		}
		slices.SortStableFunc(known, func(a, b KSym) int { return cmp.Compare(a.Addr, b.Addr) })
		ix := addrIndex{addrs: make([]uint64, len(known)), names: make([]string, len(known))}
		for i, s := range known {
			ix.addrs[i], ix.names[i] = s.Addr, s.Name
		}
		return ix
	})
	return k
}

// Syms returns every symbol in file order.
func (k *Kallsyms) Syms() ([]KSym, error) { return k.read() }

// Addr returns the address of the first symbol called name, for kaddr()
// and kprobe addresses; not found when it is listed without an address
// (no privilege).
func (k *Kallsyms) Addr(name string) (uint64, bool) {
	syms, _ := k.read()
	for _, s := range syms {
		if s.Name == name {
			return s.Addr, s.Addr != 0
		}
	}
	return 0, false
}

// Hidden reports whether the kernel hides its symbols' addresses from this
// process: /proc/kallsyms lists them all at 0 (kernel.kptr_restrict, or
// kptr_restrict=0 with perf_event_paranoid above 1, and no CAP_SYSLOG).
func (k *Kallsyms) Hidden() bool {
	syms, _ := k.read()
	return len(syms) > 0 && len(k.byAddr().addrs) == 0
}

// HiddenHint says what to do when Hidden.
const HiddenHint = "/proc/kallsyms shows gtrace no addresses: grant CAP_SYSLOG, or set kernel.kptr_restrict=0 and kernel.perf_event_paranoid=1"

// Lookup returns the symbol containing addr and the offset into it, for
// ksym() and kstack frames.
func (k *Kallsyms) Lookup(addr uint64) (name string, off uint64, ok bool) {
	ix := k.byAddr()
	i, found := slices.BinarySearch(ix.addrs, addr)
	if !found {
		i--
	}
	if i < 0 || i >= len(ix.addrs) {
		return "", 0, false
	}
	return ix.names[i], addr - ix.addrs[i], true
}

// ParseKallsyms reads kallsyms lines; malformed ones are skipped.
func ParseKallsyms(r io.Reader) ([]KSym, error) {
	var out []KSym
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1<<16), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		addr, rest, ok := strings.Cut(line, " ")
		if !ok || len(rest) < 3 || rest[1] != ' ' {
			continue
		}
		a, err := strconv.ParseUint(addr, 16, 64)
		if err != nil {
			continue
		}
		s := KSym{Addr: a, Type: rest[0], Name: rest[2:]}
		if name, mod, ok := strings.Cut(s.Name, "\t"); ok {
			s.Name = name
			s.Module = strings.TrimSuffix(strings.TrimPrefix(mod, "["), "]")
		}
		if i := strings.IndexByte(s.Name, ' '); i >= 0 {
			s.Name = s.Name[:i]
		}
		out = append(out, s)
	}
	return out, sc.Err()
}
