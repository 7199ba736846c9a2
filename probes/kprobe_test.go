package probes

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// available_filter_functions, when readable, decides which kernel
// functions a kprobe names before loading, as bpftrace's is_traceable_func
// does: Debian 6.12 lists blk_account_io_start in kallsyms ('t') but not
// there, and refuses to kprobe it, so it must count as missing (biolatency
// then attaches __blk_account_io_start, or says neither is here). The
// fixture lists blk_account_io_done only; vfs_read, in this machine's
// kallsyms, is missing all the same.
func TestKprobeTraceableFromFilterFunctions(t *testing.T) {
	dir := t.TempDir()
	aff := "blk_account_io_done\nblk_account_io_completion.part.0\nnull_queue_rq [null_blk]\n"
	if err := os.WriteFile(filepath.Join(dir, "available_filter_functions"), []byte(aff), 0o644); err != nil {
		t.Fatal(err)
	}
	k := &Kernel{TracefsDir: dir}
	for _, tc := range []struct {
		kind lang.Provider
		fn   string
		ok   bool
	}{
		{lang.Kprobe, "blk_account_io_done", true},
		{lang.Kretprobe, "blk_account_io_done", true},
		{lang.Kprobe, "blk_account_io_done+4", true},
		{lang.Kprobe, "null_queue_rq", true},
		{lang.Kprobe, "blk_account_io_start", false},
		{lang.Kprobe, "vfs_read", false},
		{lang.Kprobe, "blk_account_io_completion.part.0", false}, // .part.N: not by name
	} {
		ts, err := k.Expand(ap(tc.kind, tc.fn))
		switch {
		case tc.ok && err != nil:
			t.Errorf("%s:%s: %v", tc.kind, tc.fn, err)
		case tc.ok && (len(ts) != 1 || ts[0].Func != strings.Split(tc.fn, "+")[0]):
			t.Errorf("%s:%s: targets %+v", tc.kind, tc.fn, ts)
		case !tc.ok && !errors.Is(err, ErrMissing):
			t.Errorf("%s:%s: got %v, want a missing target", tc.kind, tc.fn, err)
		}
	}
}
