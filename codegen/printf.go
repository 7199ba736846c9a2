package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/sema"
	"github.com/gtrace/gtrace/maps"
)

// Statement functions: async actions and map operations, under their
// sema.Funcs names.
func init() {
	for name, kind := range map[string]ActionKind{"printf": ActPrintf, "system": ActSystem, "cat": ActCat, "errorf": ActErrorf, "warnf": ActWarnf} {
		addStmt(name, func(g *gen, call *lang.Call) {
			g.event(&Action{Kind: kind, Call: call, Format: g.c.info.Formats[call]}, call.Args[1:])
		})
	}
	addStmt("time", func(g *gen, call *lang.Call) {
		a := &Action{Kind: ActTime, Call: call, Format: g.c.info.Formats[call]}
		if len(call.Args) == 0 {
			a.Format = []lang.FormatSegment{{Kind: lang.SegText, Text: "%H:%M:%S\n", Width: -1, Prec: -1}}
		}
		g.event(a, nil)
	})
	addStmt("exit", (*gen).exitCall)
	addStmt("print", (*gen).print)
	for name, kind := range map[string]ActionKind{"clear": ActClear, "zero": ActZero} {
		addStmt(name, func(g *gen, call *lang.Call) {
			g.event(&Action{Kind: kind, Call: call, Map: call.Args[0].(*lang.Map).Name}, nil)
		})
	}
	addStmt("unwatch", func(g *gen, call *lang.Call) {
		g.event(&Action{Kind: ActUnwatch, Call: call}, call.Args)
	})
	addStmt("delete", (*gen).deleteKey)
	addStmt("join", (*gen).join)
}

// exitCall stops every probe at once (the runtime would set the flag
// too, but only when it reads the event), then tells user space.
func (g *gen) exitCall(call *lang.Call) {
	g.b.emit(
		asm.LoadMapValue(asm.R1, 0, StateStopped).WithReference(StateMap),
		asm.Mov.Imm(asm.R2, PhaseStopped),
		asm.StoreMem(asm.R1, 0, asm.R2, asm.DWord),
	)
	g.event(&Action{Kind: ActExit, Call: call}, call.Args)
	// bpftrace ends the probe at exit(): nothing after it runs.
	g.b.emit(asm.Ja.Label(g.exit))
}

// print sends a whole map (print(@m), with top and div) or a value.
func (g *gen) print(call *lang.Call) {
	if m, ok := call.Args[0].(*lang.Map); ok && m.Keys == nil {
		a := &Action{Kind: ActPrint, Call: call, Map: m.Name}
		if len(call.Args) > 1 {
			a.Top, _ = g.constOf(call.Args[1])
		}
		if len(call.Args) > 2 {
			a.Div, _ = g.constOf(call.Args[2])
		}
		g.event(a, nil)
		return
	}
	g.event(&Action{Kind: ActPrintValue, Call: call}, call.Args[:1])
}

// event sends one ring-buffer record (5.8+): reserve a fixed-size record,
// write the action id and the arguments in place, submit. A failed
// reserve is counted in LostMap[LostEvents]; the arguments are then not
// evaluated.
func (g *gen) event(a *Action, args []lang.Expr) {
	off := 8
	for _, e := range args {
		t := g.argType(e)
		a.Args = append(a.Args, Arg{Offset: off, Type: t})
		off += maps.Round8(maps.SizeOf(t))
	}
	a.Size = off
	g.record(a, func(rec asm.Register) {
		for i, e := range args {
			if w := g.storedZext(e); w != nil && (a.Kind == ActPrintf || a.Kind == ActSystem || a.Kind == ActCat) {
				g.intExpr(e, asm.R0)
				g.convert(asm.R0, lang.Int64, w)
				g.b.emit(asm.StoreMem(rec, int16(a.Args[i].Offset), asm.R0, asm.DWord))
				continue
			}
			g.memExpr(e, a.Args[i].Type, rec, int16(a.Args[i].Offset), false)
		}
	})
}

// storedZext is the unsigned type through which the value of e is
// zero-extended when stored in a format argument (printf, system, cat) or
// a 64-bit scratch variable, or nil. bpftrace 0.17 stores a - or ~ of a
// narrow signed value (sema.NarrowWidth) there as it is, one to four
// bytes into zeroed memory: printf("%ld", -(int8)1) prints 255, and
// $r = ~(int16)0 holds 65535 (a map or a comparison sees -1).
func (g *gen) storedZext(e lang.Expr) *lang.Type {
	u, ok := e.(*lang.Unary)
	if !ok || (u.Op != lang.OpSub && u.Op != lang.OpCompl) {
		return nil
	}
	if w := sema.NarrowWidth(e, g.c.info.Types); w != nil && w.Signed {
		return lang.IntType(w.Size, false)
	}
	return nil
}

