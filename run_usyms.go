package gtrace

import (
	"bufio"
	"debug/elf"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gtrace/gtrace/probes"
)

// usyms resolves user-space addresses: /proc/PID/maps tells which file an
// address is in, the file's ELF symbol tables name it. Both are cached (per
// process and per file) and read only when a ustack or usym is printed. A
// process that has exited by then resolves nothing, as in bpftrace.
type usyms struct {
	mu    sync.Mutex
	procs map[uint32][]mapping
	read  map[uint32]time.Time // when procs[pid] was read
	files map[string]*elfSyms
	// mangled keeps C++ names undemangled (BPFTRACE_NO_CPP_DEMANGLE).
	mangled bool
}

// rereadAfter is how old a process's cached mappings may get before they
// are read again (an exec, a dlopen since); younger copies serve every
// address, so printing many stacks reads /proc once per process.
const rereadAfter = time.Second

// mapping is one file-backed executable line of /proc/PID/maps.
type mapping struct {
	start, end, off uint64
	path            string
}

// elfSyms are a file's function symbols sorted by address, and its
// loadable segments to turn file offsets into virtual addresses.
type elfSyms struct {
	addrs []uint64
	sizes []uint64
	names []string
	loads []elf.ProgHeader
}

// lookup resolves addr in process pid: symbol, offset, file.
func (u *usyms) lookup(pid uint32, addr uint64) (sym string, off uint64, file string) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.init()
	ms, ok := u.procs[pid]
	if !ok || time.Since(u.read[pid]) > rereadAfter {
		// First use, or an old copy: the process may have exec'd or
		// mapped a library since. One that has exited keeps the last.
		if fresh := readMaps(pid); len(fresh) > 0 || !ok {
			ms = fresh
			u.procs[pid], u.read[pid] = ms, time.Now()
		}
	}
	m, ok := findMapping(ms, addr)
	if !ok {
		return "", 0, ""
	}
	es, ok := u.files[m.path]
	if !ok {
		es = readELFSyms(m.path)
		u.files[m.path] = es
	}
	if es == nil {
		return "", 0, m.path
	}
	name, o, ok := es.lookup(addr - m.start + m.off)
	if !ok {
		return "", 0, m.path
	}
	// C++ names print demangled, as bpftrace prints them.
	if !u.mangled {
		name = probes.Demangle(name)
	}
	return name, o, m.path
}

func (u *usyms) init() {
	if u.procs == nil {
		u.procs, u.read, u.files = map[uint32][]mapping{}, map[uint32]time.Time{}, map[string]*elfSyms{}
	}
}

// findMapping finds the mapping holding addr.
func findMapping(ms []mapping, addr uint64) (mapping, bool) {
	for _, m := range ms {
		if addr >= m.start && addr < m.end {
			return m, true
		}
	}
	return mapping{}, false
}

// remember snapshots the mappings of a traced process (-c, -p) while it
// runs: its stacks are printed after it exits, when /proc/PID/maps is gone.
// A process that execs is seen with its new mappings at the next snapshot.
func (u *usyms) remember(pid uint32) {
	ms := readMaps(pid)
	if len(ms) == 0 {
		return
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.init()
	u.procs[pid], u.read[pid] = ms, time.Now()
}

func readMaps(pid uint32) []mapping {
	f, err := os.Open("/proc/" + strconv.FormatUint(uint64(pid), 10) + "/maps")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []mapping
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// 7f2c4a000000-7f2c4a028000 r-xp 00000000 08:01 1234  /usr/lib/libc.so.6
		fs := strings.Fields(sc.Text())
		if len(fs) < 6 || !strings.HasPrefix(fs[5], "/") || len(fs[1]) < 3 || fs[1][2] != 'x' {
			continue
		}
		lo, hi, _ := strings.Cut(fs[0], "-")
		start, err1 := strconv.ParseUint(lo, 16, 64)
		end, err2 := strconv.ParseUint(hi, 16, 64)
		off, err3 := strconv.ParseUint(fs[2], 16, 64)
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		out = append(out, mapping{start: start, end: end, off: off, path: strings.Join(fs[5:], " ")})
	}
	return out
}

func readELFSyms(path string) *elfSyms {
	f, err := elf.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	type sym struct {
		addr, size uint64
		name       string
		rank       int // of equal addresses the lowest wins
	}
	var syms []sym
	// Stripped (a distribution's libc): the local functions are in the
	// separate debug file, when installed, or the MiniDebugInfo.
	reads, closeDebug := probes.SymbolReads(f, path)
	defer closeDebug()
	for src, read := range reads {
		ss, err := read()
		if err != nil {
			continue
		}
		for _, s := range ss {
			if elf.ST_TYPE(s.Info) == elf.STT_FUNC && s.Value != 0 {
				// The file's own tables first, then the debug file;
				// global names before local aliases (getppid, not
				// __GI___getppid).
				rank := 2 * src
				if elf.ST_BIND(s.Info) == elf.STB_LOCAL {
					rank++
				}
				syms = append(syms, sym{s.Value, s.Size, s.Name, rank})
			}
		}
	}
	slices.SortFunc(syms, func(a, b sym) int {
		switch {
		case a.addr < b.addr:
			return -1
		case a.addr > b.addr:
			return 1
		case a.rank != b.rank:
			return a.rank - b.rank
		}
		return strings.Compare(a.name, b.name)
	})
	es := &elfSyms{}
	for i, s := range syms {
		if i > 0 && s.addr == syms[i-1].addr {
			continue // the same function in .symtab and .dynsym
		}
		es.addrs = append(es.addrs, s.addr)
		es.sizes = append(es.sizes, s.size)
		es.names = append(es.names, s.name)
	}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			es.loads = append(es.loads, p.ProgHeader)
		}
	}
	return es
}

// lookup resolves a file offset: to a virtual address through the PT_LOAD
// segment holding it, then to the function containing it.
func (es *elfSyms) lookup(fileOff uint64) (string, uint64, bool) {
	vaddr, ok := uint64(0), false
	for _, p := range es.loads {
		if fileOff >= p.Off && fileOff < p.Off+p.Filesz {
			vaddr, ok = fileOff-p.Off+p.Vaddr, true
			break
		}
	}
	if !ok {
		return "", 0, false
	}
	i, found := slices.BinarySearch(es.addrs, vaddr)
	if !found {
		i--
	}
	if i < 0 {
		return "", 0, false
	}
	off := vaddr - es.addrs[i]
	if es.sizes[i] != 0 && off >= es.sizes[i] {
		return "", 0, false
	}
	return es.names[i], off, true
}
