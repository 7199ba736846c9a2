package gtrace

import (
	"bufio"
	"os"
	"strconv"
	"strings"
)

// kallsymsAddr resolves kaddr("name") when the programs are generated: the
// address of a kernel symbol from /proc/kallsyms (root sees real
// addresses; others see zeros, which count as not found). It scans the
// file once per call, which happens only for scripts that use kaddr.
func kallsymsAddr(name string) (uint64, bool) {
	f, err := os.Open("/proc/kallsyms")
	if err != nil {
		return 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		// "ffffffff82a1c0e0 D avenrun" or "... t name\t[module]"
		addr, rest, ok := strings.Cut(line, " ")
		if !ok || len(rest) < 3 {
			continue
		}
		sym := rest[2:]
		if i := strings.IndexByte(sym, '\t'); i >= 0 {
			sym = sym[:i]
		}
		if sym != name {
			continue
		}
		a, err := strconv.ParseUint(addr, 16, 64)
		if err != nil || a == 0 {
			return 0, false
		}
		return a, true
	}
	return 0, false
}
