package probes

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/gtrace/gtrace/internal/symbols"
	"github.com/gtrace/gtrace/lang"
)

func init() {
	register(&Provider{Kind: lang.USDT, Expand: usdtExpand, List: usdtList, Attach: attachUprobe, NewestFirst: true})
}

// USDTProbe is one probe site of a `.note.stapsdt` note (SystemTap SDT v3,
// as <sys/sdt.h> writes it). A probe written at several places in the
// source has one note per site.
type USDTProbe struct {
	Provider, Name string
	// Addr is the probe's address, corrected for prelinking by the
	// .stapsdt.base section; Off is its file offset, where the uprobe goes.
	Addr, Off uint64
	// Semaphore is the address of the probe's is-enabled counter (0: none);
	// SemOff its file offset, given to the kernel as the uprobe's reference
	// counter offset so that the kernel increments it while attached (4.20+).
	Semaphore, SemOff uint64
	ArgSpec           string
	Args              []USDTArg
}

// SDT note layout: owner "stapsdt", type 3, desc = pc, base, semaphore
// (address-sized), then provider, name and argument string, NUL-terminated.
const sdtNoteType = 3

// readUSDT reads the probes of .note.stapsdt, nil when there is none.
func readUSDT(f *elf.File, ef *elfFile) ([]USDTProbe, error) {
	sec := f.Section(".note.stapsdt")
	if sec == nil {
		return nil, nil
	}
	data, err := sec.Data()
	if err != nil {
		return nil, fmt.Errorf("read .note.stapsdt: %w", err)
	}
	var baseAddr uint64
	hasBase := false
	if b := f.Section(".stapsdt.base"); b != nil {
		baseAddr, hasBase = b.Addr, true
	}
	arch := "amd64"
	if f.Machine == elf.EM_AARCH64 {
		arch = "arm64"
	}
	wordSize := 8
	if f.Class == elf.ELFCLASS32 {
		wordSize = 4
	}
	word := func(b []byte) uint64 {
		if wordSize == 4 {
			return uint64(f.ByteOrder.Uint32(b))
		}
		return f.ByteOrder.Uint64(b)
	}
	var out []USDTProbe
	var syms map[string]uint64 // read when an argument names a symbol
	for len(data) >= 12 {
		namesz := int(f.ByteOrder.Uint32(data))
		descsz := int(f.ByteOrder.Uint32(data[4:]))
		typ := f.ByteOrder.Uint32(data[8:])
		nameEnd := 12 + align4(namesz)
		descEnd := nameEnd + align4(descsz)
		if namesz < 0 || descsz < 0 || descEnd > len(data) || 12+namesz > len(data) {
			return nil, errors.New(".note.stapsdt: truncated note")
		}
		owner := strings.TrimRight(string(data[12:12+namesz]), "\x00")
		desc := data[nameEnd : nameEnd+descsz]
		data = data[descEnd:]
		if owner != "stapsdt" || typ != sdtNoteType || len(desc) < 3*wordSize {
			continue
		}
		p := USDTProbe{Addr: word(desc), Semaphore: word(desc[2*wordSize:])}
		base := word(desc[wordSize:])
		strs := bytes.SplitN(desc[3*wordSize:], []byte{0}, 4)
		if len(strs) < 3 {
			return nil, errors.New(".note.stapsdt: malformed probe strings")
		}
		p.Provider, p.Name, p.ArgSpec = string(strs[0]), string(strs[1]), string(strs[2])
		if hasBase && base != 0 {
			// Prelinked or relocated: move the addresses by as much as the
			// base section moved.
			p.Addr += baseAddr - base
			if p.Semaphore != 0 {
				p.Semaphore += baseAddr - base
			}
		}
		off, ok := ef.offset(p.Addr, true)
		if !ok {
			return nil, fmt.Errorf("usdt probe %s:%s at %#x is outside the executable segments", p.Provider, p.Name, p.Addr)
		}
		p.Off = off
		if p.Semaphore != 0 {
			if p.SemOff, ok = ef.offset(p.Semaphore, false); !ok {
				return nil, fmt.Errorf("usdt probe %s:%s: semaphore at %#x is outside the loaded segments", p.Provider, p.Name, p.Semaphore)
			}
		}
		p.Args = parseUSDTArgs(p.ArgSpec, arch)
		for i := range p.Args {
			if a := &p.Args[i]; a.sym != "" {
				// A global read %rip-relative: its address is the
				// probe's (ip when the uprobe fires) plus the distance
				// between the two in the file, wherever it is loaded.
				if syms == nil {
					syms = symbolAddrs(ef.syms)
				}
				addr, ok := syms[a.sym]
				if !ok {
					a.Err = fmt.Sprintf("usdt argument %q: symbol %s not found", a.Spec, a.sym)
					continue
				}
				a.Value += int64(addr - p.Addr)
				a.sym = ""
			}
		}
		out = append(out, p)
	}
	return out, nil
}

