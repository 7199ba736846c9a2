package probes

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

func init() {
	for _, kind := range []lang.Provider{lang.Uprobe, lang.Uretprobe} {
		register(&Provider{
			Kind:   kind,
			Expand: func(k *Kernel, args []string) ([]Target, error) { return uprobeExpand(k, kind, args) },
			List:   func(k *Kernel, pattern string) ([]string, error) { return uprobeList(k, kind, pattern) },
			Params: uprobeParams,
			Attach: attachUprobe,
			// Consumers of one uprobe run newest first.
			NewestFirst: true,
		})
	}
}

// uprobeExpand handles uprobe:BIN:FN, BIN:FN+OFF, BIN:0xADDR, BIN:LANG:FN
// (bpftrace's "cpp" language component) and, with -p, uprobe:FN in the
// process's executable. BIN is a path (globs allowed), a command in $PATH
// or a library name resolved as the dynamic loader does (libc, c).
// Wildcards in FN match the ELF function symbols; each match is a target.
// A C++ function also matches by its demangled name, as in bpftrace
// (uprobe:bin:"ns::func" is every overload, "ns::func(int)" one of them);
// its probe is still named by the ELF symbol.
func uprobeExpand(k *Kernel, kind lang.Provider, args []string) ([]Target, error) {
	var bin, fn, language string
	switch len(args) {
	case 1:
		if k.PID <= 0 {
			return nil, fmt.Errorf("%s needs a binary and a function: %s:/bin/bash:readline", kind, kind)
		}
		bin, fn = "/proc/"+strconv.Itoa(k.PID)+"/exe", args[0]
		if exe, err := os.Readlink(bin); err == nil && filepath.IsAbs(exe) && checkBinary(pidRoot(k.PID)+exe) == nil {
			// The name bpftrace shows: the executable as the process's
			// mount namespace has it (uprobe:/proc/PID/root/usr/bin/x:fn).
			bin = pidRoot(k.PID) + exe
		}
	case 2:
		bin, fn = args[0], args[1]
	case 3:
		if args[1] != "cpp" && args[1] != "c" && args[1] != "" {
			return nil, fmt.Errorf("unknown language %q in %s probe (want cpp)", args[1], kind)
		}
		bin, fn, language = args[0], args[2], args[1]
	default:
		return nil, fmt.Errorf("%s has too many ':' components: quote a C++ name, %s:%s:\"ns::func\"", kind, kind, args[0])
	}
	if fn == "" {
		return nil, fmt.Errorf("%s needs a function: %s:%s:FUNC", kind, kind, bin)
	}
	paths, err := k.resolveBinary(bin)
	if err != nil {
		return nil, err
	}
	var out []Target
	for _, path := range paths {
		ts, err := uprobeTargets(k, kind, path, language, fn)
		if err != nil {
			if len(paths) > 1 && HasWildcard(fn) {
				continue // a glob over binaries: some have no match
			}
			return nil, err
		}
		out = append(out, ts...)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no function matches %s in %s", fn, strings.Join(paths, ", "))
	}
	return out, nil
}

