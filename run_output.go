package gtrace

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"strings"

	"github.com/gtrace/gtrace/flame"
	"github.com/gtrace/gtrace/output"
)

// outputFormat is one value of -f: its name and how to make its renderer
// over the run's buffered output.
type outputFormat struct {
	name string
	make func(w io.Writer, opts *RunOptions) output.Renderer
}

// outputFormats is the one list of output formats (-f, RunOptions.Format),
// in the order help texts show them.
var outputFormats = []outputFormat{
	{"text", func(w io.Writer, opts *RunOptions) output.Renderer {
		t := output.NewText(w)
		t.MessagesTo(opts.Stderr)
		if opts.Console != nil {
			t.SeparateTo(opts.Console)
		}
		return t
	}},
	{"json", func(w io.Writer, opts *RunOptions) output.Renderer {
		j := output.NewJSON(w)
		if opts.Console != nil {
			j.SeparateTo(opts.Console)
		}
		return j
	}},
	{"table", func(w io.Writer, opts *RunOptions) output.Renderer {
		t := output.NewTable(w)
		t.MessagesTo(opts.Stderr)
		return t
	}},
	// Folded stacks are data for other tools: the "Attaching" message
	// goes to stderr, out of the way.
	{"folded", func(w io.Writer, opts *RunOptions) output.Renderer { return flame.NewFolded(w, opts.Stderr) }},
}

// OutputFormats returns the names of the output formats RunOptions.Format
// (and the command's -f) accepts.
func OutputFormats() []string {
	names := make([]string, len(outputFormats))
	for i, f := range outputFormats {
		names[i] = f.name
	}
	return names
}

// sink is the renderer of a run over a buffered writer. The event loop
// flushes it whenever the ring buffer runs empty, so a terminal sees each
// line at once while a flood of events costs one write per batch.
type sink struct {
	w    *bufio.Writer
	r    output.Renderer
	held *holdWriter
}

func newSink(opts *RunOptions) (*sink, error) {
	if deliver := deliverTo(opts); deliver != nil {
		held := &holdWriter{w: io.Discard}
		return &sink{w: bufio.NewWriter(held), r: &eventRenderer{deliver: deliver}, held: held}, nil
	}
	held := &holdWriter{w: opts.Stdout}
	w := bufio.NewWriterSize(held, 64<<10)
	name := opts.Format
	if name == "" {
		name = "text"
	}
	for _, f := range outputFormats {
		if f.name == name {
			return &sink{w: w, r: f.make(w, opts), held: held}, nil
		}
	}
	return nil, fmt.Errorf("unknown output format %q: use %s", opts.Format, strings.Join(OutputFormats(), ", "))
}

func (o *sink) flush() error { return o.w.Flush() }

// hold keeps everything written from now on in memory until release: the
// "Attaching" line and BEGIN's output appear only once every probe is
// acting, so a reader that waits for them (a person, a runbook, a test)
// knows that the events it causes from then on are seen.
func (o *sink) hold() {
	o.w.Flush()
	o.held.buf = new(bytes.Buffer)
	if e, ok := o.r.(*eventRenderer); ok {
		e.hold()
	}
}

// release writes what was held and lets the output through again.
func (o *sink) release() error {
	if err := o.w.Flush(); err != nil {
		return err
	}
	if e, ok := o.r.(*eventRenderer); ok {
		e.release()
	}
	buf := o.held.buf
	if buf == nil {
		return nil
	}
	o.held.buf = nil
	_, err := o.held.w.Write(buf.Bytes())
	return err
}

// holdWriter passes writes through, or keeps them in buf while held.
type holdWriter struct {
	w   io.Writer
	buf *bytes.Buffer
}

func (h *holdWriter) Write(p []byte) (int, error) {
	if h.buf != nil {
		return h.buf.Write(p)
	}
	return h.w.Write(p)
}

// NewRenderer returns the renderer of an output format (one of
// OutputFormats) writing maps to w outside a run, as `gtrace merge` prints
// them: without the two newlines a run writes before its maps at exit;
// messages of the format (folded's notes) go to stderr.
func NewRenderer(w io.Writer, format string, stderr io.Writer) (output.Renderer, error) {
	for _, f := range outputFormats {
		if f.name == format {
			return f.make(w, &RunOptions{Console: io.Discard, Stderr: stderr}), nil
		}
	}
	return nil, fmt.Errorf("unknown output format %q (want one of %s)", format, strings.Join(OutputFormats(), ", "))
}
