package sema

import (
	"net/netip"
	"slices"

	"github.com/gtrace/gtrace/lang"
)

// The rules of the function registry: what the table's arity and argument
// kinds cannot say, and the result type.

// ruleDebugf is ruleFormat with bpftrace's warning: bpf_trace_printk
// writes to one trace buffer shared by the whole machine, slowly.
func ruleDebugf(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	f, _ := c.stringLit(call.Args[0])
	if stray := lang.StrayPercents(lang.ParseFormat(f)); len(stray) > 0 {
		// The kernel's bpf_trace_printk refuses what it does not know.
		c.errorf(call, "%s: Unknown format string token: %s", call.Name, stray[0])
		return lang.None
	}
	t := ruleFormat(c, call, args)
	c.warnf(call, "The debugf() builtin is not recommended for production use. For more information see bpf_trace_printk in bpf-helpers(7).")
	return t
}

// ruleFormat checks printf-style calls: the format against the arguments.
func ruleFormat(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	f, _ := c.stringLit(call.Args[0])
	segs := lang.ParseFormat(f)
	c.info.Formats[call] = segs
	convs := lang.Conversions(segs)
	n := len(args) - 1
	var d *lang.Diagnostic
	switch {
	case n < len(convs):
		d = c.errorf(call, "%s: Not enough arguments for format string (%d supplied, %d expected)", call.Name, n, len(convs))
	case n > len(convs):
		d = c.errorf(call, "%s: Too many arguments for format string (%d supplied, %d expected)", call.Name, n, len(convs))
	}
	if d != nil {
		if stray := lang.StrayPercents(segs); len(stray) > 0 {
			d.WithHint("%s is not a conversion bpftrace knows: it prints as text", stray[0])
		}
		return lang.None
	}
	// As bpftrace 0.17: every text parameter used as a number is
	// reported, and the first conversion that does not fit its argument.
	mismatch := false
	for i, conv := range convs {
		t := args[i+1]
		if t == unknown {
			continue
		}
		want, got := formatClass(conv.Arg()), argClass(t)
		if want == "integer" && t.Kind == lang.KindStr && c.textParam(call.Args[i+1]) {
			continue
		}
		if !mismatch && want != got && !(want == "string" && printableAsString(t)) {
			c.errorf(call, "%s: %s specifier expects a value of type %s (%s supplied)", call.Name, conv.Token(), want, got)
			mismatch = true
		}
	}
	return lang.None
}

func formatClass(a lang.FormatArg) string {
	switch a {
	case lang.FormatStr:
		return "string"
	case lang.FormatBuf:
		return "buffer"
	}
	return "integer"
}

// argClass is the class a printf argument is checked as: pointers print as
// integers and symbolic values (ksym, stacks, inet, ...) as strings.
func argClass(t *lang.Type) string {
	switch t.Kind {
	case lang.KindInt, lang.KindBool, lang.KindPtr:
		return "integer"
	case lang.KindStr, lang.KindKsym, lang.KindUsym, lang.KindProbe, lang.KindUsername,
		lang.KindKStack, lang.KindUStack, lang.KindInet, lang.KindTimestamp, lang.KindMacAddr,
		lang.KindCgroupPath, lang.KindStrerror:
		return "string"
	case lang.KindBuf:
		return "buffer"
	}
	return typeClass(t)
}

// printableAsString allows %s on values that current bpftrace formats with
// their default rendering (tuples, arrays and records).
func printableAsString(t *lang.Type) bool {
	switch t.Kind {
	case lang.KindTuple, lang.KindArray, lang.KindRecord:
		return true
	}
	return false
}

func rulePrint(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	if m, ok := call.Args[0].(*lang.Map); ok && m.Keys == nil {
		return lang.None
	}
	if len(call.Args) != 1 {
		c.errorf(call, "Non-map print() only takes 1 argument, %d found", len(call.Args))
		return lang.None
	}
	switch args[0].Kind {
	case lang.KindNone, lang.KindHist, lang.KindLhist, lang.KindStats, lang.KindAvg:
		c.errorf(call, "%s type passed to print() is not printable", args[0])
	}
	return lang.None
}

