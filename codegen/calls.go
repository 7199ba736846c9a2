package codegen

import (
	"net/netip"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
	"github.com/gtrace/gtrace/probes"
)

// Register-valued functions, under their sema.Funcs names.
func init() {
	addValue("has_key", (*gen).hasKey)
	addValue("kaddr", (*gen).kaddr)
	addValue("uaddr", func(g *gen, call *lang.Call, dst asm.Register) {
		g.b.emit(movImm(dst, int64(g.uaddr(call))))
	})
	addValue("usym", (*gen).usym)
	addValue("cgroupid", (*gen).cgroupid)
	addStmt("override", (*gen).override)
	// In tracing programs the kernel serves it with
	// bpf_get_socket_ptr_cookie (a BTF struct sock pointer).
	addValue("socket_cookie", func(g *gen, call *lang.Call, dst asm.Register) {
		g.intExpr(call.Args[0], asm.R1)
		g.call(asm.FnGetSocketCookie)
		if dst != asm.R0 {
			g.b.emit(asm.Mov.Reg(dst, asm.R0))
		}
	})
	// The value is the address / id / errno: resolved in user space.
	for _, name := range []string{"ksym", "cgroup_path", "strerror", "kptr", "uptr"} {
		addValue(name, func(g *gen, call *lang.Call, dst asm.Register) { g.intExpr(call.Args[0], dst) })
	}
	addValue("reg", (*gen).reg)
	addValue("bswap", func(g *gen, call *lang.Call, dst asm.Register) {
		t := g.typeOf(call.Args[0])
		g.intExpr(call.Args[0], dst)
		size := maps.SizeOf(t)
		if size > 1 {
			g.b.emit(asm.HostTo(asm.BE, dst, sizeOp(size)))
		}
		g.convert(dst, t, g.typeOf(call))
	})
	stack := func(g *gen, call *lang.Call, dst asm.Register) { g.stack(g.typeOf(call), dst) }
	addValue("kstack", stack)
	addValue("ustack", stack)
	addValue("strncmp", func(g *gen, call *lang.Call, dst asm.Register) {
		n, _ := g.constOf(call.Args[2])
		g.strncmp(call.Args[0], call.Args[1], int(n), dst)
	})
	addValue("strcontains", func(g *gen, call *lang.Call, dst asm.Register) {
		g.strcontains(call.Args[0], call.Args[1], dst)
	})
	addValue("strlen", func(g *gen, call *lang.Call, dst asm.Register) { g.strlen(call.Args[0], dst) })
	addValue("len", (*gen).mapLen)
	addValue("signal", func(g *gen, call *lang.Call, dst asm.Register) {
		g.signal(call)
		g.b.emit(asm.Mov.Imm(dst, 0))
	})
	// Memory-valued functions.
	addMem("str", (*gen).str)
	addMem("path", (*gen).path)
	addMem("buf", func(g *gen, call *lang.Call, dt *lang.Type, base asm.Register, off int16, _ bool) {
		g.buf(call, dt, base, off)
	})
	addMem("ntop", func(g *gen, call *lang.Call, _ *lang.Type, base asm.Register, off int16, _ bool) {
		g.ntop(call, base, off)
	})
	addMem("macaddr", func(g *gen, call *lang.Call, _ *lang.Type, base asm.Register, off int16, _ bool) {
		n := 6
		if t := g.typeOf(call.Args[0]); t.IsInt() {
			// bpftrace 0.17 reads as many bytes at the address as the
			// integer has (macaddr((uint32)a) reads 4), the rest zero.
			n = min(n, maps.SizeOf(t))
			g.zero(base, off, 6)
		}
		g.readInto(call.Args[0], base, off, n)
	})
	addMem("strftime", func(g *gen, call *lang.Call, _ *lang.Type, base asm.Register, off int16, _ bool) {
		g.strftime(call, base, off)
	})
	addMem("pton", func(g *gen, call *lang.Call, dt *lang.Type, base asm.Register, off int16, _ bool) {
		g.pton(call, dt, base, off)
	})
}

