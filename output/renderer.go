package output

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
}

// HelperError describes a BPF helper that returned an error at run time.
type HelperError struct {
	Helper    string // "map_update_elem", "probe_read", ...
	Retcode   int    // negative errno
	Line, Col int    // 1-based position of the call in the script
	// Where is the script position as diagnostics print it
	// ("stdin:1:9-14"); the text renderer prefixes the warning with it.
	Where string
}