func align4(n int) int { return (n + 3) &^ 3 }

// symbolAddrs maps every defined symbol of the binary's own tables
// (.symtab, .dynsym; the first of a name wins) to its address: the
// globals usdt arguments read.
func symbolAddrs(syms *symbols.ELF) map[string]uint64 {
	out := map[string]uint64{}
	for _, s := range syms.Syms {
		if !s.Source.Own() {
			break // the own tables come first
		}
		name := s.BaseName()
		if _, dup := out[name]; !dup && s.Defined && s.Value != 0 {
			out[name] = s.Value
		}
	}
	return out
}

// usdtExpand: usdt:BIN:PROBE, usdt:BIN:PROVIDER:PROBE, and usdt:PROBE,
// usdt:PROVIDER:PROBE or usdt::PROVIDER:PROBE with -p (searching every file
// the process maps). An empty provider (usdt:BIN::PROBE) is any provider.
// Every site of a probe is a target.
func usdtExpand(k *Kernel, args []string) ([]Target, error) {
	var paths []string
	var provPat, namePat string
	pidForm := false
	switch {
	case args[0] == "" && len(args) == 3 && k.PID <= 0:
		return nil, errors.New("usdt probe must specify at least path or pid to probe")
	case k.PID > 0 && (len(args) < 3 && !strings.Contains(args[0], "/") || args[0] == ""):
		pidForm = true
		// Named through the process's root, as bpftrace names them
		// (usdt:/proc/PID/root/usr/lib/libx.so:prov:probe).
		for _, p := range processFiles(k.PID) {
			paths = append(paths, pidRoot(k.PID)+p)
		}
		provPat, namePat = "*", args[len(args)-1]
		if len(args) >= 2 {
			provPat = args[len(args)-2]
		}
	case len(args) < 2:
		return nil, errors.New("usdt needs a binary and a probe: usdt:/path/bin:probe")
	default:
		var err error
		if paths, err = k.resolveBinary(args[0]); err != nil {
			return nil, err
		}
		provPat, namePat = "*", args[len(args)-1]
		if len(args) == 3 {
			provPat = args[1]
		}
	}
	if provPat == "" {
		provPat = "*"
	}
	var out []Target
	for _, path := range paths {
		ef, err := k.elfFile(path)
		if err != nil {
			if pidForm || len(paths) > 1 {
				continue // one of many files: not every one is an ELF binary
			}
			return nil, err
		}
		for _, p := range ef.USDT {
			if !Match(provPat, p.Provider) || !Match(namePat, p.Name) {
				continue
			}
			out = append(out, Target{
				Provider: lang.USDT, Name: probeName(lang.USDT, path, p.Provider, p.Name),
				Path: path, USDT: p.Provider, Func: p.Name,
				FileOffset: p.Off, RefCtr: p.SemOff, USDTArgs: p.Args,
			})
		}
	}
	if len(out) == 0 {
		what := namePat
		if provPat != "*" {
			what = provPat + ":" + namePat
		}
		where := strings.Join(paths, ", ")
		if pidForm {
			where = fmt.Sprintf("the files of process %d", k.PID)
		}
		return nil, noMatch{fmt.Errorf("usdt probe %s not found in %s", what, where)}
	}
	return out, nil
}

// usdtList lists usdt:PATH:PROVIDER:NAME for the pattern after "usdt:".
func usdtList(k *Kernel, pattern string) ([]string, error) {
	args := strings.Split(pattern, ":")
	if len(args) == 1 && !(k.PID > 0) {
		args = append(args, "*")
	}
	if len(args) == 2 && k.PID == 0 {
		args = []string{args[0], "*", args[1]}
	}
	ts, err := usdtExpand(k, args)
	if errors.As(err, new(noMatch)) {
		return nil, nil // bpftrace lists nothing, successfully
	}
	if err != nil {
		return nil, err
	}
	names := targetNames(ts)
	slices.Sort(names)
	return slices.Compact(names), nil
}

// targetNames returns the names of targets after "provider:", each once.
func targetNames(ts []Target) []string {
	var out []string
	for _, t := range ts {
		_, rest, _ := strings.Cut(t.Name, ":")
		out = append(out, rest)
	}
	return slices.Compact(out)
}