func ruleTime(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	if len(call.Args) == 1 {
		f, _ := c.stringLit(call.Args[0])
		segs := []lang.FormatSegment{{Kind: lang.SegText, Text: f, Width: -1, Prec: -1}}
		c.info.Formats[call] = segs
	}
	return lang.None
}

var signals = map[string]bool{
	"SIGABRT": true, "SIGALRM": true, "SIGBUS": true, "SIGCHLD": true, "SIGCONT": true,
	"SIGFPE": true, "SIGHUP": true, "SIGILL": true, "SIGINT": true, "SIGKILL": true,
	"SIGPIPE": true, "SIGPROF": true, "SIGQUIT": true, "SIGSEGV": true, "SIGSTOP": true,
	"SIGSYS": true, "SIGTERM": true, "SIGTRAP": true, "SIGTSTP": true, "SIGTTIN": true,
	"SIGTTOU": true, "SIGURG": true, "SIGUSR1": true, "SIGUSR2": true, "SIGVTALRM": true,
	"SIGWINCH": true, "SIGXCPU": true, "SIGXFSZ": true,
}

func ruleSignal(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	if s, ok := c.stringLit(call.Args[0]); ok {
		if !signals[s] {
			c.errorf(call, "%s is not a valid signal", s)
		}
		return lang.None
	}
	if v, ok := c.constOf(call.Args[0]); ok {
		if v < 1 || v > 64 {
			c.errorf(call, "%d is not a valid signal, allowed range: [1,64]", v)
		}
		return lang.None
	}
	if !args[0].IsInt() {
		c.errorf(call, "signal() only supports string literals or integer arguments (%s provided)", typeClass(args[0]))
	}
	return lang.None
}

func ruleStr(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	t := args[0]
	size := c.opts.MaxStrlen
	text, isText := c.info.ParamTexts[call.Args[0]] // str($1 + k)
	if p, isPos := call.Args[0].(*lang.Positional); isPos && !p.Count && (t.Kind == lang.KindStr || t.IsInt()) {
		isText = true
		if p.Index >= 1 && p.Index <= len(c.opts.Params) {
			text = c.opts.Params[p.Index-1]
		}
	}
	if isText {
		// str($1[, n]) is the parameter's text, as bpftrace 0.17 does it
		// at compile time: numeric parameters too, n characters at most.
		n := len(text)
		if len(call.Args) == 2 {
			v, ok := c.constOf(call.Args[1])
			if ok && v < 0 {
				c.errorf(call, "strcannot use negative length (%d)", v) // sic, bpftrace's words
				return lang.None
			}
			if ok {
				n = int(min(int64(n), v))
			}
		}
		return lang.StrType(min(n+1, max(size, 1)))
	}
	_, isField := call.Args[0].(*lang.Field)
	if isField && t.Kind == lang.KindStr {
		// str(args->filename) of a __data_loc string: bpftrace's idiom
		// (it types the field as a pointer); here the field is already
		// a string, so str() is the identity, up to the length given.
		size = min(size, t.Size)
	} else if !t.IsInt() && !t.IsPtr() && t.Kind != lang.KindArray {
		c.errorf(call, "str() expects an integer or a pointer type as first argument (%s provided)", t)
		return lang.None
	}
	if len(call.Args) == 2 {
		if n, ok := c.constOf(call.Args[1]); ok {
			if n < 0 {
				c.errorf(call, "strcannot use negative length (%d)", n) // sic, bpftrace's words
				return lang.None
			}
			// n characters and the NUL, as bpftrace 0.17 reads them
			// (str(p, 0) is the empty string).
			size = int(min(n+1, int64(size)))
		}
	}
	return lang.StrType(size)
}

