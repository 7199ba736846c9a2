package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"time"

	"github.com/gtrace/gtrace"
	"github.com/gtrace/gtrace/metrics"
	"github.com/gtrace/gtrace/output"
)

// runSource is a run as the exporter reads it.
type runSource struct {
	run      *gtrace.Run
	attached time.Time
}

func (s runSource) Snapshot(names ...string) ([]*output.Map, error) { return s.run.Snapshot(names...) }

func (s runSource) Health() metrics.Health {
	l := s.run.Losses()
	return metrics.Health{LostEvents: l.Events, MapUpdateFailures: l.MapUpdates, Probes: s.run.Probes(), Running: time.Since(s.attached)}
}

// serveMetrics serves the run's maps at /metrics on ln (--metrics), its
// stack maps as a flame graph and a profile (servePictures), and
// returns the function that stops serving, letting scrapes in flight
// finish (bounded).
func serveMetrics(ln net.Listener, run *gtrace.Run, script *gtrace.Script, c *config, stderr io.Writer) func() {
	attached := time.Now()
	col := metrics.NewCollector(runSource{run: run, attached: attached}, script.Program, metrics.Options{MaxKeys: c.metricsMaxKeys, Warnings: stderr})
	mux := http.NewServeMux()
	mux.Handle("/metrics", metrics.Handler(col))
	servePictures(mux, run, script, c, attached)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
	}
}
