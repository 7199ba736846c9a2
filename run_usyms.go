package gtrace

import (
	"bufio"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gtrace/gtrace/internal/symbols"
	"github.com/gtrace/gtrace/output"
	"github.com/gtrace/gtrace/probes"
)

// usyms resolves user-space addresses: /proc/PID/maps tells which file an
// address is in, the file's ELF symbol tables name it. Both are cached (per
// process, and per file in the Kernel's symbol cache that uprobes share)
// and read only when a ustack or usym is printed. A process that has
// exited by then resolves nothing, as in bpftrace.
type usyms struct {
	mu    sync.Mutex
	procs map[uint32][]mapping
	read  map[uint32]time.Time // when procs[pid] was read
	// files reads a file's symbol tables (probes.Kernel.ELF, cached).
	files func(path string) (*symbols.ELF, error)
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
	// out is the mapping as frames carry it, made on first use.
	out *output.Mapping
}

// lookup resolves addr in process pid: symbol, offset, file, and the
// mapping it is in (nil when no mapping holds it).
func (u *usyms) lookup(pid uint32, addr uint64) (sym string, off uint64, file string, in *output.Mapping) {
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
	m := findMapping(ms, addr)
	if m == nil {
		return "", 0, "", nil
	}
	es, err := u.files(m.path)
	if m.out == nil {
		m.out = &output.Mapping{Start: m.start, Limit: m.end, Offset: m.off, File: m.path}
		if err == nil {
			m.out.BuildID = es.BuildID
		}
	}
	if err != nil {
		return "", 0, m.path, m.out
	}
	name, o, ok := es.FuncAtOffset(addr - m.start + m.off)
	if !ok {
		return "", 0, m.path, m.out
	}
	// C++ names print demangled, as bpftrace prints them.
	if !u.mangled {
		name = probes.Demangle(name)
	}
	return name, o, m.path, m.out
}

func (u *usyms) init() {
	if u.procs == nil {
		u.procs, u.read = map[uint32][]mapping{}, map[uint32]time.Time{}
	}
}

// findMapping finds the mapping holding addr, nil when none does.
func findMapping(ms []mapping, addr uint64) *mapping {
	for i := range ms {
		if addr >= ms[i].start && addr < ms[i].end {
			return &ms[i]
		}
	}
	return nil
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
		// Files, and the vDSO: it has no file to name its functions, but
		// its frames then belong to "[vdso]" rather than to nothing.
		if len(fs) < 6 || !strings.HasPrefix(fs[5], "/") && fs[5] != "[vdso]" || len(fs[1]) < 3 || fs[1][2] != 'x' {
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
