package gtrace

import (
	"encoding/binary"
	"runtime"
	"sync"
	"testing"
	"unsafe"

	"golang.org/x/sys/unix"
)

// breakpointTarget is written by breakpointsFire under a write breakpoint.
var breakpointTarget uint64

var (
	breakpointOnce   sync.Once
	breakpointReason string
)

// breakpointsFire finds out whether hardware breakpoints fire on this
// machine (some virtual machines accept PERF_TYPE_BREAKPOINT events but
// never trigger them): a write breakpoint on a variable of this test
// process, on this thread, counts one write. It returns "" when they
// fire, else why not.
func breakpointsFire() string {
	breakpointOnce.Do(func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		attr := unix.PerfEventAttr{
			Type:    unix.PERF_TYPE_BREAKPOINT,
			Size:    uint32(unsafe.Sizeof(unix.PerfEventAttr{})),
			Sample:  1,
			Bits:    unix.PerfBitDisabled | unix.PerfBitExcludeKernel | unix.PerfBitExcludeHv,
			Bp_type: 2, // HW_BREAKPOINT_W
			Ext1:    uint64(uintptr(unsafe.Pointer(&breakpointTarget))),
			Ext2:    8,
		}
		fd, err := unix.PerfEventOpen(&attr, 0, -1, -1, unix.PERF_FLAG_FD_CLOEXEC)
		if err != nil {
			breakpointReason = "the kernel refuses breakpoint events: " + err.Error()
			return
		}
		defer unix.Close(fd)
		if err := unix.IoctlSetInt(fd, unix.PERF_EVENT_IOC_ENABLE, 0); err != nil {
			breakpointReason = "enabling a breakpoint event: " + err.Error()
			return
		}
		for i := range 3 {
			*(*uint64)(unsafe.Pointer(&breakpointTarget)) = uint64(i) + 1
		}
		var buf [8]byte
		if n, err := unix.Read(fd, buf[:]); err != nil || n != 8 {
			breakpointReason = "reading a breakpoint event's count failed"
			return
		}
		if binary.NativeEndian.Uint64(buf[:]) == 0 {
			breakpointReason = "hardware breakpoints are accepted but never fire on this machine"
		}
	})
	return breakpointReason
}

func TestBreakpointsFireProbe(t *testing.T) {
	needRoot(t)
	if why := breakpointsFire(); why != "" {
		t.Skip(why)
	}
}
