package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
)

// The aggregations, under their sema.Funcs names.
func init() {
	for _, name := range []string{"count", "sum", "min", "max", "avg", "stats", "hist", "lhist"} {
		funcEntry(name).agg = true
	}
}

// aggregate compiles `@m[k] = agg(...)`. It reports false when call is not
// an aggregation. The argument is evaluated first (it may call helpers),
// then the key is looked up: an existing value is updated in place in this
// CPU's copy (no atomics needed: per-CPU), a missing one inserted.
func (g *gen) aggregate(m *lang.Map, call *lang.Call) bool {
	if !isAggregation(call.Name) {
		return false
	}
	d := g.mapDef(m)
	var x held
	hasArg := call.Name != "count"
	if hasArg {
		x = g.hold()
		g.intInto(call.Args[0], x)
		switch call.Name {
		case "hist":
			g.load(asm.R0, x)
			g.histIndex(asm.R0, d.Value.Bits)
			g.store(x, asm.R0)
		case "lhist":
			g.load(asm.R0, x)
			g.lhistIndex(asm.R0, d.Value)
			g.store(x, asm.R0)
		}
	}
	// Helper errors of the update point at the call, as bpftrace's.
	saved := g.b.span
	g.b.span = call.SpanOf()
	defer func() { g.b.span = saved }()
	key := g.mapKey(m)
	g.lookup(d, key)
	found, end := g.b.label("agg_found"), g.b.label("agg_end")
	g.b.emit(asm.JNE.Imm(asm.R0, 0, found))
	g.aggLookupMiss(m, call)

	// Absent: insert the first value.
	if call.Name == "hist" || call.Name == "lhist" {
		// Too large for the stack: insert zeroes from ZeroMap, then look
		// the key up again and count as if it had been there.
		g.c.needZero = max(g.c.needZero, int(d.ValueSize))
		g.b.emit(asm.LoadMapValue(asm.R3, 0, 0).WithReference(ZeroMap))
		g.update(d, key, loc{}, true, bpfNoExist)
		g.lookup(d, key)
		g.b.emit(asm.JEq.Imm(asm.R0, 0, end)) // then fall into found
	} else {
		val := g.f.alloc(int(d.ValueSize))
		switch call.Name {
		case "count":
			g.b.emit(storeImm64(asm.RFP, val, 1))
		case "sum":
			g.load(asm.R1, x)
			g.b.emit(asm.StoreMem(asm.RFP, val, asm.R1, asm.DWord))
		case "min", "max":
			g.load(asm.R1, x)
			g.b.emit(asm.StoreMem(asm.RFP, val, asm.R1, asm.DWord), storeImm64(asm.RFP, val+maps.MinMaxSetOffset, 1))
		case "avg", "stats":
			g.load(asm.R1, x)
			g.b.emit(storeImm64(asm.RFP, val+maps.AvgCountOffset, 1), asm.StoreMem(asm.RFP, val+maps.AvgTotalOffset, asm.R1, asm.DWord))
		}
		g.update(d, key, stackLoc(val), false, bpfAny)
		g.b.emit(asm.Ja.Label(end))
	}

	// Present: update this CPU's copy in place.
	g.b.mark(found)
	if d.PresentOffset > 0 {
		// A scalar aggregation in a per-CPU array: mark the value set.
		g.b.emit(storeImm64(asm.R0, int16(d.PresentOffset), 1))
	}
	switch call.Name {
	case "count":
		g.b.emit(asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord), asm.Add.Imm(asm.R1, 1), asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord))
	case "sum":
		g.load(asm.R2, x)
		g.b.emit(asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord), asm.Add.Reg(asm.R1, asm.R2), asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord))
	case "min", "max":
		g.load(asm.R2, x)
		set := g.b.label("minmax_set")
		g.b.emit(
			asm.LoadMem(asm.R1, asm.R0, maps.MinMaxSetOffset, asm.DWord),
			asm.JEq.Imm(asm.R1, 0, set),
			asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord),
		)
		if call.Name == "min" {
			g.b.emit(asm.JSLE.Reg(asm.R1, asm.R2, end))
		} else {
			g.b.emit(asm.JSGE.Reg(asm.R1, asm.R2, end))
		}
		g.b.mark(set)
		g.b.emit(asm.StoreMem(asm.R0, 0, asm.R2, asm.DWord), storeImm64(asm.R0, maps.MinMaxSetOffset, 1))
	case "avg", "stats":
		g.load(asm.R2, x)
		g.b.emit(
			asm.LoadMem(asm.R1, asm.R0, maps.AvgCountOffset, asm.DWord), asm.Add.Imm(asm.R1, 1),
			asm.StoreMem(asm.R0, maps.AvgCountOffset, asm.R1, asm.DWord),
			asm.LoadMem(asm.R1, asm.R0, maps.AvgTotalOffset, asm.DWord), asm.Add.Reg(asm.R1, asm.R2),
			asm.StoreMem(asm.R0, maps.AvgTotalOffset, asm.R1, asm.DWord),
		)
	case "hist", "lhist":
		n := int32(maps.SizeOf(d.Value) / 8)
		g.load(asm.R2, x)
		// The index is in range by construction; the check is for the
		// verifier, which needs a bound on the variable offset.
		g.b.emit(
			asm.JGE.Imm(asm.R2, n, end),
			asm.LSh.Imm(asm.R2, 3),
			asm.Add.Reg(asm.R0, asm.R2),
			asm.LoadMem(asm.R1, asm.R0, 0, asm.DWord), asm.Add.Imm(asm.R1, 1),
			asm.StoreMem(asm.R0, 0, asm.R1, asm.DWord),
		)
	}
	g.b.mark(end)
	if hasArg {
		g.release(x)
	}
	return true
}