// record registers action a and emits its ring-buffer record: reserve
// a.Size bytes, store the action id, let fill write the payload through
// the record register, submit. A failed reserve is counted in
// LostMap[LostEvents] and fill's code is skipped.
func (g *gen) record(a *Action, fill func(rec asm.Register)) {
	id := len(g.c.out.Actions)
	g.c.out.Actions = append(g.c.out.Actions, a)
	if g.c.opts.HelperErrors > 0 {
		g.recordCopied(id, a, fill) // helper_errors.go
		return
	}

	rec := g.hold()
	if rec.reg == asm.R0 {
		fail(a.Call, "expression too complex around %s(): %v", a.Call.Name, ErrUnsupported)
	}
	lost, done := g.b.label("reserve_failed"), g.b.label("event_done")
	g.b.emit(
		asm.LoadMapPtr(asm.R1, 0).WithReference(EventsMap),
		asm.Mov.Imm(asm.R2, int32(a.Size)),
		asm.Mov.Imm(asm.R3, 0),
		asm.FnRingbufReserve.Call(),
		asm.JEq.Imm(asm.R0, 0, lost),
		asm.Mov.Reg(rec.reg, asm.R0),
		movImm(asm.R1, int64(id)),
		asm.StoreMem(rec.reg, 0, asm.R1, asm.DWord),
	)
	fill(rec.reg)
	g.b.emit(
		asm.Mov.Reg(asm.R1, rec.reg),
		asm.Mov.Imm(asm.R2, 0),
		asm.FnRingbufSubmit.Call(),
		asm.Ja.Label(done),
	)
	g.b.mark(lost)
	g.countLost(LostEvents)
	g.b.mark(done)
	g.release(rec)
}

// argType is the record type of an event argument: integers widened to 8
// bytes with their signedness (the layout printf decodes), others as is.
func (g *gen) argType(e lang.Expr) *lang.Type {
	t := g.typeOf(e)
	switch t.Kind {
	case lang.KindInt:
		return lang.IntType(8, t.Signed)
	case lang.KindBool:
		return lang.Uint64
	case lang.KindStr:
		if t.Size == 0 {
			// A __data_loc string has no static size: read up to the
			// default str() size.
			return lang.StrType(sema.DefaultMaxStrlen)
		}
	}
	return t
}

// join sends the strings of a `char *argv[]`-style array (up to
// JoinArgs entries of JoinSize bytes) read with bpf_probe_read.
func (g *gen) join(call *lang.Call) {
	a := &Action{Kind: ActJoin, Call: call, Sep: " "}
	if len(call.Args) == 2 {
		if s, ok := call.Args[1].(*lang.StrLit); ok {
			a.Sep = s.Value
		}
	}
	arr := &lang.Type{Kind: lang.KindArray, Len: JoinArgs, Elem: lang.StrType(JoinSize)}
	a.Args = []Arg{{Offset: 8, Type: arr}}
	a.Size = 8 + maps.SizeOf(arr)

	ptr := g.hold()
	g.intInto(call.Args[0], ptr)
	g.record(a, func(rec asm.Register) {
		// Every entry starts empty (ring-buffer records are not zeroed):
		// the first NULL pointer ends the array, as argv's does, and what
		// follows it in memory (envp) is not read.
		for i := 0; i < JoinArgs; i++ {
			g.b.emit(asm.StoreImm(rec, int16(8+i*JoinSize), 0, asm.Byte))
		}
		tmp := g.f.alloc(8)
		end := g.b.label("join_end")
		for i := 0; i < JoinArgs; i++ {
			off := int16(8 + i*JoinSize)
			g.b.emit(storeImm64(asm.RFP, tmp, 0))
			// tmp = argv[i]
			g.load(asm.R3, ptr)
			g.b.emit(
				asm.Add.Imm(asm.R3, int32(8*i)),
				asm.Mov.Reg(asm.R1, asm.RFP), asm.Add.Imm(asm.R1, int32(tmp)),
				asm.Mov.Imm(asm.R2, 8),
				asm.FnProbeRead.Call(),
			)
			g.checkHelper(asm.FnProbeRead)
			g.b.emit(asm.LoadMem(asm.R3, asm.RFP, tmp, asm.DWord))
			g.b.emit(
				asm.JEq.Imm(asm.R3, 0, end),
				asm.Mov.Reg(asm.R1, rec), asm.Add.Imm(asm.R1, int32(off)),
				asm.Mov.Imm(asm.R2, JoinSize),
				asm.FnProbeReadStr.Call(),
			)
			g.checkHelper(asm.FnProbeReadStr)
		}
		g.b.mark(end)
	})
	g.release(ptr)
}

// join() limits, bpftrace 0.17's (join_argnum_, join_argsize_): 16
// strings of up to 1023 bytes. Shorter slots would cut long arguments
// (paths in an execve's argv) that bpftrace prints whole; the record is
// 16 KiB, as bpftrace's perf record is.
const (
	JoinArgs = 16
	JoinSize = 1024
)