func ruleBuf(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	t := args[0]
	size := 0
	switch {
	case len(call.Args) == 2:
		n, ok := c.constOf(call.Args[1])
		if !ok {
			// A runtime length is bounded by the string size.
			n = int64(c.opts.MaxStrlen)
		}
		if n < 0 {
			c.errorf(call, "buf cannot use negative length (%d)", n)
			return lang.None
		}
		size = int(min(n, int64(c.opts.MaxStrlen)))
	case t.Kind == lang.KindArray:
		size = t.Len * t.Elem.Size
	default:
		c.errorf(call, "buf() expects a length argument for non-array type %s", typeClass(t))
		return lang.None
	}
	if !t.IsInt() && !t.IsPtr() && t.Kind != lang.KindArray && t.Kind != lang.KindStr {
		c.errorf(call, "buf() expects an integer, array or pointer type as first argument (%s provided)", t)
		return lang.None
	}
	return &lang.Type{Kind: lang.KindBuf, Size: size}
}

// ruleStrncmp refuses a negative size, as bpftrace 0.17 (strncmp(a, b, -1)
// would otherwise compare nothing and say equal).
func ruleStrncmp(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	if n, ok := c.constOf(call.Args[2]); ok && n < 0 {
		c.errorf(call, "Builtin strncmp requires a non-negative size")
		return lang.None
	}
	return lang.Uint64
}

// ruleMacaddr accepts 6-byte arrays (char[6] fields), pointers to them
// and, as bpftrace 0.17, integers holding their address (kprobe arg0).
func ruleMacaddr(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	t := args[0]
	if !(t == unknown || t.IsPtr() || t.IsInt() || (t.Kind == lang.KindArray && t.Size == 6) || (t.Kind == lang.KindStr && t.Size == 6)) {
		c.errorf(call, "macaddr() expects an array of 6 bytes or a pointer to one (%s provided)", t)
		return lang.None
	}
	return &lang.Type{Kind: lang.KindMacAddr, Size: 6}
}

// ruleCgroupPath types cgroup_path(id [, "filter"]): the filter picks the
// hierarchies user space prints the path in.
func ruleCgroupPath(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	t := &lang.Type{Kind: lang.KindCgroupPath, Size: 16}
	if len(call.Args) > 1 {
		t.CgroupFilter, _ = c.stringLit(call.Args[1])
	}
	return t
}

func ruleSym(k lang.Kind) func(*checker, *lang.Call, []*lang.Type) *lang.Type {
	return func(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
		if !args[0].IsInt() && !args[0].IsPtr() {
			c.errorf(call, "%s() expects an integer or pointer argument", call.Name)
			return lang.None
		}
		return &lang.Type{Kind: k, Size: 8}
	}
}

// ruleBswap returns the unsigned integer of the argument's width, as
// bpftrace 0.17 types bswap() (bswap((int8)-1) is 255).
func ruleBswap(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	return lang.IntType(args[0].Size, false)
}

// ruleUptr returns its pointer argument marked as pointing into user
// memory: fields reached through it are read with bpf_probe_read_user.
func ruleUptr(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	return lang.InUser(args[0])
}

// ruleKptr returns its pointer argument marked as pointing into kernel
// memory (undoing a uprobe cast's user address space).
func ruleKptr(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	t := args[0]
	if t.User {
		k := *t
		k.User = false
		return &k
	}
	return t
}

func ruleNtop(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	if len(args) == 2 && !args[0].IsInt() {
		c.errorf(call, "ntop() expects an integer address family as first argument (%s provided)", typeClass(args[0]))
		return lang.None
	}
	t := args[len(args)-1]
	ok := t.IsInt() || t.IsPtr() ||
		(t.Kind == lang.KindArray && (t.Len*t.Elem.Size == 4 || t.Len*t.Elem.Size == 16))
	if !ok {
		c.errorf(call, "ntop() expects an integer or array argument, got %s", t)
		return lang.None
	}
	return &lang.Type{Kind: lang.KindInet, Size: 24}
}

func rulePton(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	s, ok := c.stringLit(call.Args[0])
	if !ok {
		c.errorf(call, "pton() expects a string literal of an IPv4/IPv6 address (%s provided)", typeClass(args[0]))
		return lang.None
	}
	n := parseAddrLen(s)
	if n == 0 {
		c.errorf(call, "pton() expects a valid IPv4/IPv6 address, got %s", s)
		return lang.None
	}
	return &lang.Type{Kind: lang.KindArray, Len: n, Elem: lang.Uint8, Size: n}
}

