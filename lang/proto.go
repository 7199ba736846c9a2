package lang

// Proto is the typed signature of a probe whose context is an array of
// u64 slots described by BTF: a kernel function traced by fentry/fexit
// (5.5+) or a raw tracepoint (the btf_trace_EVENT prototype minus its
// leading void *data). It gives `args` its record and fexit's `retval`
// its type.
type Proto struct {
	// Name is the function or event name ("vfs_read", "sched_switch").
	Name string
	// Args is the record `args` points to: one member per parameter,
	// named as in BTF, typed from BTF and placed at the byte offset of
	// its slot in the context (8 × slot; a parameter larger than 8 bytes
	// takes several slots). Size is the bytes of all slots.
	Args *Type
	// Ret is the return type; nil when the function returns void (and
	// for raw tracepoints, which return nothing).
	Ret *Type
	// RetName is the C name of the return type for listings ("ssize_t").
	RetName string
	// ArgNames are the C declarations of the parameters for listings
	// ("struct file * file"), parallel to Args.Fields.
	ArgNames []string
}

// RetOffset is where fexit finds the return value: the slot after the
// arguments.
func (p *Proto) RetOffset() int { return p.Args.Size }
