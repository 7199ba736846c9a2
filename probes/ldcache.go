package probes

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
)

// The dynamic loader's cache, /etc/ld.so.cache, as ldconfig writes it
// (glibc 2.32+ writes only the "new" format; older ones prefix the old
// format's table). Layout of the new format, all little-endian on our
// targets:
//
//	header (48 bytes): "glibc-ld.so.cache" "1.1", nlibs u32, len_strings u32,
//	                   flags u8, pad[3], extension_offset u32, unused[3] u32
//	entries (24 bytes each): flags i32, key u32, value u32, osversion u32, hwcap u64
//
// key (the soname) and value (the path) are offsets of NUL-terminated
// strings from the start of the new header.
const (
	ldCacheOldMagic = "ld.so-1.7.0"
	ldCacheNewMagic = "glibc-ld.so.cache1.1"
	ldCacheNewHdr   = 48
	ldCacheNewEntry = 24
	ldCacheOldEntry = 12

	// The architecture bits of an entry's flags (FLAG_*_LIB64).
	ldFlagArchMask   = 0xff00
	ldFlagX8664Lib64 = 0x0300
	ldFlagAArch64    = 0x0a00
)

// ldEntry is one library of the cache: its soname and its path.
type ldEntry struct {
	Name, Path string
	Flags      int32
}

// parseLDCache reads the entries of an ld.so.cache image.
func parseLDCache(data []byte) ([]ldEntry, error) {
	le := binary.LittleEndian
	base := 0
	if bytes.HasPrefix(data, []byte(ldCacheOldMagic)) {
		// Old header: magic padded to 12 bytes, nlibs u32; then the old
		// entries; the new header follows, aligned to 8 bytes.
		if len(data) < 16 {
			return nil, errors.New("ld.so.cache: truncated")
		}
		n := int(le.Uint32(data[12:]))
		base = 16 + n*ldCacheOldEntry
		base = (base + 7) &^ 7
		if base > len(data) {
			return nil, errors.New("ld.so.cache: truncated")
		}
	}
	d := data[base:]
	if !bytes.HasPrefix(d, []byte(ldCacheNewMagic)) || len(d) < ldCacheNewHdr {
		return nil, errors.New("ld.so.cache: unknown format")
	}
	n := int(le.Uint32(d[20:]))
	if n < 0 || ldCacheNewHdr+n*ldCacheNewEntry > len(d) {
		return nil, errors.New("ld.so.cache: truncated")
	}
	str := func(off uint32) string {
		if int(off) >= len(d) {
			return ""
		}
		s := d[off:]
		if i := bytes.IndexByte(s, 0); i >= 0 {
			s = s[:i]
		}
		return string(s)
	}
	out := make([]ldEntry, 0, n)
	for i := 0; i < n; i++ {
		e := d[ldCacheNewHdr+i*ldCacheNewEntry:]
		out = append(out, ldEntry{
			Flags: int32(le.Uint32(e)),
			Name:  str(le.Uint32(e[4:])),
			Path:  str(le.Uint32(e[8:])),
		})
	}
	return out, nil
}

// archFlags is the ld.so.cache architecture of this build, 0 if unknown.
func archFlags() int32 {
	switch runtime.GOARCH {
	case "amd64":
		return ldFlagX8664Lib64
	case "arm64":
		return ldFlagAArch64
	}
	return 0
}

// libDirs are searched when the cache does not know a library.
var libDirs = []string{"/lib64", "/usr/lib64", "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu",
	"/lib/aarch64-linux-gnu", "/usr/lib/aarch64-linux-gnu", "/lib", "/usr/lib"}

// sonamePrefixes are the file names a library name stands for: "libc" and
// "c" both mean "libc.so*", as bcc and bpftrace accept.
func sonamePrefixes(name string) []string {
	if strings.HasPrefix(name, "lib") {
		return []string{name + ".so"}
	}
	return []string{"lib" + name + ".so"}
}

func matchSoname(file string, prefixes []string) bool {
	for _, p := range prefixes {
		if file == p || strings.HasPrefix(file, p+".") {
			return true
		}
	}
	return false
}

// findLibrary resolves a library name the way the dynamic loader does:
// the libraries mapped by process pid (when pid > 0), then ld.so.cache,
// then the standard directories. "" when not found.
func findLibrary(name string, pid int) string {
	prefixes := sonamePrefixes(name)
	if pid > 0 {
		for _, p := range processFiles(pid) {
			if matchSoname(filepath.Base(p), prefixes) {
				// In another mount namespace (a container) the host's
				// file of that name is another library, or none.
				return pidPath(pid, p)
			}
		}
	}
	if data, err := os.ReadFile("/etc/ld.so.cache"); err == nil {
		if ents, err := parseLDCache(data); err == nil {
			arch := archFlags()
			for _, e := range ents {
				if arch != 0 && e.Flags&ldFlagArchMask != arch {
					continue
				}
				if matchSoname(e.Name, prefixes) {
					return e.Path
				}
			}
		}
	}
	for _, dir := range libDirs {
		ents, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if matchSoname(e.Name(), prefixes) {
				return filepath.Join(dir, e.Name())
			}
		}
	}
	return ""
}

// processFiles lists the files mapped by process pid, in the order of
// /proc/PID/maps, each once.
func processFiles(pid int) []string {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/maps")
	if err != nil {
		return nil
	}
	defer f.Close()
	seen := map[string]bool{}
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 6 || !strings.HasPrefix(fs[5], "/") {
			continue
		}
		p := strings.Join(fs[5:], " ")
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	return out
}

// findInPath looks a command name up in $PATH (bpftrace's uprobe:bash:fn).
func findInPath(name string) string {
	return searchPath(name, os.Getenv("PATH"), "")
}

// findInProcessPath looks a command name up in the $PATH of process pid,
// under its root, when it lives in another mount namespace (bpftrace does
// the same: a container's commands are not the host's). "" when it is in
// ours, or the name is not found there.
func findInProcessPath(name string, pid int) string {
	if !OtherMountNS(pid) {
		return ""
	}
	env, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/environ")
	if err != nil {
		return ""
	}
	path := ""
	for _, kv := range strings.Split(string(env), "\x00") {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			path = v
		}
	}
	return searchPath(name, path, pidRoot(pid))
}

// searchPath finds the executable name in the directories of path (the
// default search path when empty), each under root.
func searchPath(name, path, root string) string {
	if path == "" {
		path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
	}
	for _, dir := range filepath.SplitList(path) {
		if dir == "" || !filepath.IsAbs(dir) {
			continue
		}
		p := root + filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() && st.Mode()&0o111 != 0 {
			return p
		}
	}
	return ""
}