// ruleSocketCookie: the argument is a struct sock pointer, as bpftrace
// 0.24 requires (the kernel's helper takes a BTF-typed socket).
func ruleSocketCookie(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	if t := args[0]; t.Kind != lang.KindPtr || t.Elem == nil || t.Elem.Name != "struct sock" {
		name := typeClass(t)
		if t.Kind == lang.KindPtr && t.Elem != nil && t.Elem.Name != "" {
			name = "'" + t.Elem.Name + " *'"
		}
		c.errorf(call, "socket_cookie() only supports 'struct sock *' as the argument (%s provided)", name)
		return lang.None
	}
	return lang.Uint64
}

func rulePath(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	// A struct path pointer (args.path), or the struct itself where it
	// lives in kernel memory (args.filp->f_path): its address is used.
	if t := args[0]; !t.IsInt() && !t.IsPtr() && t.Kind != lang.KindRecord {
		c.errorf(call, "path() only supports pointer or C type argument (%s provided)", typeClass(t))
		return lang.None
	}
	size := c.opts.MaxStrlen
	if len(call.Args) == 2 {
		n, _ := c.constOf(call.Args[1])
		if n < 1 {
			c.errorf(call, "path: invalid size value")
			return lang.None
		}
		size = int(n)
	}
	return lang.StrType(size)
}

// stackMode is the mode of a stack whose mode is not written: Options
// (BPFTRACE_STACK_MODE), else the config block's stack_mode, else bpftrace.
func (c *checker) stackMode() string {
	if slices.Contains(lang.StackModes, c.opts.StackMode) {
		return c.opts.StackMode
	}
	if id, ok := c.info.Config["stack_mode"].(*lang.Ident); ok && slices.Contains(lang.StackModes, id.Name) {
		return id.Name
	}
	return "bpftrace"
}

func ruleStack(k lang.Kind) func(*checker, *lang.Call, []*lang.Type) *lang.Type {
	return func(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
		mode, depth := c.stackMode(), stackDef
		for i, a := range call.Args {
			if id, ok := a.(*lang.Ident); ok {
				if i != 0 {
					c.errorf(call, "%s(): the stack mode must be the first argument", call.Name)
					return lang.None
				}
				if !slices.Contains(lang.StackModes, id.Name) {
					d := c.errorf(id, "Unknown stack mode: '%s'", id.Name)
					if h := closest(id.Name, lang.StackModes); h != "" {
						d.WithHint("did you mean '%s'?", h)
					}
					return lang.None
				}
				mode = id.Name
				continue
			}
			v, _ := c.constOf(a)
			if i == 0 && len(call.Args) == 2 {
				c.errorf(call, "%s(): the first of two arguments must be a stack mode", call.Name)
				return lang.None
			}
			if v < 0 {
				c.errorf(call, "%s: invalid limit value", call.Name)
				return lang.None
			}
			if v > int64(stackMax) {
				c.errorf(call, "%s([int limit]): limit shouldn't exceed %d, %d given", call.Name, stackMax, v)
				return lang.None
			}
			depth = int(v)
		}
		return stackType(k, mode, depth)
	}
}

// ruleGetopt types getopt(name[, default[, description]]) by its default:
// a bool without one (a flag), else the default's type (bool, integer or
// string). The default must be a literal: it is the value when the option
// is absent, known at compile time.
func ruleGetopt(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	if len(args) < 2 {
		return lang.Bool
	}
	d := call.Args[1]
	switch {
	case args[1].Kind == lang.KindBool:
		if _, ok := c.constOf(d); ok {
			return lang.Bool
		}
	case args[1].IsInt():
		if _, ok := c.constOf(d); ok {
			return lang.Int64
		}
	case args[1].Kind == lang.KindStr:
		if _, ok := c.stringLit(d); ok {
			return args[1]
		}
	default:
		c.errorf(call, "getopt() default must be an integer, a boolean or a string (%s provided)", typeClass(args[1]))
		return lang.None
	}
	c.errorf(call, "getopt() default must be a literal")
	return lang.None
}

