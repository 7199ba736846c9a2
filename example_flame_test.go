package gtrace_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/flame"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/pprof"
	"github.com/gtrace/gtrace/probes"
)

// spin burns CPU for d: something for the profile to find.
//
//go:noinline
func spin(d time.Duration) (n uint64) {
	for end := time.Now().Add(d); time.Now().Before(end); {
		for i := range 100000 {
			n += uint64(i)
		}
	}
	return n
}

// A flame graph and a pprof profile of this program at one moment: a live
// snapshot of a profile map, drawn while the probe keeps sampling (what
// --flamegraph and --pprof do with the maps at the end of a run).
func ExampleRun_Snapshot_flameGraph() {
	src := lang.Source{Name: "stdin", Text: `profile:hz:99 /pid == $1/ { @[ustack] = count(); }`}
	script, err := gtrace.Compile(src, gtrace.Options{
		Params: []string{strconv.Itoa(os.Getpid())},
		Kernel: probes.NewKernel(),
	})
	if err != nil {
		log.Fatal(err)
	}
	run, err := script.Start(context.Background(), gtrace.RunOptions{Stdout: io.Discard})
	if err != nil {
		log.Fatal(err)
	}
	defer run.Stop()
	_ = spin(time.Second) // busy: the profile samples this
	maps, err := run.Snapshot("@")
	if err != nil {
		log.Fatal(err)
	}
	var svg, profile bytes.Buffer
	if err := flame.WriteSVG(&svg, flame.FoldAll(maps), flame.Options{Title: "this program"}); err != nil {
		log.Fatal(err)
	}
	if err := pprof.Write(&profile, maps, pprof.Options{}); err != nil {
		log.Fatal(err)
	}
	// (go test strips its binaries: the frames are named after the file,
	// [gtrace.test], unless it was built with go test -c.)
	fmt.Println(strings.Count(svg.String(), `<g class="f"`) > 1, profile.Len() > 0)
	// Output: true true
}
