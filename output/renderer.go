package output

import (
	"strconv"

	"github.com/gtrace/gtrace/lang"
)

// Renderer writes the events of a running script in one output format.
// The runner calls it from one goroutine; implementations are not safe for
// concurrent use.
type Renderer interface {
	// AttachedProbes reports how many probes were attached.
	AttachedProbes(n int) error
	// Printf writes a printf() call: format as written in the script, with
	// its decoded arguments.
	Printf(format string, args []Value) error
	// Time writes the text of a time() call, already formatted (Strftime).
	Time(text string) error
	// Cat writes the contents cat() read.
	Cat(text string) error
	// System writes the output of a system() command.
	System(text string) error
	// Join writes the text of a join() call (without its newline).
	Join(text string) error
	// Value writes print(v) of a non-map value.
	Value(v Value) error
	// Map writes print(@m, top, div); 0 means "all" and "no division".
	Map(m *Map, top, div uint64) error
	// Exit writes everything printed when the script ends: the separator,
	// then every map in name order.
	Exit(maps []*Map) error
	// LostEvents reports events dropped because the ring buffer was full.
	LostEvents(n uint64) error
	// HelperError reports a failed BPF helper call at a script position.
	HelperError(e HelperError) error
	// ScriptMessage writes the message of an errorf() or warnf() call.
	ScriptMessage(m ScriptMessage) error
}

// ScriptMessage is the text an errorf() or warnf() call formatted, with
// the call's position (bpftrace 0.24/0.25 print it as a diagnostic
// without the source line; the run goes on either way).
type ScriptMessage struct {
	Warning bool // warnf; errorf otherwise
	Text    string
	Span    lang.Span
	Source  lang.Source // its Name is the file name of the position
}

// Header is "stdin:1:9-62: ERROR: text" (WARNING for warnf).
func (m ScriptMessage) Header() string {
	d := &lang.Diagnostic{Span: m.Span, Severity: lang.Error, Msg: m.Text}
	if m.Warning {
		d.Severity = lang.Warning
	}
	return m.Source.Name + ":" + d.Error()
}

// HelperError describes a BPF helper that returned an error at run time
// (-k, -kk).
type HelperError struct {
	Helper  string // "map_update_elem", "probe_read", ...
	Retcode int    // negative errno, or 0 for a map lookup that found nothing
	// Span is where the call is in the script; Source is the script, for
	// the text renderer's "stdin:1:9-14:" prefix, source line and
	// underline (bpftrace prints the warning as a diagnostic).
	Span   lang.Span
	Source lang.Source
}

// Message is the text of the warning: "Failed to <helper>: <strerror>
// (<retcode>)", or the bare code when it is not an errno.
func (e HelperError) Message() string {
	b := append([]byte("Failed to "), e.Helper...)
	b = append(b, ": "...)
	if e.Retcode < 0 {
		b = append(b, strerror(-e.Retcode)...)
		b = append(b, " ("...)
		b = strconv.AppendInt(b, int64(e.Retcode), 10)
		b = append(b, ')')
	} else {
		b = strconv.AppendInt(b, int64(e.Retcode), 10)
	}
	return string(b)
}