// histIndex turns the value in r into its hist(x, k) bucket index (the
// layout of output.HistIndex): 0 for negatives, v+1 below 2^(k+1), else
// (p-k+1)<<k + sub + 1 where p = floor(log2 v) and sub the k bits below
// the top one. log2 is a branchy binary search: six steps. Uses R1–R3.
func (g *gen) histIndex(r asm.Register, k int) {
	neg, small, done := g.b.label("hist_neg"), g.b.label("hist_small"), g.b.label("hist_done")
	n := int32(1) << k
	g.b.emit(
		asm.JSLT.Imm(r, 0, neg),
		asm.JLT.Imm(r, 2*n, small),
		// R1 = floor(log2 r), R2 = scratch copy.
		asm.Mov.Reg(asm.R2, r),
		asm.Mov.Imm(asm.R1, 0),
	)
	// Binary search for the highest set bit: 20 instructions on the
	// per-event path. Below 2^32 a step compares with an immediate (the
	// verifier sign-extends 32-bit immediates, so 2^32 itself cannot be
	// one: that step shifts a copy instead).
	skip := g.b.label("log2")
	g.b.emit(
		asm.Mov.Reg(asm.R3, asm.R2),
		asm.RSh.Imm(asm.R3, 32),
		asm.JEq.Imm(asm.R3, 0, skip),
		asm.Mov.Reg(asm.R2, asm.R3),
		asm.Add.Imm(asm.R1, 32),
	)
	g.b.mark(skip)
	for _, s := range []int32{16, 8, 4, 2, 1} {
		skip := g.b.label("log2")
		g.b.emit(
			asm.JLT.Imm(asm.R2, 1<<s, skip),
			asm.RSh.Imm(asm.R2, s),
			asm.Add.Imm(asm.R1, s),
		)
		g.b.mark(skip)
	}
	if k == 0 {
		// index = p + 2
		g.b.emit(asm.Mov.Reg(r, asm.R1), asm.Add.Imm(r, 2), asm.Ja.Label(done))
	} else {
		g.histSub(r, k, n, done)
	}
	g.b.mark(neg)
	g.b.emit(asm.Mov.Imm(r, 0), asm.Ja.Label(done))
	g.b.mark(small)
	g.b.emit(asm.Add.Imm(r, 1))
	g.b.mark(done)
}

// histSub finishes the index of hist(x, k > 0) from p in R1.
func (g *gen) histSub(r asm.Register, k int, n int32, done string) {
	// sub = (v >> (p-k)) & (n-1); index = (p-k+1)<<k + sub + 1
	g.b.emit(
		asm.Mov.Reg(asm.R2, asm.R1),
		asm.Sub.Imm(asm.R2, int32(k)),
		asm.RSh.Reg(r, asm.R2),
		asm.And.Imm(r, n-1),
		asm.Add.Imm(asm.R2, 1),
		asm.LSh.Imm(asm.R2, int32(k)),
		asm.Add.Reg(r, asm.R2),
		asm.Add.Imm(r, 1),
		asm.Ja.Label(done),
	)
}

// lhistIndex turns the value in r into its lhist bucket index (the layout
// of output.LhistIndex).
func (g *gen) lhistIndex(r asm.Register, t *lang.Type) {
	under, over, done := g.b.label("lhist_under"), g.b.label("lhist_over"), g.b.label("lhist_done")
	g.b.emit(movImm(asm.R1, t.Min), asm.JSLT.Reg(r, asm.R1, under))
	g.b.emit(movImm(asm.R1, t.Max), asm.JSGE.Reg(r, asm.R1, over))
	g.b.emit(movImm(asm.R1, t.Min), asm.Sub.Reg(r, asm.R1))
	if t.Step != 1 {
		g.b.emit(movImm(asm.R1, t.Step), asm.Div.Reg(r, asm.R1))
	}
	g.b.emit(asm.Add.Imm(r, 1), asm.Ja.Label(done))
	g.b.mark(under)
	g.b.emit(asm.Mov.Imm(r, 0), asm.Ja.Label(done))
	g.b.mark(over)
	g.b.emit(movImm(r, int64(maps.LhistBuckets(t.Min, t.Max, t.Step)-1)))
	g.b.mark(done)
}

// aggLookupMiss reports, with -kk, the first update of an aggregation key
// as bpftrace 0.17 does: a map_lookup_elem that found nothing, at the
// call. v0.17 keeps avg and stats in two entries (count, total), so it
// reports them twice, and a keyless count() in a per-CPU array, whose
// lookup never misses.
func (g *gen) aggLookupMiss(m *lang.Map, call *lang.Call) {
	if call.Name == "count" && len(m.Keys) == 0 {
		return
	}
	g.reportHelperError(asm.FnMapLookupElem)
	if call.Name == "avg" || call.Name == "stats" {
		g.reportHelperError(asm.FnMapLookupElem)
	}
}