// kaddr is the address of a kernel symbol, a constant resolved now.
func (g *gen) kaddr(call *lang.Call, dst asm.Register) {
	name := ""
	if s, ok := call.Args[0].(*lang.StrLit); ok {
		name = s.Value
	}
	if g.c.opts.Kaddr == nil {
		fail(call, "kaddr(%q): kernel symbols are not available", name)
	}
	addr, ok := g.c.opts.Kaddr(name)
	if !ok && g.c.opts.KaddrHidden != nil {
		if why := g.c.opts.KaddrHidden(); why != "" {
			fail(call, "Failed to resolve kernel symbol: %s (%s)", name, why)
		}
	}
	if !ok {
		// bpftrace's words; /proc/kallsyms lists data symbols
		// (avenrun) only when the kernel has CONFIG_KALLSYMS_ALL.
		fail(call, "Failed to resolve kernel symbol: %s (not in /proc/kallsyms; a kernel without CONFIG_KALLSYMS_ALL lists functions only)", name)
	}
	g.b.emit(movImm(dst, int64(addr)))
}

// cgroupid is the id of a cgroup v2 directory, a constant resolved now
// (a script compiled on one machine filters on that machine's cgroup).
func (g *gen) cgroupid(call *lang.Call, dst asm.Register) {
	path := ""
	if s, ok := call.Args[0].(*lang.StrLit); ok {
		path = s.Value
	}
	resolve := g.c.opts.CgroupID
	if resolve == nil {
		resolve = probes.CgroupID
	}
	id, err := resolve(path)
	if err != nil {
		// bpftrace 0.17's words.
		fail(call, "Failed to get `cgroupid` for path: %q: %v", path, err)
	}
	g.b.emit(movImm(dst, int64(id)))
}

// override makes the kprobed function return the value instead of
// running (bpf_override_return; the kernel allows it on the functions of
// its error-injection list, in kernels built with
// CONFIG_BPF_KPROBE_OVERRIDE).
func (g *gen) override(call *lang.Call) {
	g.intExpr(call.Args[0], asm.R2)
	g.b.emit(asm.Mov.Reg(asm.R1, asm.R6))
	g.call(asm.FnOverrideReturn)
}

// reg reads a register of the context, which starts with struct pt_regs
// in every probe type reg() is allowed in (kprobe, uprobe, usdt, and
// perf events).
func (g *gen) reg(call *lang.Call, dst asm.Register) {
	name := ""
	if s, ok := call.Args[0].(*lang.StrLit); ok {
		name = s.Value
	}
	off, ok := usdtRegOffset(name)
	if !ok {
		fail(call, "reg(%q): unknown register", name)
	}
	g.b.emit(asm.LoadMem(dst, asm.R6, off, asm.DWord))
}

// UsymAddrBits is how many low bits of a usym() value hold the address
// (user addresses are below 2^48 on x86-64 and arm64); the bits above
// hold the pid of the process, for user space to resolve the symbol in,
// or 0 when the pid does not fit (then the address prints unresolved).
const UsymAddrBits = 48

// usym packs an address with the current process's pid.
func (g *gen) usym(call *lang.Call, dst asm.Register) {
	h := g.hold()
	g.intInto(call.Args[0], h)
	g.usymOf(h, dst)
}

// uaddr resolves uaddr("sym") in the binary the clause's uprobes are
// attached to: one program serves all its targets, so they must share it.
func (g *gen) uaddr(call *lang.Call) uint64 {
	name := ""
	if s, ok := call.Args[0].(*lang.StrLit); ok {
		name = s.Value
	}
	path := ""
	for _, t := range g.grp.targets {
		if path != "" && t.Path != path {
			fail(call, "uaddr(%q) in a clause attached to several binaries (%s, %s): split the clause", name, path, t.Path)
		}
		path = t.Path
	}
	if path == "" || g.c.opts.Uaddr == nil {
		fail(call, "uaddr(%q): no binary to resolve it in", name)
	}
	addr, err := g.c.opts.Uaddr(path, name)
	if err != nil {
		fail(call, "uaddr: %v", err)
	}
	return addr
}

