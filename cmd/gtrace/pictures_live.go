package main

import (
	"bytes"
	"net/http"
	"time"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/flame"
	"github.com/gtrace/gtrace/pprof"
)

// servePictures adds the stack maps as they are at the moment of the
// request to the --metrics server: /flamegraph.svg (?icicle for the
// upside-down graph) and /pprof (a profile for go tool pprof, or for
// Pyroscope and Parca to pull). A script without stack maps gets neither.
func servePictures(mux *http.ServeMux, run *gtrace.Run, script *gtrace.Script, c *config, attached time.Time) {
	names := stackMaps(script)
	if len(names) == 0 {
		return
	}
	about := describe(c)
	mux.HandleFunc("/flamegraph.svg", func(w http.ResponseWriter, r *http.Request) {
		ms, err := run.Snapshot(names...)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
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
		ms, err := run.Snapshot(names...)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		var buf bytes.Buffer
		opts := pprof.Options{Comments: []string{"gtrace " + about}, Start: attached, Duration: time.Since(attached), Maps: names}
		if err := pprof.Write(&buf, ms, opts); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Header().Set("Content-Disposition", `attachment; filename="gtrace.pb.gz"`)
		w.Write(buf.Bytes())
	})
}
