package probes

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// DefaultTracefs is where tracefs lives on kernels since 4.1 and where we
// mount it when it is missing.
const DefaultTracefs = "/sys/kernel/tracing"

// legacyTracefs is the debugfs path older systems use; debugfs automounts
// tracefs there on access (4.1+).
const legacyTracefs = "/sys/kernel/debug/tracing"

// ErrNoTracefs is wrapped by the error Tracefs returns when tracefs is not
// mounted and cannot be mounted.
var ErrNoTracefs = errors.New("tracefs is not mounted")

// isTracefs reports whether dir looks like a mounted tracefs. An unmounted
// /sys/kernel/tracing is an empty directory, so test for a file every
// tracefs has.
func isTracefs(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "available_events"))
	if err == nil {
		return true
	}
	// available_events is mode 0444 but may be unreadable without
	// privilege: the events directory is the other witness.
	st, err := os.Stat(filepath.Join(dir, "events"))
	return err == nil && st.IsDir()
}

// FindTracefs returns the directory where tracefs is mounted, without
// mounting anything: /sys/kernel/tracing, /sys/kernel/debug/tracing, or
// the first tracefs entry in /proc/mounts. It returns "" when none is found.
func FindTracefs() string {
	for _, d := range []string{DefaultTracefs, legacyTracefs} {
		if isTracefs(d) {
			return d
		}
	}
	return tracefsFromMounts("/proc/mounts")
}

// tracefsFromMounts scans a mounts table for a tracefs mount point.
func tracefsFromMounts(path string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// device mountpoint fstype options dump pass
		fs := strings.Fields(sc.Text())
		if len(fs) >= 3 && fs[2] == "tracefs" && isTracefs(unescapeMount(fs[1])) {
			return unescapeMount(fs[1])
		}
	}
	return ""
}

// unescapeMount undoes the octal escapes (\040 for a space) of /proc/mounts.
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			var v int
			if _, err := fmt.Sscanf(s[i+1:i+4], "%03o", &v); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// MountTracefs mounts tracefs at /sys/kernel/tracing. It needs root
// (CAP_SYS_ADMIN) and a kernel with CONFIG_TRACING (tracefs: 4.1+).
func MountTracefs() error {
	if err := unix.Mount("nodev", DefaultTracefs, "tracefs", 0, ""); err != nil {
		return fmt.Errorf("mount tracefs at %s: %w", DefaultTracefs, err)
	}
	return nil
}

// Tracefs finds tracefs and, when it is missing and we run as root, mounts
// it at /sys/kernel/tracing. Otherwise the error says how to mount it.
func Tracefs() (string, error) {
	if d := FindTracefs(); d != "" {
		return d, nil
	}
	return tracefsMissing(os.Geteuid() == 0)
}

// tracefsMissing mounts tracefs when allowed, or explains how to.
func tracefsMissing(mount bool) (string, error) {
	for _, d := range []string{DefaultTracefs, legacyTracefs} {
		// Mounted but closed to us (mode 0700 for root): not "missing".
		if _, err := os.Stat(filepath.Join(d, "events")); errors.Is(err, os.ErrPermission) {
			return "", fmt.Errorf("tracefs at %s: %w: run gtrace as root", d, os.ErrPermission)
		}
	}
	if !mount {
		return "", fmt.Errorf("%w: run as root, or mount it first with: sudo mount -t tracefs nodev %s", ErrNoTracefs, DefaultTracefs)
	}
	err := MountTracefs()
	if err == nil && isTracefs(DefaultTracefs) {
		return DefaultTracefs, nil
	}
	if err == nil {
		err = errors.New("mounted, but it has no events (kernel built without CONFIG_TRACING?)")
	}
	return "", fmt.Errorf("%w: %v; mount it with: mount -t tracefs nodev %s", ErrNoTracefs, err, DefaultTracefs)
}
