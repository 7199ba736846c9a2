package codegen

import (
	"github.com/cilium/ebpf/asm"

	"github.com/gtrace/gtrace/lang"
)

// The emitters of builtins and functions, keyed by the names lang/sema
// registers them under (sema.Builtins, sema.Funcs). Each family's file
// adds its own in an init function; TestEmittersMatchSema compiles a use
// of every registered name, so a name sema accepts and codegen cannot
// compile is a failing test, not a user's surprise (the test's
// notEmitted list names the few that wait, and why).

// builtinEmitter evaluates a register-valued builtin into dst.
type builtinEmitter func(g *gen, e *lang.Builtin, dst asm.Register)

// memBuiltinEmitter writes a memory-valued builtin (a string, a record)
// as type dt at base+off; pad zeroes what the value does not fill. The
// mem form of a funcEmitter does the same for a call.
type memBuiltinEmitter func(g *gen, e *lang.Builtin, dt *lang.Type, base asm.Register, off int16, pad bool)

// funcEmitter compiles one function in the forms it has: as a statement
// (actions, map operations), as a register value, as a value in memory,
// or as an aggregation (compiled by aggregate as a map's value).
type funcEmitter struct {
	stmt  func(g *gen, call *lang.Call)
	value func(g *gen, call *lang.Call, dst asm.Register)
	mem   func(g *gen, call *lang.Call, dt *lang.Type, base asm.Register, off int16, pad bool)
	agg   bool
}

var (
	builtinEmitters    = map[string]builtinEmitter{}
	builtinMemEmitters = map[string]memBuiltinEmitter{}
	funcEmitters       = map[string]*funcEmitter{}
)

func addBuiltin(name string, e builtinEmitter) {
	if builtinEmitters[name] != nil {
		panic("BUG: codegen: builtin emitter registered twice: " + name)
	}
	builtinEmitters[name] = e
}

func addBuiltinMem(name string, e memBuiltinEmitter) {
	if builtinMemEmitters[name] != nil {
		panic("BUG: codegen: builtin emitter registered twice: " + name)
	}
	builtinMemEmitters[name] = e
}

// funcEntry returns the entry of a function, made on first use.
func funcEntry(name string) *funcEmitter {
	f := funcEmitters[name]
	if f == nil {
		f = &funcEmitter{}
		funcEmitters[name] = f
	}
	return f
}

func addStmt(name string, e func(g *gen, call *lang.Call)) { funcEntry(name).stmt = e }

func addValue(name string, e func(g *gen, call *lang.Call, dst asm.Register)) {
	funcEntry(name).value = e
}

func addMem(name string, e func(g *gen, call *lang.Call, dt *lang.Type, base asm.Register, off int16, pad bool)) {
	funcEntry(name).mem = e
}

// builtin evaluates a register-valued builtin variable into dst.
func (g *gen) builtin(e *lang.Builtin, dst asm.Register) {
	emit := builtinEmitters[e.Name]
	if emit == nil {
		fail(e, "builtin %s: %v", e.Name, ErrUnsupported)
	}
	emit(g, e, dst)
}

// callValue evaluates a register-valued function call into dst; a
// statement-only call (an action) used as a value yields 0.
func (g *gen) callValue(call *lang.Call, dst asm.Register) {
	f := funcEmitters[call.Name]
	switch {
	case f != nil && f.value != nil:
		f.value(g, call, dst)
	case f != nil && f.stmt != nil:
		f.stmt(g, call)
		g.b.emit(asm.Mov.Imm(dst, 0))
	default:
		fail(call, "%s(): %v", call.Name, ErrUnsupported)
	}
}

// callStmt compiles calls used as statements: async actions, map
// operations. It reports false for calls that only produce a value.
func (g *gen) callStmt(call *lang.Call) bool {
	f := funcEmitters[call.Name]
	if f == nil || f.stmt == nil {
		return false
	}
	f.stmt(g, call)
	return true
}

// callMem writes a memory-valued call result at base+off. It reports
// false for calls it does not know.
func (g *gen) callMem(call *lang.Call, dt *lang.Type, base asm.Register, off int16, pad bool) bool {
	f := funcEmitters[call.Name]
	if f == nil || f.mem == nil {
		return false
	}
	f.mem(g, call, dt, base, off, pad)
	return true
}

// isAggregation reports whether a function is an aggregation.
func isAggregation(name string) bool {
	f := funcEmitters[name]
	return f != nil && f.agg
}
