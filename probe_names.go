package gtrace

// ProbeNames returns the full name of every probe the script attaches
// ("tracepoint:syscalls:sys_enter_openat", "interval:s:1", "BEGIN"), each
// once, in the order of the program: what `gtrace -l -e PROGRAM` lists. The
// script must have been compiled with a Kernel (Options.Kernel), which
// expands wildcards; otherwise it is nil.
func (s *Script) ProbeNames() []string {
	seen := map[string]bool{}
	var out []string
	for i, ts := range s.targets {
		if len(ts) == 0 && i < len(s.Program.Probes) {
			// BEGIN/END expand to no target; name them as written.
			for _, ap := range s.Program.Probes[i].Attach {
				if n := ap.Name(); !seen[n] {
					seen[n] = true
					out = append(out, n)
				}
			}
		}
		for _, t := range ts {
			if !seen[t.Name] {
				seen[t.Name] = true
				out = append(out, t.Name)
			}
		}
	}
	return out
}
