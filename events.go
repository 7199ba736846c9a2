package gtrace

import "github.com/gtrace/gtrace/output"

// Event is one thing a running script reports, in the order the script
// produced it: the output of printf, print, time, cat, system and join
// calls, exit(), events lost, helper errors (-k), and the maps at the end.
// A run started with RunOptions.Events or RunOptions.OnEvent delivers its
// events there instead of printing them.
//
// Render writes an event as the command line prints it, to one of the
// renderers of package output (output.NewText, output.NewJSON): the
// command line's output is exactly the rendering of these events.
type Event interface {
	Render(output.Renderer) error
}

// AttachEvent tells how many probes were attached ("Attaching 2
// probes..."), before BEGIN runs.
type AttachEvent struct{ Probes int }

// PrintfEvent is a printf() call: the format as written in the script,
// its arguments decoded, and the text they format to.
type PrintfEvent struct {
	Format string
	Args   []output.Value
	Text   string
}

// PrintEvent is print(v) of a value that is not a map.
type PrintEvent struct{ Value output.Value }

// PrintMapEvent is print(@m), print(@m, top) or print(@m, top, div): the
// map as read when the call was handled. Top and Div are 0 when not given.
type PrintMapEvent struct {
	Map      *output.Map
	Top, Div uint64
}

// TimeEvent is a time() call: the time formatted as its format asks.
type TimeEvent struct{ Text string }

// CatEvent is a cat() call: the contents of the file.
type CatEvent struct{ Text string }

// SystemEvent is a system() call: the standard output of the command.
type SystemEvent struct{ Text string }

// JoinEvent is a join() call: the joined text, without its newline.
type JoinEvent struct{ Text string }

// ExitEvent is exit() or exit(code): the run stops after it (END runs).
// It prints nothing.
type ExitEvent struct{ Code int }

// LostEvent reports N event records dropped since the previous one
// because the ring buffer was full (Run.Losses counts them all).
type LostEvent struct{ N uint64 }

// HelperErrorEvent is a BPF helper call that failed (-k, -kk:
// RunOptions.HelperErrors).
type HelperErrorEvent struct{ output.HelperError }

// EndEvent is the last event of a run: the maps printed at the end, in
// name order (none with RunOptions.NoMapsOnExit).
type EndEvent struct{ Maps []*output.Map }

func (e AttachEvent) Render(r output.Renderer) error { return r.AttachedProbes(e.Probes) }
func (e PrintfEvent) Render(r output.Renderer) error { return r.Printf(e.Format, e.Args) }
func (e PrintEvent) Render(r output.Renderer) error  { return r.Value(e.Value) }
func (e PrintMapEvent) Render(r output.Renderer) error {
	return r.Map(e.Map, e.Top, e.Div)
}
func (e TimeEvent) Render(r output.Renderer) error        { return r.Time(e.Text) }
func (e CatEvent) Render(r output.Renderer) error         { return r.Cat(e.Text) }
func (e SystemEvent) Render(r output.Renderer) error      { return r.System(e.Text) }
func (e JoinEvent) Render(r output.Renderer) error        { return r.Join(e.Text) }
func (e ExitEvent) Render(output.Renderer) error          { return nil }
func (e LostEvent) Render(r output.Renderer) error        { return r.LostEvents(e.N) }
func (e HelperErrorEvent) Render(r output.Renderer) error { return r.HelperError(e.HelperError) }

// ScriptMessageEvent is the message of an errorf() or warnf() call.
type ScriptMessageEvent struct{ output.ScriptMessage }

func (e ScriptMessageEvent) Render(r output.Renderer) error { return r.ScriptMessage(e.ScriptMessage) }
func (e EndEvent) Render(r output.Renderer) error           { return r.Exit(e.Maps) }
