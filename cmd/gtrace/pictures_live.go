package main

import (
	"bytes"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/flame"
	"github.com/gtrace/gtrace/output"
	"github.com/gtrace/gtrace/pprof"
)

// maxWindow bounds ?seconds=N of the live pictures.
const maxWindow = time.Hour

// servePictures adds the stack maps to the --metrics server:
// /flamegraph.svg (?icicle for the upside-down graph) and /pprof (a
// profile for go tool pprof, or for Pyroscope and Parca to pull). Both
// show the maps as they are at the request, or with ?seconds=N what they
// gained over the next N seconds (a delta profile, what pull-based
// profilers ask /debug/pprof/profile for). A script without stack maps
// gets neither.
func servePictures(mux *http.ServeMux, run *gtrace.Run, script *gtrace.Script, c *config, attached time.Time) {
	names := stackMaps(script)
	if len(names) == 0 {
		return
	}
	about := describe(c)
	mux.HandleFunc("/flamegraph.svg", func(w http.ResponseWriter, r *http.Request) {
		ms, _, _, err := window(r, run, names, attached)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var buf bytes.Buffer
		opts := flame.Options{Subtitle: about, Icicle: r.URL.Query().Has("icicle"), Unit: unitOf(ms)}
		if err := flame.WriteSVG(&buf, flame.FoldAll(ms), opts); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Write(buf.Bytes())
	})
	mux.HandleFunc("/pprof", func(w http.ResponseWriter, r *http.Request) {
		ms, start, length, err := window(r, run, names, attached)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var buf bytes.Buffer
		opts := pprof.Options{Comments: []string{"gtrace " + about}, Start: start, Duration: length, Maps: names}
		if err := pprof.Write(&buf, ms, opts); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="gtrace.pb.gz"`)
		w.Write(buf.Bytes())
	})
}

// window reads the stack maps for a request: as they are, counted since
// the probes were attached, or with ?seconds=N their growth over the next
// N seconds (shorter when the run ends first). It returns the maps and
// the time they cover.
func window(r *http.Request, run *gtrace.Run, names []string, attached time.Time) ([]*output.Map, time.Time, time.Duration, error) {
	s := r.URL.Query().Get("seconds")
	if s == "" {
		ms, err := run.Snapshot(names...)
		return ms, attached, time.Since(attached), err
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || time.Duration(n)*time.Second > maxWindow {
		return nil, time.Time{}, 0, fmt.Errorf("seconds=%q: want a whole number of seconds from 1 to %d", s, int(maxWindow.Seconds()))
	}
	start := time.Now()
	before, err := run.Snapshot(names...)
	if err != nil {
		return nil, time.Time{}, 0, err
	}
	select {
	case <-time.After(time.Duration(n) * time.Second):
	case <-run.Done():
	case <-r.Context().Done():
		return nil, time.Time{}, 0, r.Context().Err()
	}
	after, err := run.Snapshot(names...)
	if err != nil {
		return nil, time.Time{}, 0, err
	}
	for i := range after {
		after[i] = flame.Since(after[i], before[i])
	}
	return after, start, time.Since(start), nil
}
