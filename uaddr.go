package gtrace

import (
	"fmt"

	"github.com/gtrace/gtrace/probes"
)

// elfSymbolAddr resolves uaddr("name") when the programs are generated:
// the symbol's address in the binary's ELF symbol table, as bpftrace does
// (right for non-PIE executables; a PIE's symbols move with its load
// address).
func elfSymbolAddr(k *probes.Kernel, path, name string) (uint64, error) {
	addr, _, _, err := k.UserSymbol(path, name)
	if err != nil {
		return 0, err
	}
	if addr == 0 {
		return 0, fmt.Errorf("could not resolve symbol %s:%s", path, name)
	}
	return addr, nil
}