// usymOf turns the address held in h into a usym value in dst (h is
// released): the pid goes into the high bits so user space resolves the
// address in that process.
func (g *gen) usymOf(h held, dst asm.Register) {
	big := g.b.label("usym_big_pid")
	g.call(asm.FnGetCurrentPidTgid)
	g.b.emit(
		asm.RSh.Imm(asm.R0, 32),
		asm.JGE.Imm(asm.R0, 1<<(64-UsymAddrBits), big),
		asm.LSh.Imm(asm.R0, UsymAddrBits),
	)
	done := g.b.label("usym_pid_done")
	g.b.emit(asm.Ja.Label(done))
	g.b.mark(big)
	g.b.emit(asm.Mov.Imm(asm.R0, 0))
	g.b.mark(done)
	g.load(asm.R1, h)
	g.release(h)
	g.b.emit(
		asm.LSh.Imm(asm.R1, 64-UsymAddrBits),
		asm.RSh.Imm(asm.R1, 64-UsymAddrBits),
		asm.Or.Reg(asm.R0, asm.R1),
	)
	if dst != asm.R0 {
		g.b.emit(asm.Mov.Reg(dst, asm.R0))
	}
}

// strftime writes a timestamp value (see Program.TimeFormats): the call
// site's index and the nanoseconds, all 64 bits of them.
func (g *gen) strftime(call *lang.Call, base asm.Register, off int16) {
	g.intExpr(call.Args[1], asm.R0)
	g.store64(base, off+maps.TimestampNsOffset, asm.R0)
	g.b.emit(movImm(asm.R0, int64(g.timeFormat(call))))
	g.store64(base, off+maps.TimestampIDOffset, asm.R0)
}

// timeFormat returns the index of a strftime() call site in
// Program.TimeFormats, adding it on first use.
func (g *gen) timeFormat(call *lang.Call) int {
	if i, ok := g.c.timeIDs[call]; ok {
		return i
	}
	format := ""
	if s, ok := call.Args[0].(*lang.StrLit); ok {
		format = s.Value
	}
	out := g.c.out
	out.TimeFormats = append(out.TimeFormats, format)
	g.c.timeIDs[call] = len(out.TimeFormats) - 1
	return len(out.TimeFormats) - 1
}

// signal sends a signal to the current process (bpf_send_signal, 5.3+).
func (g *gen) signal(call *lang.Call) {
	if s, ok := call.Args[0].(*lang.StrLit); ok {
		g.b.emit(asm.Mov.Imm(asm.R1, int32(signalNumbers[s.Value])))
	} else {
		g.intExpr(call.Args[0], asm.R1)
	}
	g.call(asm.FnSendSignal)
	g.checkHelper(asm.FnSendSignal)
}

var signalNumbers = map[string]int{
	"SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGILL": 4, "SIGTRAP": 5, "SIGABRT": 6, "SIGBUS": 7,
	"SIGFPE": 8, "SIGKILL": 9, "SIGUSR1": 10, "SIGSEGV": 11, "SIGUSR2": 12, "SIGPIPE": 13,
	"SIGALRM": 14, "SIGTERM": 15, "SIGCHLD": 17, "SIGCONT": 18, "SIGSTOP": 19, "SIGTSTP": 20,
	"SIGTTIN": 21, "SIGTTOU": 22, "SIGURG": 23, "SIGXCPU": 24, "SIGXFSZ": 25, "SIGVTALRM": 26,
	"SIGPROF": 27, "SIGWINCH": 28, "SIGSYS": 31,
}

// pton writes the bytes of a literal IPv4 (4 bytes) or IPv6 (16 bytes)
// address, parsed at compile time.
func (g *gen) pton(call *lang.Call, dt *lang.Type, base asm.Register, off int16) {
	var s string
	switch a := call.Args[0].(type) {
	case *lang.StrLit:
		s = a.Value
	case *lang.Positional:
		if a.Index >= 1 && a.Index <= len(g.c.params()) {
			s = g.c.params()[a.Index-1]
		}
	}
	addr, err := netip.ParseAddr(s)
	if err != nil {
		fail(call, "pton: invalid address %q", s)
	}
	var b []byte
	if addr.Is4() {
		a4 := addr.As4()
		b = a4[:]
	} else {
		a16 := addr.As16()
		b = a16[:]
	}
	if len(b) != maps.SizeOf(dt) {
		fail(call, "pton: %q does not fit a %s", s, dt)
	}
	g.storeBytes(base, off, b)
}

