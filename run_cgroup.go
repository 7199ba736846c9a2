package gtrace

import (
	"bufio"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"

	"github.com/gtrace/gtrace/probes"
)

// cgroupPaths resolves cgroup_path() as bpftrace 0.17 prints it: for each
// cgroup hierarchy mounted here (/proc/mounts: a cgroup v1 hierarchy by
// its mount directory's name, the v2 one as "unified"), the path of the
// directory whose inode number is the cgroup id, "/" for the hierarchy's
// root and "" when it has none; "name:path" pairs joined by commas,
// unified first, the others by name. The optional filter is a wildcard
// over the names.
type cgroupPaths struct {
	mu    sync.Mutex
	cache map[cgroupKey]string
}

type cgroupKey struct {
	id   uint64
	root string
}

func (c *cgroupPaths) path(id uint64, filter string) string {
	if filter == "" {
		filter = "*"
	}
	var parts []string
	for _, h := range cgroupHierarchies() {
		if probes.Match(filter, h.name) {
			parts = append(parts, h.name+":"+c.pathIn(id, h.root))
		}
	}
	return strings.Join(parts, ",")
}

// pathIn finds the directory of cgroup id under one hierarchy's root.
func (c *cgroupPaths) pathIn(id uint64, root string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	key := cgroupKey{id, root}
	if p, ok := c.cache[key]; ok && inode(filepath.Join(root, p)) == id {
		return p
	}
	if c.cache == nil {
		c.cache = map[cgroupKey]string{}
	}
	if inode(root) == id {
		c.cache[key] = "/"
		return "/"
	}
	found := ""
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || p == root {
			return nil
		}
		if inode(p) == id {
			found = strings.TrimPrefix(p, root)
			return filepath.SkipAll
		}
		return nil
	})
	if found != "" {
		c.cache[key] = found
	}
	return found
}

func inode(p string) uint64 {
	var st syscall.Stat_t
	if err := syscall.Stat(p, &st); err != nil {
		return 0
	}
	return st.Ino
}

type cgroupHierarchy struct{ name, root string }

// cgroupHierarchies lists the mounted cgroup hierarchies, unified first,
// then by name.
func cgroupHierarchies() []cgroupHierarchy {
	f, err := os.Open("/proc/mounts")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []cgroupHierarchy
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Fields(sc.Text())
		if len(fs) < 3 {
			continue
		}
		switch fs[0] {
		case "cgroup":
			out = append(out, cgroupHierarchy{filepath.Base(fs[1]), fs[1]})
		case "cgroup2":
			out = append(out, cgroupHierarchy{"unified", fs[1]})
		}
	}
	slices.SortStableFunc(out, func(a, b cgroupHierarchy) int {
		switch {
		case a.name == b.name:
			return 0
		case a.name == "unified":
			return -1
		case b.name == "unified":
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	return out
}