// uprobeTargets expands FN in the binary at path. A language component
// ("cpp") stays in the probe names, as bpftrace 0.26 names them
// (uprobe:/bin/x:cpp:_ZN2ns4funcEi).
func uprobeTargets(k *Kernel, kind lang.Provider, path, language, fn string) ([]Target, error) {
	ef, err := k.elfFile(path)
	if err != nil {
		return nil, err
	}
	mk := func(name string, addr, off uint64) Target {
		full := probeName(kind, path, name)
		if language != "" {
			full = probeName(kind, path, language, name)
		}
		return Target{Provider: kind, Name: full, Path: path, FileOffset: off, Addr: addr}
	}
	// An address: a virtual address of the ELF file.
	if strings.HasPrefix(fn, "0x") {
		a, err := strconv.ParseUint(fn[2:], 16, 64)
		if err != nil {
			return nil, fmt.Errorf("bad address %q", fn)
		}
		off, ok := ef.offset(a, true)
		if !ok {
			return nil, fmt.Errorf("address %s is not in an executable segment of %s", fn, path)
		}
		// bpftrace names address probes in decimal: uprobe:/bin/x:4473.
		t := mk(strconv.FormatUint(a, 10), a, off)
		if s, ok := ef.containing(a); ok {
			t.Func = s.Name
		}
		return []Target{t}, nil
	}
	if len(ef.Funcs) == 0 {
		return nil, noMatch{fmt.Errorf("%s has no symbols (stripped binary): cannot find %s; probe an address instead (%s:%s:0xADDR)", path, fn, kind, path)}
	}
	if HasWildcard(fn) {
		var out []Target
		dm := ef.demangledNames()
		for i, s := range ef.Funcs {
			if Match(fn, s.Name) || dm[i] != "" && matchDemangled(fn, dm[i]) {
				t := mk(s.Name, s.Addr, s.Off)
				t.Func = s.Name
				out = append(out, t)
			}
		}
		if len(out) == 0 {
			return nil, noMatch{fmt.Errorf("no function matches %s in %s", fn, path)}
		}
		return out, nil
	}
	name, offText, hasOff := strings.Cut(fn, "+")
	s, ok := ef.lookup(name)
	if !ok {
		cpp := ef.lookupDemangled(name)
		switch {
		case len(cpp) == 0:
			return nil, missing(fmt.Errorf("function %s not found in %s", name, path))
		case !hasOff:
			out := make([]Target, len(cpp))
			for i, s := range cpp {
				out[i] = mk(s.Name, s.Addr, s.Off)
				out[i].Func = s.Name
			}
			return out, nil
		case len(cpp) > 1:
			return nil, fmt.Errorf("%s names %d functions in %s (overloads): give the parameters, %s(...)+%s", name, len(cpp), path, name, offText)
		}
		s = cpp[0]
		fn = s.Name + "+" + offText
	}
	t := mk(fn, s.Addr, s.Off)
	t.Func = s.Name
	if hasOff {
		if kind == lang.Uretprobe {
			return nil, errors.New("uretprobe does not take an offset")
		}
		n, err := strconv.ParseUint(offText, 0, 64)
		if err != nil {
			return nil, fmt.Errorf("bad offset %q in %s", offText, fn)
		}
		if s.Size != 0 && n >= s.Size {
			return nil, fmt.Errorf("offset %s is past the end of %s (%d bytes)", offText, name, s.Size)
		}
		if ok, err := onInstruction(path, ef.Machine, s.Off, n); err != nil || !ok {
			// Refused at compile time unless --unsafe (CheckPlacement).
			t.misplaced, t.placeErr = fmt.Sprintf("%s:%s+%d", path, name, n), err
		}
		t.Offset = n
		t.FileOffset += n
	}
	return []Target{t}, nil
}

// containing finds the function holding address a.
func (f *elfFile) containing(a uint64) (elfFunc, bool) {
	for _, s := range f.Funcs {
		if a >= s.Addr && (a < s.Addr+s.Size || a == s.Addr) {
			return s, true
		}
	}
	return elfFunc{}, false
}

// resolveBinary turns the binary component of a uprobe or usdt probe into
// paths: a path (a glob matching several files), else a command in $PATH,
// else a library name (findLibrary). Errors name what was not found.
func (k *Kernel) resolveBinary(bin string) ([]string, error) {
	if k.PID > 0 && filepath.IsAbs(bin) {
		// -p: the path as the process sees it (bpftrace's
		// /proc/PID/root/PATH when it runs in another mount namespace).
		bin = pidPath(k.PID, bin)
	}
	if strings.Contains(bin, "/") {
		if HasWildcard(bin) {
			paths, _ := filepath.Glob(bin)
			var out []string
			for _, p := range paths {
				if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
					if strings.HasPrefix(bin, "./") {
						p = "./" + p // Glob cleans it away; bpftrace names keep it
					}
					out = append(out, p)
				}
			}
			if len(out) == 0 {
				return nil, missing(fmt.Errorf("no binary matches %s", bin))
			}
			return out, nil
		}
		err := checkBinary(bin)
		if errors.Is(err, fs.ErrNotExist) {
			err = missing(err)
		}
		return []string{bin}, err
	}
	if HasWildcard(bin) {
		return nil, fmt.Errorf("binary %q: wildcards need a path (/usr/lib/*/%s)", bin, bin)
	}
	if k.PID > 0 {
		// A library mapped by the process wins over the system's, and
		// a command of its own $PATH in a container over the host's.
		if p := findLibrary(bin, k.PID); p != "" {
			return []string{p}, nil
		}
		if p := findInProcessPath(bin, k.PID); p != "" {
			return []string{p}, nil
		}
	}
	if p := findInPath(bin); p != "" {
		return []string{p}, nil
	}
	if p := findLibrary(bin, k.PID); p != "" {
		return []string{p}, nil
	}
	return nil, missing(fmt.Errorf("binary %s not found (not a path, a command in $PATH or a library known to ld.so.cache)", bin))
}

