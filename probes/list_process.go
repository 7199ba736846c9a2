package probes

import (
	"bufio"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// listProcess is -l with -p PID: the uprobes and usdt probes of the
// process's executable, then of each library it has mapped, named as
// bpftrace names them (/proc/PID/root/PATH, which reaches the file in the
// process's own mount namespace too). pattern's provider part picks uprobe
// and/or usdt; the rest matches the whole name or the function (usdt: the
// probe). bpftrace 0.17 lists the executable alone; later versions add
// the libraries.
func (k *Kernel) listProcess(provPat, rest string, w io.Writer, verbose bool) error {
	files := processELFFiles(k.PID)
	bw := bufio.NewWriter(w)
	for _, kind := range []lang.Provider{lang.Uprobe, lang.USDT} {
		p := Lookup(kind)
		if p == nil || p.List == nil || !Match(provPat, kind.String()) {
			continue
		}
		for _, f := range files {
			pattern := f + ":*"
			if kind == lang.USDT {
				pattern = f + ":*:*"
			}
			names, err := p.List(k, pattern)
			if err != nil {
				continue // not an ELF file, or unreadable: nothing to list
			}
			for _, n := range names {
				fn := n[strings.LastIndexByte(n, ':')+1:]
				if !Match(rest, n) && !Match(rest, fn) {
					continue
				}
				bw.WriteString(kind.String())
				bw.WriteByte(':')
				bw.WriteString(n)
				bw.WriteByte('\n')
				if verbose && p.Params != nil {
					for _, line := range p.Params(k, n) {
						bw.WriteString("    ")
						bw.WriteString(line)
						bw.WriteByte('\n')
					}
				}
			}
		}
	}
	return bw.Flush()
}

// processELFFiles lists the executable of process pid, then the other
// files it has mapped (libraries, and data files that listing skips), as
// /proc/PID/root/PATH.
func processELFFiles(pid int) []string {
	root := "/proc/" + strconv.Itoa(pid) + "/root"
	var out []string
	exe, err := os.Readlink("/proc/" + strconv.Itoa(pid) + "/exe")
	exe = strings.TrimSuffix(exe, " (deleted)")
	if err == nil {
		out = append(out, root+exe)
	}
	for _, f := range processFiles(pid) {
		if f != exe && !strings.HasSuffix(f, " (deleted)") {
			out = append(out, root+f)
		}
	}
	return out
}

// listsProcess reports whether -l lists the probes of the -p process: a
// pattern of user probes (or any provider) that names no binary
// ("uprobe:*readline*"; "uprobe:libc:getpid" is listed as always, with
// libc resolved in the process).
func listsProcess(provPat, rest string) bool {
	if strings.Contains(rest, ":") {
		return false
	}
	if HasWildcard(provPat) {
		return true
	}
	kind, ok := lang.LookupProvider(provPat)
	return ok && (kind == lang.Uprobe || kind == lang.USDT)
}
