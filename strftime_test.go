package gtrace

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
	"github.com/gtrace/gtrace/probes"
)

// TestStrftimeGolden runs testdata/strftime/NAME.bt and compares its
// output with NAME.out, made by bpftrace 0.17:
//
//	TZ=UTC bpftrace [-f json] NAME.bt > NAME.out
//
// A date depends on the boot time, so each program first prints
// strftime("%s %f", 0), bpftrace's boot time to the microsecond; gtrace
// runs with that boot time and in UTC. The values the programs date are
// multiples of 1000 ns, so the unknown nanoseconds of bpftrace's boot
// time do not show. A "// format: json" line runs it with -f json.
func TestStrftimeGolden(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to load BPF programs and run BEGIN with BPF_PROG_TEST_RUN")
	}
	paths, err := filepath.Glob("testdata/strftime/*.bt")
	if err != nil || len(paths) == 0 {
		t.Fatalf("no programs in testdata/strftime (%v)", err)
	}
	k := probes.NewKernel()
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".bt")
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(strings.TrimSuffix(p, ".bt") + ".out")
			if err != nil {
				t.Fatal(err)
			}
			withBootTime(t, bpftraceBootTime(t, string(want)))
			format := ""
			if strings.Contains(string(src), "\n// format: json\n") || strings.HasPrefix(string(src), "// format: json\n") {
				format = "json"
			}
			s, err := Compile(lang.Source{Name: p, Text: string(src)}, Options{Kernel: k})
			if err != nil {
				t.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			var stamps []output.Value
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			code, err := s.Run(ctx, RunOptions{Stdout: &stdout, Stderr: &stderr, Kernel: k, Format: format})
			if err != nil || code != 0 {
				t.Fatalf("run: code %d, %v\n%s", code, err, stderr.String())
			}
			if got := stdout.String(); got != string(want) {
				t.Errorf("output differs from bpftrace 0.17's\n%s", lineDiff(string(want), got))
			}
			// The library sees the same dates, as resolved text.
			evs := make(chan Event, 256)
			if _, err := s.Run(ctx, RunOptions{Events: evs, Kernel: k}); err != nil {
				t.Fatal(err)
			}
			for ev := range evs {
				if pe, ok := ev.(PrintfEvent); ok {
					for _, a := range pe.Args {
						if a.Kind == lang.KindTimestamp {
							stamps = append(stamps, a)
						}
					}
				}
			}
			for _, a := range stamps {
				if a.Str == "" || !strings.Contains(string(want), a.Str) {
					t.Errorf("library printf argument %+v: not a date bpftrace printed", a)
				}
			}
			if len(stamps) == 0 {
				t.Error("no timestamp among the printf events' arguments")
			}
		})
	}
}

// bpftraceBootTime reads the "boot SECONDS MICROSECONDS" line of a golden.
func bpftraceBootTime(t *testing.T, golden string) bootTime {
	m := regexp.MustCompile(`boot (\d+) (\d{6})`).FindStringSubmatch(golden)
	if m == nil {
		t.Fatal("golden has no \"boot SECONDS MICROSECONDS\" line")
	}
	sec, _ := strconv.ParseInt(m[1], 10, 64)
	usec, _ := strconv.ParseInt(m[2], 10, 64)
	return bootTime{sec: sec, nsec: usec * 1000, loc: time.UTC, ok: true}
}

// withBootTime makes the runs of one test date strftime() values from b.
func withBootTime(t *testing.T, b bootTime) {
	saved := readBootTime
	readBootTime = func() bootTime { return b }
	t.Cleanup(func() { readBootTime = saved })
}

// TestStrftimeTime checks the arithmetic on its own: bpftrace 0.17's
// seconds go through a double and its microseconds wrap as uint64.
func TestStrftimeTime(t *testing.T) {
	boot := bootTime{sec: 1796649953, nsec: 612453000, loc: time.UTC, ok: true}
	for _, c := range []struct {
		ns   uint64
		want string
	}{
		{0, "2026-12-07 13:25:53.612453"},
		{1 << 56, "2029-03-20 13:25:47.650380"},
		{1700000000000000000, "2080-10-20 11:39:13.612453"},
		{1<<64 - 1000, "2026-12-07 13:25:53.612452"},
	} {
		got := output.Strftime("%Y-%m-%d %H:%M:%S.%f", strftimeTime(boot, c.ns))
		if got != c.want {
			t.Errorf("strftimeTime(%d) = %s, want %s", c.ns, got, c.want)
		}
	}
}