// uprobeList lists uprobe:PATH:FUNC for the pattern after "uprobe:"
// ("/bin/bash:read*", "libc:*", "/bin/bash" for every function,
// `./app:"ns::func*"` for C++ functions by their demangled names).
func uprobeList(k *Kernel, kind lang.Provider, pattern string) ([]string, error) {
	args := splitQuoted(pattern)
	if len(args) == 1 && k.PID <= 0 {
		args = append(args, "*")
	}
	if args[len(args)-1] == "" {
		args[len(args)-1] = "*"
	}
	ts, err := uprobeExpand(k, kind, args)
	if errors.As(err, new(noMatch)) {
		return nil, nil // bpftrace lists nothing, successfully
	}
	if err != nil {
		return nil, err
	}
	names := targetNames(ts)
	slices.Sort(names)
	names = slices.Compact(names)
	if len(args) == 3 && args[1] == "cpp" {
		// In the order of the mangled names, as bpftrace lists them.
		for i, n := range names {
			names[i] = quoteDemangled(n)
		}
	}
	return names, nil
}

// quoteDemangled turns "PATH:cpp:_ZN2ns4funcEi" into bpftrace 0.26's
// listing of the cpp language, PATH:cpp:"ns::func(int)": the demangled
// name, quoted so that the line is an attach point as it stands.
func quoteDemangled(name string) string {
	i := strings.LastIndex(name, ":cpp:")
	if i < 0 {
		return name
	}
	d := demangled(name[i+len(":cpp:"):])
	if d == "" {
		return name
	}
	return name[:i+len(":cpp:")] + `"` + d + `"`
}

// CheckPlacement says whether a uprobe target may be attached: an offset
// into a function that does not start an instruction (uprobe:bin:fn+3) is
// an error, or with unsafe (--unsafe) a warning, in bpftrace's words; so
// is an offset whose instruction boundary could not be checked.
func (t *Target) CheckPlacement(unsafe bool) (warning string, err error) {
	what := t.Provider.String()
	switch {
	case t.misplaced == "":
		return "", nil
	case t.placeErr != nil && unsafe:
		return fmt.Sprintf("Unchecked %s: %s (%v)", what, t.misplaced, t.placeErr), nil
	case t.placeErr != nil:
		return "", fmt.Errorf("Failed to check if %s is in proper place: %s (%w)", what, t.misplaced, t.placeErr)
	case unsafe:
		return fmt.Sprintf("Unsafe %s in the middle of the instruction: %s", what, t.misplaced), nil
	}
	return "", fmt.Errorf("Could not add %s into middle of instruction: %s", what, t.misplaced)
}

// pidRoot is the root directory of process pid, through which its files
// are reached in its own mount namespace.
func pidRoot(pid int) string { return "/proc/" + strconv.Itoa(pid) + "/root" }

// pidPath is the absolute path p as process pid sees it: through
// /proc/PID/root when the process lives in another mount namespace (a
// container, where /usr/bin/app may be another file than the host's, or a
// bind mount over it), else p itself. The kernel places uprobes on the
// inode the path leads to, so this is the file the process runs.
func pidPath(pid int, p string) string {
	root := pidRoot(pid)
	if strings.HasPrefix(p, root+"/") || !OtherMountNS(pid) {
		return p
	}
	return root + p
}

// OtherMountNS reports whether process pid lives in another mount
// namespace than gtrace (its /proc/PID/ns/mnt differs from ours). An
// unreadable namespace counts as the same one, as for bpftrace.
func OtherMountNS(pid int) bool {
	ours, err1 := os.Readlink("/proc/self/ns/mnt")
	theirs, err2 := os.Readlink("/proc/" + strconv.Itoa(pid) + "/ns/mnt")
	return err1 == nil && err2 == nil && ours != theirs
}

// splitQuoted splits an attach point's components on ':' outside double
// quotes and removes the quotes, as the script parser does: a C++ name
// such as "ns::func" is one component.
func splitQuoted(s string) []string {
	var out []string
	var cur strings.Builder
	quoted := false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '"':
			quoted = !quoted
		case c == ':' && !quoted:
			out = append(out, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	return append(out, cur.String())
}