// ruleDelete checks both forms, delete(@m[k]) and delete(@m, k). Since
// bpftrace 0.24 delete returns whether the key existed, a bool usable in
// conditions and assignments; as a statement the value is dropped.
func ruleDelete(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	m := call.Args[0].(*lang.Map)
	if len(call.Args) == 1 && m.Keys == nil {
		// delete(@scalar) empties a scalar map (bpftrace 0.24+); a keyed
		// map needs the key.
		if mi := c.info.Maps[m.Name]; mi != nil && mi.shaped && mi.Arity > 0 {
			c.errorf(call, "delete() expects a map with explicit keys (@map[key]) to be provided")
			return lang.None
		}
		return lang.Bool
	}
	if len(call.Args) == 2 {
		if m.Keys != nil {
			c.errorf(call, "delete(): the map must not be indexed when a key argument is given")
			return lang.None
		}
		c.checkKeyArg(call, m, call.Args[1], args[1])
	}
	return lang.Bool
}

func ruleHasKey(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	c.checkKeyArg(call, call.Args[0].(*lang.Map), call.Args[1], args[1])
	return lang.Bool
}

func ruleLen(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	switch a := call.Args[0].(type) {
	case *lang.Map:
		if a.Keys != nil {
			c.errorf(call, "The map passed to len() should not be indexed by a key")
			return lang.None
		}
		if mi := c.info.Maps[a.Name]; mi != nil && mi.Key == nil && c.final {
			c.errorf(call, "len() expects a map with keys (@%s is a scalar map)", a.Name)
			return lang.None
		}
		return lang.Int64
	}
	if args[0].Kind == lang.KindKStack || args[0].Kind == lang.KindUStack {
		return lang.Int64
	}
	c.errorf(call, "len() expects a map or a stack to be provided")
	return lang.None
}

func ruleAgg(k lang.Kind) func(*checker, *lang.Call, []*lang.Type) *lang.Type {
	return func(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
		t := &lang.Type{Kind: k, Size: 8}
		switch k {
		case lang.KindSum, lang.KindMin, lang.KindMax:
			t.Signed = args[0].Signed
		case lang.KindAvg, lang.KindStats:
			t.Signed = true
		}
		return t
	}
}

func ruleHist(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	t := &lang.Type{Kind: lang.KindHist, Size: 8}
	if len(call.Args) == 2 {
		k, _ := c.constOf(call.Args[1])
		if k < 0 || k > 5 {
			c.errorf(call, "hist() second argument must be in range 0..5 (%d given)", k)
			return nil
		}
		t.Bits = int(k)
	}
	return t
}

func ruleLhist(c *checker, call *lang.Call, args []*lang.Type) *lang.Type {
	lo, _ := c.constOf(call.Args[1])
	hi, _ := c.constOf(call.Args[2])
	step, _ := c.constOf(call.Args[3])
	bad := false
	report := func(format string, a ...any) {
		c.errorf(call, format, a...)
		bad = true
	}
	if step <= 0 {
		report("lhist() step must be >= 1 (%d provided)", step)
	} else if buckets := (hi - lo) / step; buckets > 1000 {
		report("lhist() too many buckets, must be <= 1000 (would need %d)", buckets)
	}
	if lo < 0 {
		report("lhist() min must be non-negative (provided min %d)", lo)
	}
	if lo > hi {
		report("lhist() min must be less than max (provided min %d and max %d)", lo, hi)
	}
	if hi-lo < step { // also after the previous one, as bpftrace 0.17
		report("lhist() step is too large for the given range (provided step %d for range %d)", step, hi-lo)
	}
	if bad {
		return nil
	}
	return &lang.Type{Kind: lang.KindLhist, Size: 8, Min: lo, Max: hi, Step: step}
}

// parseAddrLen returns 4 or 16 for a valid IPv4 or IPv6 address text, else 0.
func parseAddrLen(s string) int {
	a, err := netip.ParseAddr(s)
	switch {
	case err != nil:
		return 0
	case a.Is4():
		return 4
	}
	return 16
}
