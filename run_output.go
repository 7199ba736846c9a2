package gtrace

import (
	"bufio"
	"fmt"

	"github.com/gtrace/gtrace/output"
)

// sink is the renderer of a run over a buffered writer. The event loop
// flushes it whenever the ring buffer runs empty, so a terminal sees each
// line at once while a flood of events costs one write per batch.
type sink struct {
	w *bufio.Writer
	r output.Renderer
}

func newSink(opts *RunOptions) (*sink, error) {
	w := bufio.NewWriterSize(opts.Stdout, 64<<10)
	o := &sink{w: w}
	switch opts.Format {
	case "", "text":
		t := output.NewText(w)
		if opts.Console != nil {
			t.SeparateTo(opts.Console)
		}
		o.r = t
	case "json":
		j := output.NewJSON(w)
		if opts.Console != nil {
			j.SeparateTo(opts.Console)
		}
		o.r = j
	case "table":
		o.r = output.NewTable(w)
	default:
		return nil, fmt.Errorf("unknown output format %q: use text or json", opts.Format)
	}
	return o, nil
}

func (o *sink) flush() error { return o.w.Flush() }
