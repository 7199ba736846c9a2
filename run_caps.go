package gtrace

import (
	"errors"

	"github.com/gtrace/gtrace/probes"
)

// missingCaps names the capabilities gtrace lacks; only consulted after a
// permission error.
func missingCaps() []string { return probes.MissingCaps() }

// permissionHint says what to do after EPERM/EACCES from the kernel.
func permissionHint() string {
	if hint := probes.MissingCapsHint(); hint != "" {
		return hint
	}
	return "run gtrace as root (or with CAP_BPF and CAP_PERFMON); check kernel.unprivileged_bpf_disabled and lockdown"
}

// CheckCapabilities returns an error naming the capabilities this process
// lacks to load and attach programs (CAP_BPF and CAP_PERFMON, or
// CAP_SYS_ADMIN for both), or nil. The command checks before compiling, so
// that an unprivileged user reads one line about privilege rather than
// whatever fails first (tracefs is root's only).
func CheckCapabilities() error {
	if len(missingCaps()) > 0 {
		return errors.New(permissionHint())
	}
	return nil
}