// str reads a NUL-terminated string from an address with
// bpf_probe_read_str, which works for user and kernel addresses on x86-64
// (bpftrace 0.17 does the same). With pad the buffer is zeroed first: the
// helper writes only up to the NUL.
func (g *gen) str(call *lang.Call, dt *lang.Type, base asm.Register, off int16, pad bool) {
	arg := call.Args[0]
	at := g.typeOf(arg)
	_, isPos := arg.(*lang.Positional)
	if isPos || at.Kind == lang.KindStr {
		// str($1) of a parameter (its text), str($1 + k) (its text from
		// byte k), str of a string value.
		value := func(base asm.Register, off int16, pad bool) {
			if text, ok := g.c.info.ParamTexts[arg]; ok {
				g.literal(text, dt, base, off, pad)
				return
			}
			g.memExpr(arg, dt, base, off, pad)
		}
		if len(call.Args) < 2 || g.isConst(call.Args[1]) {
			value(base, off, pad)
			return
		}
		// str($1, $n): the text in a temporary, then its first n
		// characters, as bpftrace 0.17 reads them at run time.
		t := g.tmp(dt.Size)
		value(t.reg, t.off, true)
		g.zero(base, off, dt.Size)
		g.strLen(call.Args[1], dt.Size)
		g.addr(asm.R3, t.reg, t.off)
		g.addr(asm.R1, base, off)
		g.call(asm.FnProbeReadKernelStr)
		g.checkHelper(asm.FnProbeReadKernelStr)
		return
	}
	if at.Kind == lang.KindArray {
		// A char array (args->comm): copy, terminate.
		g.memExpr(arg, &lang.Type{Kind: lang.KindArray, Len: min(at.Len, dt.Size), Elem: at.Elem}, base, off, false)
		if at.Len >= dt.Size {
			g.b.emit(asm.StoreImm(base, off+int16(dt.Size-1), 0, asm.Byte))
		} else {
			g.zero(base, off+int16(at.Len), dt.Size-at.Len)
		}
		return
	}
	if pad {
		g.zero(base, off, dt.Size)
	}
	dynamic := len(call.Args) == 2 && !g.isConst(call.Args[1])
	var n held
	if dynamic {
		n = g.hold()
		g.intInto(call.Args[1], n)
	}
	g.intExpr(arg, asm.R3)
	if dynamic {
		g.load(asm.R2, n)
		g.release(n)
		g.clampStrLen(dt.Size)
	} else {
		g.b.emit(asm.Mov.Imm(asm.R2, int32(dt.Size)))
	}
	g.addr(asm.R1, base, off)
	g.call(asm.FnProbeReadStr)
	g.checkHelper(asm.FnProbeReadStr)
}

// path writes the path of a struct path (bpf_d_path, which the kernel
// allows in fentry/fexit on its allowlist of functions: vfs_getattr,
// filp_close, security_file_open...). The buffer is zeroed first: the
// helper leaves it as it was on failure, and a key must not hold stack
// garbage.
func (g *gen) path(call *lang.Call, dt *lang.Type, base asm.Register, off int16, _ bool) {
	g.zero(base, off, dt.Size)
	if arg := call.Args[0]; g.typeOf(arg).Kind == lang.KindRecord {
		g.addrOf(&lang.Unary{Op: lang.OpAnd, X: arg, Span: call.Span}, asm.R1)
	} else {
		g.intExpr(arg, asm.R1)
	}
	g.addr(asm.R2, base, off)
	g.b.emit(asm.Mov.Imm(asm.R3, int32(dt.Size)))
	g.call(asm.FnDPath)
	g.checkHelper(asm.FnDPath)
}

// isConst reports whether e is a constant sema folded.
func (g *gen) isConst(e lang.Expr) bool {
	_, ok := g.constOf(e)
	return ok
}

// strLen puts into R2 the size str() reads for a length expression e known
// only at run time: n characters and the NUL, within [1, size].
func (g *gen) strLen(e lang.Expr, size int) {
	g.intExpr(e, asm.R2)
	g.clampStrLen(size)
}

// clampStrLen turns the length n in R2 into min(n+1, size), at least 1.
func (g *gen) clampStrLen(size int) {
	small := g.b.label("strlen_ok")
	g.b.emit(
		asm.Add.Imm(asm.R2, 1),
		asm.JLE.Imm(asm.R2, int32(size), small),
		asm.Mov.Imm(asm.R2, int32(size)),
	)
	g.b.mark(small)
	ok := g.b.label("strlen_pos")
	g.b.emit(asm.JGT.Imm(asm.R2, 0, ok), asm.Mov.Imm(asm.R2, 1))
	g.b.mark(ok)
}

