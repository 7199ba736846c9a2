package codegen

import (
	"strings"
	"unicode"

	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// Helper error reporting (-k, -kk), as bpftrace 0.17: after a helper call
// that can fail, the generated code tests its return value and, on an
// error, sends a record {action id, return value} through the ring buffer.
// The action (ActHelperError) names the helper and the script span, so user
// space prints "stdin:L:C-C: WARNING: Failed to map_update_elem: Argument
// list too long (-7)" or the JSON "helper_error" object. Without -k no
// check is emitted: the hot path stays as it was.

// HelperErrorSize is the size of a helper-error record: the action id,
// then the helper's return value as a signed 64-bit integer.
const HelperErrorSize = 16

// Helper error levels (Options.HelperErrors).
const (
	// HelperErrorsUsual is -k: errors of helpers whose failure is
	// unusual (map updates and deletes, get_stackid, send_signal, ...).
	HelperErrorsUsual = 1
	// HelperErrorsAll is -kk: also the probe_read family and map lookups
	// that find no value, whose failures bpftrace 0.17 otherwise leaves to
	// the script (they read as zero).
	HelperErrorsAll = 2
)

// readsAsZero lists the helpers whose failure leaves a zero value the
// script can test: -k skips them, -kk reports them (bpftrace's
// return_zero_if_err).
func readsAsZero(fn asm.BuiltinFunc) bool {
	switch fn {
	case asm.FnProbeRead, asm.FnProbeReadStr,
		asm.FnProbeReadKernel, asm.FnProbeReadKernelStr,
		asm.FnProbeReadUser, asm.FnProbeReadUserStr,
		asm.FnMapLookupElem:
		return true
	}
	return false
}

// reportsHelper says whether failures of fn are reported at the level of
// the command line.
func (g *gen) reportsHelper(fn asm.BuiltinFunc) bool {
	switch lvl := g.c.opts.HelperErrors; {
	case lvl <= 0:
		return false
	case lvl == HelperErrorsUsual:
		return !readsAsZero(fn)
	}
	return true
}

// helperName is the helper's name as bpftrace prints it: the kernel's
// bpf_func_id name without "BPF_FUNC_" ("map_update_elem").
func helperName(fn asm.BuiltinFunc) string {
	s := strings.TrimPrefix(fn.String(), "Fn")
	var b strings.Builder
	for i, r := range s {
		if unicode.IsUpper(r) {
			if i > 0 {
				b.WriteByte('_')
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}

// checkHelper follows a call of fn: when the level reports fn and R0 (read
// as the helper's int) is negative, it reports the error at the span of
// the node being compiled. R0 keeps its value on both paths.
func (g *gen) checkHelper(fn asm.BuiltinFunc) {
	g.checkHelperAs(fn, helperName(fn))
}

// checkHelperAs is checkHelper under another name: a read that tries
// probe_read_kernel, then probe_read_user, fails as "probe_read" (the name
// bpftrace gives a read whose address space it does not know).
func (g *gen) checkHelperAs(fn asm.BuiltinFunc, name string) {
	if !g.reportsHelper(fn) {
		return
	}
	ok := g.b.label("helper_ok")
	// Helpers return an int in a long: test the low 32 bits, as bpftrace.
	g.b.emit(asm.JSGE.Imm32(asm.R0, 0, ok))
	g.sendHelperError(name)
	g.b.mark(ok)
}

// reportHelperError reports a failure of fn on a path where it has
// already been detected (R0 holds the return value: an error, or 0 for a
// map lookup that found nothing). R0 keeps its value.
func (g *gen) reportHelperError(fn asm.BuiltinFunc) {
	if g.reportsHelper(fn) {
		g.sendHelperError(helperName(fn))
	}
}

// sendHelperError registers a helper-error action at the current span and
// sends its record with bpf_ringbuf_output (5.8+) from the stack: R0 is
// saved in the record's slot and reloaded afterwards. A full ring buffer
// counts the record as lost. Clobbers R1–R5.
func (g *gen) sendHelperError(name string) {
	id := len(g.c.out.Actions)
	g.c.out.Actions = append(g.c.out.Actions, &Action{
		Kind:   ActHelperError,
		Helper: name,
		Span:   g.b.span,
		Args:   []Arg{{Offset: 8, Type: lang.Int64}},
		Size:   HelperErrorSize,
	})
	// The slots live only on this cold path: give them back at once, so
	// that many checks in one statement (join's 32 reads) share them.
	mark := g.f.mark()
	defer g.f.release(mark)
	rec := g.f.alloc(HelperErrorSize)
	sent := g.b.label("helper_error_sent")
	g.b.emit(
		asm.StoreMem(asm.RFP, rec+8, asm.R0, asm.DWord),
		movImm(asm.R1, int64(id)),
		asm.StoreMem(asm.RFP, rec, asm.R1, asm.DWord),
		asm.LoadMapPtr(asm.R1, 0).WithReference(EventsMap),
		asm.Mov.Reg(asm.R2, asm.RFP),
		asm.Add.Imm(asm.R2, int32(rec)),
		asm.Mov.Imm(asm.R3, HelperErrorSize),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnRingbufOutput.Call(),
		asm.JEq.Imm(asm.R0, 0, sent),
	)
	g.countLost(LostEvents)
	g.b.mark(sent)
	g.b.emit(asm.LoadMem(asm.R0, asm.RFP, rec+8, asm.DWord))
}

// derefError makes a helper error of the read fn emits point at the `*`
// of e and name it "probe_read": bpftrace 0.17 reports the dereference of
// an integer at its operator, as a read of no particular address space.
func (g *gen) derefError(e *lang.Unary, fn func()) {
	saved, savedName := g.b.span, g.readAs
	s := e.SpanOf()
	end := s.Start
	end.Offset++
	end.Col++
	g.b.span, g.readAs = lang.Span{Start: s.Start, End: end}, "probe_read"
	defer func() { g.b.span, g.readAs = saved, savedName }()
	fn()
}

// checkRead is checkHelper for a probe read, under the name derefError
// gives it.
func (g *gen) checkRead(fn asm.BuiltinFunc) {
	name := g.readAs
	if name == "" {
		name = helperName(fn)
	}
	g.readAs = ""
	g.checkHelperAs(fn, name)
}

// reportHelperErrorAt is reportHelperError at another span.
func (g *gen) reportHelperErrorAt(fn asm.BuiltinFunc, at lang.Span) {
	saved := g.b.span
	g.b.span = at
	g.reportHelperError(fn)
	g.b.span = saved
}

// assignOpSpan is the span of the `=` of a map assignment: bpftrace
// reports a failed update there. When the operator cannot be found on the
// target's line, the whole statement stands for it.
func (g *gen) assignOpSpan(s *lang.AssignStmt) lang.Span {
	text := g.c.opts.Source.Text
	from, to := s.Target.SpanOf().End, s.Value.SpanOf().Start
	if from.Offset < 0 || to.Offset > len(text) || from.Offset > to.Offset {
		return s.Span
	}
	op := s.Op.AssignString()
	i := strings.Index(text[from.Offset:to.Offset], op)
	if i < 0 || strings.Contains(text[from.Offset:from.Offset+i], "\n") {
		return s.Span
	}
	start := lang.Pos{Offset: from.Offset + i, Line: from.Line, Col: from.Col + i}
	end := lang.Pos{Offset: start.Offset + len(op), Line: start.Line, Col: start.Col + len(op)}
	return lang.Span{Start: start, End: end}
}

// recordCopied is record under -k: the payload is built in scratch memory
// (the stack, or the BigMap entry when large) and then copied into the
// ring with bpf_ringbuf_output. A record reserved first would come out
// before the helper errors its own arguments raise (the ring keeps the
// order of reservation); bpftrace evaluates the arguments first, so its
// warning precedes the line it concerns. The copy costs only under -k.
func (g *gen) recordCopied(id int, a *Action, fill func(rec asm.Register)) {
	rec := g.hold()
	if rec.reg == asm.R0 {
		fail(a.Call, "expression too complex around %s(): %v", a.Call.Name, ErrUnsupported)
	}
	buf := g.tmp(a.Size)
	g.addr(rec.reg, buf.reg, buf.off)
	g.b.emit(
		movImm(asm.R1, int64(id)),
		asm.StoreMem(rec.reg, 0, asm.R1, asm.DWord),
	)
	fill(rec.reg)
	sent := g.b.label("event_sent")
	g.b.emit(
		asm.LoadMapPtr(asm.R1, 0).WithReference(EventsMap),
		asm.Mov.Reg(asm.R2, rec.reg),
		asm.Mov.Imm(asm.R3, int32(a.Size)),
		asm.Mov.Imm(asm.R4, 0),
		asm.FnRingbufOutput.Call(),
		asm.JEq.Imm(asm.R0, 0, sent),
	)
	g.countLost(LostEvents)
	g.b.mark(sent)
	g.release(rec)
}
