package pprof

import (
	"cmp"
	"debug/dwarf"
	"slices"
)

// A frame's address may be in code the compiler inlined: the line table
// then names the inlined function's source line, and the function around
// it is only the outermost of a chain. DWARF describes the chain with
// DW_TAG_inlined_subroutine entries (their code ranges, and the file and
// line of the call they replace) nested in the DW_TAG_subprogram; pprof
// shows it as several Lines of one Location, innermost first.

// inlined is one inlined call: the code in its ranges is fn's, put in at
// callFile:callLine of the function (or inlined call) around it.
type inlined struct {
	ranges   [][2]uint64
	depth    int // 1: inlined straight into the function
	fn       string
	callFile string
	callLine int
}

// funcRange is one code range of a function and the calls inlined into
// the function.
type funcRange struct {
	lo, hi  uint64
	inlined *[]inlined
}

// srcLine is one level of a location: the function ("" for the frame's
// own, the ELF symbol's name) and the file and line in it.
type srcLine struct {
	fn   string
	file string
	line int
}

// readInlined walks the entries of one compile unit (r just past its
// DW_TAG_compile_unit) and records its functions' ranges and inlined
// calls. files is the unit's line table file list (DW_AT_call_file
// indexes it).
func (t *lineTable) readInlined(d *dwarf.Data, r *dwarf.Reader, files []*dwarf.LineFile, names *dieNames) {
	// One context per open entry with children: the inlined calls of the
	// innermost function, and the inline depth there.
	type context struct {
		calls *[]inlined
		depth int
	}
	stack := []context{{}}
	for len(stack) > 0 {
		e, err := r.Next()
		if err != nil || e == nil {
			return
		}
		if e.Tag == 0 { // the end of an entry's children
			stack = stack[:len(stack)-1]
			continue
		}
		ctx := stack[len(stack)-1]
		switch e.Tag {
		case dwarf.TagSubprogram:
			ranges, _ := d.Ranges(e)
			if len(ranges) > 0 {
				calls := new([]inlined)
				for _, rg := range ranges {
					t.funcs = append(t.funcs, funcRange{lo: rg[0], hi: rg[1], inlined: calls})
				}
				ctx = context{calls: calls}
			}
		case dwarf.TagInlinedSubroutine:
			if ctx.calls == nil {
				break
			}
			ranges, _ := d.Ranges(e)
			call := inlined{ranges: ranges, depth: ctx.depth + 1, fn: names.of(d, e)}
			if i, ok := e.Val(dwarf.AttrCallFile).(int64); ok && i >= 0 && int(i) < len(files) && files[i] != nil {
				call.callFile = files[i].Name
			}
			if l, ok := e.Val(dwarf.AttrCallLine).(int64); ok {
				call.callLine = int(l)
			}
			*ctx.calls = append(*ctx.calls, call)
			ctx.depth++
		}
		if e.Children {
			stack = append(stack, ctx)
		}
	}
}

// sortFuncs orders the function ranges for inlinedAt.
func (t *lineTable) sortFuncs() {
	slices.SortFunc(t.funcs, func(a, b funcRange) int { return cmp.Compare(a.lo, b.lo) })
}

// lines is the chain of vaddr, innermost first: the inlined functions
// with the line of vaddr for the innermost and the call lines for those
// around it, then the frame's own function ("") at its call line; just
// the frame's function at the line of vaddr when nothing was inlined
// there. Nil when the line table does not know vaddr.
func (t *lineTable) lines(vaddr uint64) []srcLine {
	if t.goTable != nil {
		// debug/gosym does not read the table's inlining tree: code
		// inlined into a function has the inlined callee's file:line
		// under the caller's name.
		file, line, _ := t.goTable.PCToLine(vaddr)
		if line == 0 {
			return nil
		}
		return []srcLine{{file: file, line: line}}
	}
	file, line := t.find(vaddr)
	if line == 0 {
		return nil
	}
	var chain []inlined
	i, _ := slices.BinarySearchFunc(t.funcs, vaddr, func(f funcRange, a uint64) int {
		if f.lo <= a {
			return -1
		}
		return 1
	})
	if i--; i >= 0 && vaddr < t.funcs[i].hi {
		for _, c := range *t.funcs[i].inlined {
			if inRanges(c.ranges, vaddr) {
				chain = append(chain, c)
			}
		}
	}
	slices.SortFunc(chain, func(a, b inlined) int { return cmp.Compare(a.depth, b.depth) })
	if len(chain) == 0 {
		return []srcLine{{file: file, line: line}}
	}
	out := []srcLine{{fn: chain[len(chain)-1].fn, file: file, line: line}}
	for j := len(chain) - 1; j >= 0; j-- {
		caller := ""
		if j > 0 {
			caller = chain[j-1].fn
		}
		out = append(out, srcLine{fn: caller, file: chain[j].callFile, line: chain[j].callLine})
	}
	return out
}

func inRanges(ranges [][2]uint64, a uint64) bool {
	for _, r := range ranges {
		if a >= r[0] && a < r[1] {
			return true
		}
	}
	return false
}

// dieNames names the functions inlined calls refer to, each entry read
// once: the name is on the abstract instance (DW_AT_abstract_origin) or
// on the declaration it completes (DW_AT_specification).
type dieNames struct {
	byOffset map[dwarf.Offset]string
}

func (n *dieNames) of(d *dwarf.Data, e *dwarf.Entry) string {
	return n.follow(d, e, 4) // origin → specification chains are short
}

// follow names e, following at most depth references.
func (n *dieNames) follow(d *dwarf.Data, e *dwarf.Entry, depth int) string {
	if name, ok := e.Val(dwarf.AttrName).(string); ok {
		return name
	}
	off, ok := e.Val(dwarf.AttrAbstractOrigin).(dwarf.Offset)
	if !ok {
		if off, ok = e.Val(dwarf.AttrSpecification).(dwarf.Offset); !ok {
			return "?"
		}
	}
	if name, ok := n.byOffset[off]; ok {
		return name
	}
	if depth == 0 {
		return "?"
	}
	r := d.Reader()
	r.Seek(off)
	next, err := r.Next()
	if err != nil || next == nil {
		return "?"
	}
	name := n.follow(d, next, depth-1)
	if n.byOffset == nil {
		n.byOffset = map[dwarf.Offset]string{}
	}
	n.byOffset[off] = name
	return name
}
