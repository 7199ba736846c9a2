package gtrace

import (
	"slices"

	"github.com/gtrace/gtrace/output"
)

// eventRenderer is the renderer of a run whose events go to the embedding
// program (RunOptions.Events, RunOptions.OnEvent) rather than to a
// printer: each renderer call becomes one typed Event.
type eventRenderer struct {
	deliver func(Event)
	// held keeps the events while the sink holds its output (sink.hold):
	// the AttachEvent and BEGIN's events come once the probes act, as
	// the printed lines do.
	held    []Event
	holding bool
}

// send delivers e, or keeps it while held.
func (e *eventRenderer) send(ev Event) {
	if e.holding {
		e.held = append(e.held, ev)
		return
	}
	e.deliver(ev)
}

func (e *eventRenderer) hold() { e.holding = true }

// release delivers the events held, in order.
func (e *eventRenderer) release() {
	e.holding = false
	held := e.held
	e.held = nil
	for _, ev := range held {
		e.deliver(ev)
	}
}

// deliverTo returns the function that hands events to opts.OnEvent or
// opts.Events (a blocking send: a reader that falls behind holds up the
// event loop, the ring buffer fills, and the kernel counts what it drops),
// or nil when the run prints its events.
func deliverTo(opts *RunOptions) func(Event) {
	switch {
	case opts.OnEvent != nil:
		return opts.OnEvent
	case opts.Events != nil:
		ch := opts.Events
		return func(e Event) { ch <- e }
	}
	return nil
}

func (e *eventRenderer) AttachedProbes(n int) error {
	e.send(AttachEvent{Probes: n})
	return nil
}

// Printf delivers the arguments (a copy: the runner reuses its slice) and
// the formatted text.
func (e *eventRenderer) Printf(format string, args []output.Value) error {
	e.send(PrintfEvent{Format: format, Args: slices.Clone(args), Text: string(output.AppendFormat(nil, format, args))})
	return nil
}

func (e *eventRenderer) Time(text string) error   { e.send(TimeEvent{Text: text}); return nil }
func (e *eventRenderer) Cat(text string) error    { e.send(CatEvent{Text: text}); return nil }
func (e *eventRenderer) System(text string) error { e.send(SystemEvent{Text: text}); return nil }
func (e *eventRenderer) Join(text string) error   { e.send(JoinEvent{Text: text}); return nil }
func (e *eventRenderer) Value(v output.Value) error {
	e.send(PrintEvent{Value: v})
	return nil
}

func (e *eventRenderer) Map(m *output.Map, top, div uint64) error {
	e.send(PrintMapEvent{Map: m, Top: top, Div: div})
	return nil
}

func (e *eventRenderer) Exit(maps []*output.Map) error {
	e.send(EndEvent{Maps: maps})
	return nil
}

func (e *eventRenderer) LostEvents(n uint64) error { e.send(LostEvent{N: n}); return nil }

func (e *eventRenderer) ScriptMessage(m output.ScriptMessage) error {
	e.send(ScriptMessageEvent{m})
	return nil
}

func (e *eventRenderer) HelperError(h output.HelperError) error {
	e.send(HelperErrorEvent{h})
	return nil
}

// exited delivers exit(), which prints nothing.
func (o *sink) exited(code int) {
	if e, ok := o.r.(*eventRenderer); ok {
		e.send(ExitEvent{Code: code})
	}
}

// closeEvents closes RunOptions.Events once the run has ended.
func (r *runner) closeEvents() {
	if r.opts.Events != nil && r.opts.OnEvent == nil {
		close(r.opts.Events)
	}
}