// readInto copies n bytes from the address or array e to base+off.
func (g *gen) readInto(e lang.Expr, base asm.Register, off int16, n int) {
	t := g.typeOf(e)
	if t.Kind == lang.KindArray {
		if f, ok := e.(*lang.Field); ok && g.isArgsField(f) {
			m := g.argsMember(f)
			g.addr(asm.R1, base, off)
			g.b.emit(asm.Mov.Imm(asm.R2, int32(n)), asm.Mov.Reg(asm.R3, asm.R6), asm.Add.Imm(asm.R3, int32(m.Offset)))
			g.call(asm.FnProbeReadKernel)
			g.checkHelper(asm.FnProbeReadKernel)
			return
		}
		src, soff := g.memPtr(e)
		g.copyMem(base, off, src, soff, min(n, maps.SizeOf(t)))
		return
	}
	if t.Kind == lang.KindStr {
		// buf("literal", n), buf($s, n): the string's own bytes, NULs
		// included, zero past its end (as bpftrace 0.17).
		src, soff := g.memPtr(e)
		k := min(n, maps.SizeOf(t))
		g.copyMem(base, off, src, soff, k)
		if n > k {
			g.zero(base, off+int16(k), n-k)
		}
		return
	}
	g.intExpr(e, asm.R3)
	g.addr(asm.R1, base, off)
	g.b.emit(asm.Mov.Imm(asm.R2, int32(n)))
	g.call(asm.FnProbeRead)
	g.checkHelper(asm.FnProbeRead)
}

// buf reads n bytes into a buffer value: an 8-byte length, then the data.
func (g *gen) buf(call *lang.Call, dt *lang.Type, base asm.Register, off int16) {
	n := dt.Size
	if len(call.Args) == 2 {
		v, ok := g.constOf(call.Args[1])
		if !ok {
			g.bufDynamic(call, dt, base, off)
			return
		}
		n = int(min(v, int64(dt.Size)))
	}
	g.b.emit(movImm(asm.R1, int64(n)), asm.StoreMem(base, off, asm.R1, asm.DWord))
	g.readInto(call.Args[0], base, off+8, n)
}

// bufDynamic is buf(p, n) with n known only at run time: as bpftrace 0.17,
// the length is min(n, size) compared unsigned, the data is zeroed and
// only that many bytes are read, so buf(args->buf, args->count) prints
// count bytes (not the whole buffer) and equal data makes equal map keys.
func (g *gen) bufDynamic(call *lang.Call, dt *lang.Type, base asm.Register, off int16) {
	clamp := func() {
		ok := g.b.label("buflen_ok")
		g.b.emit(asm.JLE.Imm(asm.R2, int32(dt.Size), ok), asm.Mov.Imm(asm.R2, int32(dt.Size)))
		g.b.mark(ok)
	}
	g.zero(base, off+8, dt.Size)
	g.intExpr(call.Args[1], asm.R2)
	clamp()
	g.b.emit(asm.StoreMem(base, off, asm.R2, asm.DWord))
	read := asm.FnProbeReadKernel
	e := call.Args[0]
	switch t := g.typeOf(e); {
	case t.IsInt() || t.IsPtr():
		g.intExpr(e, asm.R3)
		read = asm.FnProbeRead
	case t.Kind == lang.KindArray && g.isArgsFieldExpr(e):
		g.b.emit(asm.Mov.Reg(asm.R3, asm.R6), asm.Add.Imm(asm.R3, int32(g.argsMember(e.(*lang.Field)).Offset)))
	default:
		src, soff := g.memPtr(e)
		g.addr(asm.R3, src, soff)
	}
	// Reloaded from memory, the length is bounded again for the verifier.
	g.b.emit(asm.LoadMem(asm.R2, base, off, asm.DWord))
	clamp()
	g.addr(asm.R1, base, off+8)
	g.call(read)
	g.checkHelper(read)
}

// isArgsFieldExpr reports whether e is a tracepoint args field.
func (g *gen) isArgsFieldExpr(e lang.Expr) bool {
	f, ok := e.(*lang.Field)
	return ok && g.isArgsField(f)
}

