package codegen

import (
	"fmt"
	"strings"

	"github.com/cilium/ebpf/asm"
	"github.com/cilium/ebpf/btf"

	"github.com/gtrace/gtrace/lang"
)

// spanKey is the asm.Metadata key holding an instruction's lang.Span.
type spanKey struct{}

// builder accumulates the instructions of one program.
type builder struct {
	insns   asm.Instructions
	pending []string          // labels to put on the next instruction
	alias   map[string]string // label → the label that names the same spot
	src     string            // source comment for the next instruction
	span    lang.Span         // span of the node being compiled
	n       int               // label counter
	// funcs holds finished BPF subprograms (for_each_map_elem callbacks),
	// placed after the main program.
	funcs []asm.Instructions
}

// savedFunc is the state of the function being built while a nested
// subprogram is generated.
type savedFunc struct {
	insns   asm.Instructions
	pending []string
	src     string
	span    lang.Span
}

// beginFunc starts a subprogram whose first instruction carries symbol
// sym; instructions go to it until endFunc.
func (b *builder) beginFunc(sym string) savedFunc {
	s := savedFunc{b.insns, b.pending, b.src, b.span}
	b.insns, b.pending, b.src = nil, []string{sym}, ""
	return s
}

// endFunc finishes the current subprogram and resumes the saved one.
func (b *builder) endFunc(s savedFunc) {
	if len(b.pending) > 0 {
		panic("BUG: codegen: label at the end of a subprogram")
	}
	b.funcs = append(b.funcs, b.insns)
	b.insns, b.pending, b.src, b.span = s.insns, s.pending, s.src, s.span
}

func newBuilder() *builder { return &builder{alias: map[string]string{}} }

// emit appends instructions, attaching pending labels, the pending source
// comment and the current span to the first one.
func (b *builder) emit(ins ...asm.Instruction) {
	for _, in := range ins {
		if len(b.pending) > 0 {
			// Name the spot by its most telling label (the exit).
			for i, l := range b.pending {
				if strings.HasPrefix(l, "exit") {
					b.pending[0], b.pending[i] = b.pending[i], b.pending[0]
				}
			}
			in = in.WithSymbol(b.pending[0])
			for _, l := range b.pending[1:] {
				if l != b.pending[0] {
					b.alias[l] = b.pending[0]
				}
			}
			b.pending = b.pending[:0]
		}
		if b.src != "" {
			// BTF line info is a NUL-terminated string table: a NUL in
			// the script (inside a string literal) must not reach it.
			in = in.WithSource(asm.Comment(strings.ReplaceAll(b.src, "\x00", `\0`)))
			b.src = ""
		}
		in.Metadata.Set(spanKey{}, b.span)
		b.insns = append(b.insns, in)
	}
}

// label returns a fresh label name.
func (b *builder) label(what string) string {
	b.n++
	return fmt.Sprintf("%s_%d", what, b.n)
}

// mark places label l on the next instruction emitted.
func (b *builder) mark(l string) { b.pending = append(b.pending, l) }

// finish resolves label aliases and returns the instructions.
func (b *builder) finish() asm.Instructions {
	if len(b.pending) > 0 {
		panic("BUG: codegen: label at the end of a program")
	}
	out := b.resolve(b.insns)
	if len(b.funcs) == 0 {
		return out
	}
	// A program with callbacks needs BTF func info for every function
	// (the verifier refuses a BPF_PSEUDO_FUNC load without it).
	ptr := &btf.Pointer{Target: &btf.Void{}}
	out[0] = btf.WithFuncMetadata(out[0], &btf.Func{
		Name:    "gtrace_main",
		Type:    &btf.FuncProto{Return: &btf.Int{Name: "int", Size: 4, Encoding: btf.Signed}, Params: []btf.FuncParam{{Name: "ctx", Type: ptr}}},
		Linkage: btf.GlobalFunc,
	})
	long := &btf.Int{Name: "long", Size: 8, Encoding: btf.Signed}
	for _, f := range b.funcs {
		f = b.resolve(f)
		f[0] = btf.WithFuncMetadata(f[0], &btf.Func{
			Name: f[0].Symbol(),
			Type: &btf.FuncProto{Return: long, Params: []btf.FuncParam{
				{Name: "map", Type: ptr}, {Name: "key", Type: ptr}, {Name: "value", Type: ptr}, {Name: "ctx", Type: ptr},
			}},
			Linkage: btf.StaticFunc,
		})
		out = append(out, f...)
	}
	return out
}

// resolve replaces label aliases in one function and prunes it.
func (b *builder) resolve(insns asm.Instructions) asm.Instructions {
	for i := range insns {
		ref := insns[i].Reference()
		if ref == "" || insns[i].IsLoadOfFunctionPointer() {
			continue
		}
		for {
			a, ok := b.alias[ref]
			if !ok {
				break
			}
			ref = a
		}
		insns[i] = insns[i].WithReference(ref)
	}
	return pruneUnreachable(insns)
}

// pruneUnreachable drops instructions no path from the entry reaches
// (code after return/break, branches of constant conditions): the
// verifier rejects unreachable instructions.
func pruneUnreachable(insns asm.Instructions) asm.Instructions {
	sym := map[string]int{}
	for i, in := range insns {
		if s := in.Symbol(); s != "" {
			sym[s] = i
		}
	}
	seen := make([]bool, len(insns))
	work := []int{0}
	for len(work) > 0 {
		i := work[len(work)-1]
		work = work[:len(work)-1]
		for i < len(insns) && !seen[i] {
			seen[i] = true
			in := insns[i]
			op := in.OpCode.JumpOp()
			isJump := (in.OpCode.Class() == asm.JumpClass || in.OpCode.Class() == asm.Jump32Class) && op != asm.Call && op != asm.InvalidJumpOp
			if op == asm.Exit && isJump {
				break
			}
			if isJump {
				if t, ok := sym[in.Reference()]; ok {
					work = append(work, t)
				}
				if op == asm.Ja {
					break
				}
			}
			i++
		}
	}
	out := insns[:0:0]
	for i, in := range insns {
		if seen[i] {
			out = append(out, in)
		}
	}
	return out
}

// Instruction helpers that cilium's asm lacks or that encode a convention.

// storeImm64 stores a sign-extended 32-bit immediate as a u64. cilium's
// asm.StoreImm refuses DWord, but the kernel accepts BPF_ST|BPF_DW|BPF_MEM.
func storeImm64(dst asm.Register, off int16, v int32) asm.Instruction {
	return asm.Instruction{OpCode: asm.StoreImmOp(asm.DWord), Dst: dst, Offset: off, Constant: int64(v)}
}

// movImm loads a 64-bit constant into r with the shortest encoding.
func movImm(r asm.Register, v int64) asm.Instruction {
	if v == int64(int32(v)) {
		return asm.Mov.Imm(r, int32(v))
	}
	return asm.LoadImm(r, v, asm.DWord)
}

// sizeOp returns the asm.Size of a 1/2/4/8-byte access.
func sizeOp(n int) asm.Size {
	switch n {
	case 1:
		return asm.Byte
	case 2:
		return asm.Half
	case 4:
		return asm.Word
	}
	return asm.DWord
}
