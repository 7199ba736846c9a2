package gtrace

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gtrace/gtrace/internal/symbols"
	"github.com/gtrace/gtrace/output"
	"github.com/gtrace/gtrace/probes"
	"golang.org/x/sys/unix"
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
	// opened is, per mapped file (device and inode), the path its symbols
	// were read through: one file mapped by many processes (libc in every
	// container) is read once.
	opened map[fileID]string
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
	path            string // as the process names it (what frames print)
	id              fileID
	// file is where gtrace reads the mapped file (mappedFile), "" when it
	// cannot be reached: its frames stay unresolved rather than named
	// after another file's symbols.
	file string
	// out is the mapping as frames carry it, made on first use.
	out *output.Mapping
}

// fileID is a mapped file's device and inode, as /proc/PID/maps gives them.
type fileID struct{ dev, ino uint64 }

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
		if fresh := readMaps(pid, ms); len(fresh) > 0 || !ok {
			ms = fresh
			u.procs[pid], u.read[pid] = ms, time.Now()
		}
	}
	m := findMapping(ms, addr)
	if m == nil {
		return "", 0, "", nil
	}
	es, err := u.open(m)
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
		u.procs, u.read, u.opened = map[uint32][]mapping{}, map[uint32]time.Time{}, map[fileID]string{}
	}
}

// open reads the symbols of the file m maps, through the path it was read
// by already when another process maps it too.
func (u *usyms) open(m *mapping) (*symbols.ELF, error) {
	if p, ok := u.opened[m.id]; ok && m.id.ino != 0 {
		return u.files(p)
	}
	if m.file == "" {
		return nil, fmt.Errorf("%s: not the file process maps (replaced, deleted, or in a mount namespace gone with its process)", m.path)
	}
	es, err := u.files(m.file)
	if err == nil && m.id.ino != 0 {
		u.opened[m.id] = m.file
	}
	return es, err
}

// mappedFile is where gtrace reads the file a process maps at path: the
// host's PATH if it is that file (its device and inode are the mapping's:
// it stays readable after the process exits), else the file the process
// sees (/proc/PID/root/PATH: in a container or under a bind mount the
// host's PATH is another file), proven the same way or, without that proof,
// because it is what the process sees (overlayfs before 6.8 shows the
// lower file's inode in maps). "" when neither is the file (it was
// replaced, or the process and its mount namespace are gone).
func mappedFile(pid uint32, path string, id fileID) string {
	if !strings.HasPrefix(path, "/") {
		return path // [vdso]
	}
	viaRoot := "/proc/" + strconv.FormatUint(uint64(pid), 10) + "/root" + path
	for _, p := range []string{path, viaRoot} {
		if sameFile(p, id) {
			return p
		}
	}
	if _, err := os.Stat(viaRoot); err == nil {
		return viaRoot
	}
	return ""
}

// sameFile reports whether path is the file id names.
func sameFile(path string, id fileID) bool {
	var st unix.Stat_t
	if unix.Stat(path, &st) != nil {
		return false
	}
	return uint64(st.Dev) == id.dev && st.Ino == id.ino
}

// parseFileID reads the "MAJOR:MINOR" (hex) and inode fields of a maps line.
func parseFileID(dev, ino string) fileID {
	maj, min, _ := strings.Cut(dev, ":")
	ma, err1 := strconv.ParseUint(maj, 16, 32)
	mi, err2 := strconv.ParseUint(min, 16, 32)
	n, err3 := strconv.ParseUint(ino, 10, 64)
	if err1 != nil || err2 != nil || err3 != nil {
		return fileID{}
	}
	return fileID{dev: unix.Mkdev(uint32(ma), uint32(mi)), ino: n}
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
	u.mu.Lock()
	defer u.mu.Unlock()
	ms := readMaps(pid, u.procs[pid])
	if len(ms) == 0 {
		return
	}
	u.init()
	// Files seen through the process's root are gone with it: read their
	// symbols now (once each), while the process still runs.
	for i := range ms {
		if m := &ms[i]; strings.HasPrefix(m.file, "/proc/") {
			if _, ok := u.opened[m.id]; !ok {
				u.open(m)
			}
		}
	}
	u.procs[pid], u.read[pid] = ms, time.Now()
}

// readMaps reads the executable file mappings of pid. A mapping that is in
// prev (an earlier read) keeps what was found for it there, so that the
// frequent snapshots of a traced process do not stat its files each time.
func readMaps(pid uint32, prev []mapping) []mapping {
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
		m := mapping{start: start, end: end, off: off, path: strings.Join(fs[5:], " "), id: parseFileID(fs[3], fs[4])}
		if old := findMapping(prev, start); old != nil && old.end == end && old.off == off && old.id == m.id && old.path == m.path {
			m.file, m.out = old.file, old.out
		} else {
			m.file = mappedFile(pid, m.path, m.id)
		}
		out = append(out, m)
	}
	return out
}
