package probes

import (
	"encoding/binary"
	"fmt"

	"golang.org/x/sys/unix"
)

// CgroupID is the id the kernel gives the cgroup v2 directory at path:
// the value bpf_get_current_cgroup_id returns (the cgroup builtin) for a
// task in it. As bpftrace resolves cgroupid("path") when compiling, it is
// the directory's file handle (name_to_handle_at), which kernfs makes the
// 8-byte cgroup id; anything else (a cgroup v1 or tmpfs directory) has
// another handle and no id.
func CgroupID(path string) (uint64, error) {
	h, _, err := unix.NameToHandleAt(unix.AT_FDCWD, path, 0)
	if err != nil {
		return 0, err
	}
	if b := h.Bytes(); len(b) == 8 {
		return binary.NativeEndian.Uint64(b), nil
	}
	return 0, fmt.Errorf("not a cgroup v2 directory (its file handle has %d bytes, a cgroup id 8)", h.Size())
}
