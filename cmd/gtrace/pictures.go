package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/flame"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
	"github.com/gtrace/gtrace/pprof"
)

// pictures are the files written from the stack maps at the end of a run.
type pictures struct {
	flamegraph string // --flamegraph FILE.svg
	icicle     bool   // --icicle
	pprof      string // --pprof FILE
}

func (p *pictures) wanted() bool { return p.flamegraph != "" || p.pprof != "" }

// checkPictures refuses --flamegraph and --pprof for a script without a
// map they could draw, before anything is traced.
func checkPictures(script *gtrace.Script, p *pictures) error {
	if !p.wanted() {
		return nil
	}
	if len(stackMaps(script)) > 0 {
		return nil
	}
	flag := "--flamegraph"
	if p.flamegraph == "" {
		flag = "--pprof"
	}
	return fmt.Errorf("%s needs a map keyed by kstack or ustack with a count(), sum() or integer value, e.g. @[ustack, comm] = count(); this script has none", flag)
}

// stackMaps names the script's maps that --flamegraph and --pprof draw.
func stackMaps(script *gtrace.Script) []string {
	var names []string
	for name, m := range script.Info.Maps {
		if flame.FoldableType(m.Key, m.Value) {
			names = append(names, "@"+name)
		}
	}
	slices.Sort(names)
	return names
}

// writePictures writes the flame graph and the profile of the maps read at
// the end of the run.
func writePictures(c *config, script *gtrace.Script, ms []*output.Map, started time.Time) error {
	p := &c.pictures
	about := describe(c)
	if p.flamegraph != "" {
		samples := flame.FoldAll(ms)
		opts := flame.Options{Subtitle: about, Icicle: p.icicle, Unit: unitOf(ms)}
		var buf bytes.Buffer
		if err := flame.WriteSVG(&buf, samples, opts); err != nil {
			return fmt.Errorf("--flamegraph: %w", err)
		}
		if err := os.WriteFile(p.flamegraph, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("--flamegraph: %w", err)
		}
	}
	if p.pprof != "" {
		var buf bytes.Buffer
		opts := pprof.Options{Comments: []string{"gtrace " + about}, Start: started, Duration: time.Since(started), Maps: stackMaps(script)}
		if err := pprof.Write(&buf, ms, opts); err != nil {
			return fmt.Errorf("--pprof: %w", err)
		}
		if err := os.WriteFile(p.pprof, buf.Bytes(), 0o644); err != nil {
			return fmt.Errorf("--pprof: %w", err)
		}
	}
	return nil
}

// describe is the script as a subtitle: a one-liner as written (cut when
// long), a script file by its name.
func describe(c *config) string {
	if c.program == "" {
		return filepath.Base(c.file)
	}
	src := strings.Join(strings.Fields(c.program), " ")
	if len(src) > 160 {
		src = src[:157] + "..."
	}
	return "-e '" + src + "'"
}

// unitOf names what the drawn maps count: samples when they all count().
func unitOf(ms []*output.Map) string {
	for _, m := range ms {
		if flame.FoldableMap(m) && m.Kind != lang.KindCount {
			return "units"
		}
	}
	return "samples"
}