// ntop writes an inet value: the address family, then the address bytes.
func (g *gen) ntop(call *lang.Call, base asm.Register, off int16) {
	x := call.Args[len(call.Args)-1]
	t := g.typeOf(x)
	af := int64(2)
	n := 4
	if t.Kind == lang.KindArray && maps.SizeOf(t) == 16 {
		af, n = 10, 16
	}
	if len(call.Args) == 2 {
		if v, ok := g.constOf(call.Args[0]); ok {
			af = v
		}
	}
	g.b.emit(movImm(asm.R1, af))
	g.store64(base, off, asm.R1) // at 4 in a tuple (lang.Type.Align)
	g.zero(base, off+8, 16)
	if t.IsInt() {
		g.intExpr(x, asm.R0)
		g.b.emit(asm.StoreMem(base, off+8, asm.R0, asm.Word))
		return
	}
	g.readInto(x, base, off+8, n)
}

// strncmp compares at most n bytes of two strings, stopping after a NUL:
// 0 when equal, 1 when not (bpftrace's result is only ever tested for 0).
func (g *gen) strncmp(x, y lang.Expr, n int, dst asm.Register) {
	xt, yt := g.typeOf(x), g.typeOf(y)
	n = min(n, xt.Size, yt.Size)
	xb, xoff := g.memPtr(x)
	yb, yoff := g.memPtr(y)
	ne, eq, end := g.b.label("ncmp_ne"), g.b.label("ncmp_eq"), g.b.label("ncmp_end")
	for i := 0; i < n; i++ {
		g.b.emit(
			asm.LoadMem(asm.R1, xb, xoff+int16(i), asm.Byte),
			asm.LoadMem(asm.R2, yb, yoff+int16(i), asm.Byte),
			asm.JNE.Reg(asm.R1, asm.R2, ne),
			asm.JEq.Imm(asm.R1, 0, eq),
		)
	}
	g.b.mark(eq)
	g.b.emit(asm.Mov.Imm(dst, 0), asm.Ja.Label(end))
	g.b.mark(ne)
	g.b.emit(asm.Mov.Imm(dst, 1))
	g.b.mark(end)
}

// strcontains reports whether needle occurs in haystack: a bounded loop
// over start positions (5.3+) with an unrolled comparison of the needle.
func (g *gen) strcontains(hay, needle lang.Expr, dst asm.Register) {
	ht, nt := g.typeOf(hay), g.typeOf(needle)
	hb, hoff := g.memPtr(hay)
	nb, noff := g.memPtr(needle)
	found, end := g.b.label("sc_found"), g.b.label("sc_end")
	// An empty needle is contained in anything.
	g.b.emit(asm.LoadMem(asm.R1, nb, noff, asm.Byte), asm.JEq.Imm(asm.R1, 0, found))
	for i := 0; i < ht.Size; i++ {
		next := g.b.label("sc_next")
		g.b.emit(asm.LoadMem(asm.R1, hb, hoff+int16(i), asm.Byte), asm.JEq.Imm(asm.R1, 0, end+"_no"))
		for j := 0; j < nt.Size && i+j < ht.Size; j++ {
			g.b.emit(asm.LoadMem(asm.R2, nb, noff+int16(j), asm.Byte), asm.JEq.Imm(asm.R2, 0, found))
			g.b.emit(asm.LoadMem(asm.R1, hb, hoff+int16(i+j), asm.Byte), asm.JNE.Reg(asm.R1, asm.R2, next))
		}
		g.b.emit(asm.Ja.Label(found))
		g.b.mark(next)
	}
	g.b.mark(end + "_no")
	g.b.emit(asm.Mov.Imm(dst, 0), asm.Ja.Label(end))
	g.b.mark(found)
	g.b.emit(asm.Mov.Imm(dst, 1))
	g.b.mark(end)
}

// strlen counts the bytes of a string before its NUL, at most its size
// (bpftrace 0.25's strnlen(&s, sizeof(s))), unrolled: dst holds the
// index being tested, so the first NUL leaves it as the length.
func (g *gen) strlen(x lang.Expr, dst asm.Register) {
	size := g.typeOf(x).Size
	b, off := g.memPtr(x)
	end := g.b.label("strlen_end")
	s := other(dst)
	for i := 0; i < size; i++ {
		g.b.emit(
			asm.Mov.Imm(dst, int32(i)),
			asm.LoadMem(s, b, off+int16(i), asm.Byte),
			asm.JEq.Imm(s, 0, end),
		)
	}
	g.b.emit(asm.Mov.Imm(dst, int32(size)))
	g.b.mark(end)
}
