package codegen

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cilium/ebpf"
	"github.com/cilium/ebpf/ringbuf"

	"github.com/gtrace/gtrace/maps"
	"github.com/gtrace/gtrace/output"
	"github.com/gtrace/gtrace/probes"
)

// attachRun compiles src against this kernel, attaches its tracepoint and
// raw tracepoint programs, runs trigger and returns the printf output.
func attachRun(t *testing.T, src string, trigger func()) string {
	t.Helper()
	p := compileAgainstKernel(t, src, nil, t.Skip)
	coll, err := ebpf.NewCollection(p.Spec)
	if err != nil {
		t.Fatalf("%+v", err)
	}
	defer coll.Close()
	k := probes.NewKernel()
	for _, pr := range p.Probes {
		for i := range pr.Targets {
			var cookie uint64
			if i < len(pr.Cookies) {
				cookie = pr.Cookies[i]
			}
			// Each provider's own attach step (probes' registry); BEGIN
			// and END are not attached.
			a, err := k.Attach(&pr.Targets[i], coll.Programs[pr.Program], cookie)
			if errors.Is(err, probes.ErrNotAttachable) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
		}
	}
	rd, err := ringbuf.NewReader(coll.Maps[EventsMap])
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	trigger()
	// Stop the probes before draining, as the runtime does.
	var state [StateSize / 8]uint64
	state[0] = 1
	coll.Maps[StateMap].Put(uint32(0), state)
	rd.SetDeadline(time.Now().Add(100 * time.Millisecond))
	var b bytes.Buffer
	for {
		rec, err := rd.Read()
		if err != nil {
			break
		}
		a := p.Actions[binary.LittleEndian.Uint64(rec.RawSample)]
		var args []output.Value
		dec := &maps.Decoder{Probes: p.ProbeNames}
		for _, arg := range a.Args {
			args = append(args, dec.Decode(arg.Type, rec.RawSample[arg.Offset:]))
		}
		output.Format(&b, formatText(a), args)
	}
	return b.String()
}

func TestTracepointArgs(t *testing.T) {
	path := "/tmp/gtrace-codegen-tp-test"
	out := attachRun(t, `tracepoint:syscalls:sys_enter_openat /pid == `+itoa(os.Getpid())+` && str(args->filename) == "`+path+`"/ {
		printf("%s %d %s\n", str(args->filename), args->flags & 0x40 ? 1 : 0, probe);
	}`, func() {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
		if err == nil {
			f.Close()
			os.Remove(path)
		}
	})
	if !strings.Contains(out, path+" 1 tracepoint:syscalls:sys_enter_openat\n") {
		t.Fatalf("output %q", out)
	}
}

func TestTracepointDataLoc(t *testing.T) {
	out := attachRun(t, `tracepoint:sched:sched_process_exec /args->pid > 0/ { printf("exec %s\n", args->filename); }`, func() {
		exec.Command("/bin/true").Run()
	})
	if !strings.Contains(out, "exec /bin/true\n") && !strings.Contains(out, "exec /usr/bin/true\n") {
		t.Fatalf("output %q", out)
	}
}

func TestRawTracepointArgs(t *testing.T) {
	me := itoa(os.Getpid())
	out := attachRun(t, `rawtracepoint:sys_enter /pid == `+me+` && arg1 == 39/ { printf("getpid %d\n", arg1); }`, func() {
		os.Getpid() // Go caches nothing here: a real getpid(2) (39 on x86-64)
	})
	if !strings.Contains(out, "getpid 39\n") {
		t.Skipf("no getpid seen (syscall numbering?): %q", out)
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// TestTracepointDataLocValues uses a __data_loc string as a value: in a
// variable, a map key and value, a comparison, and through str().
func TestTracepointDataLocValues(t *testing.T) {
	out := attachRun(t, `tracepoint:sched:sched_process_exec /args->filename == "/bin/true"/ {
		$f = args->filename;
		@c[args->filename] = count();
		@s[comm] = args->filename;
		printf("%s|%s|%s|%d|%s\n", $f, str(args->filename), str(args->filename, 5), @c["/bin/true"], @s[comm]);
	}`, func() {
		exec.Command("/bin/true").Run()
	})
	// str(s, 5) keeps 5 characters, as bpftrace 0.17.
	if !strings.Contains(out, "/bin/true|/bin/true|/bin/|1|/bin/true\n") {
		t.Fatalf("output %q", out)
	}
}
