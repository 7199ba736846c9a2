package sema

import (
	"fmt"
	"slices"

	"github.com/gtrace/gtrace/lang"
)

// use tells where an expression's value goes; some calls are only valid in
// one place (aggregations as a map's value, printf as a statement).
type use uint8

const (
	useValue    use = iota // an operand, argument, condition or variable value
	useStmt                // an expression statement: the value is dropped
	useMapValue            // the right side of `@m[...] = ` (plain assignment)
)

// checkCall checks a call against its registry entry and returns its type.
func (c *checker) checkCall(call *lang.Call, u use) *lang.Type {
	spec := Funcs[call.Name]
	if spec == nil {
		for _, a := range call.Args {
			c.checkExpr(a)
		}
		d := c.errorAt(call.NameSpan, "Unknown function: %s", call.Name)
		if h := closest(call.Name, funcNames()); h != "" {
			d.WithHint("did you mean '%s'?", h)
		}
		return lang.None
	}
	if spec.Unsafe && !c.opts.Unsafe {
		c.errorf(call, "%s() is an unsafe function being used in safe mode", call.Name)
	}
	if spec.Providers != nil {
		for _, p := range c.probe.Providers {
			if !slices.Contains(spec.Providers, p) {
				msg := fmt.Sprintf("%s can not be used with \"%s\" probes", call.Name, p)
				if spec.Only != "" {
					msg = spec.Only
				}
				d := c.errorf(call, "%s", msg)
				if spec.Limit != "" {
					d.WithHint("%s", spec.Limit)
				}
				break
			}
		}
	}
	misplaced := false
	switch {
	case spec.Kind == Aggregate && u != useMapValue:
		c.errorf(call, "%s() should be directly assigned to a map", call.Name)
		misplaced = true
	case spec.Stmt && u != useStmt:
		c.errorf(call, "%s() should not be used in an assignment or as a map key", call.Name)
		misplaced = true
	}

	// Type the arguments; maps passed as a whole are references, not reads.
	args := make([]*lang.Type, len(call.Args))
	for i, a := range call.Args {
		switch argKind(spec, i) {
		case ArgMap, ArgMapKey:
			if m, ok := a.(*lang.Map); ok {
				args[i] = c.checkMapRef(m, argKind(spec, i) == ArgMapKey)
				continue
			}
		case ArgMapOrValue:
			if m, ok := a.(*lang.Map); ok && m.Keys == nil {
				args[i] = c.checkMapRef(m, false)
				continue
			}
		case ArgIdent:
			if id, ok := a.(*lang.Ident); ok {
				args[i] = c.setType(id, lang.None)
				continue
			}
		}
		args[i] = c.checkArg(call, spec, i, a)
	}
	if !c.checkArity(call, spec) {
		return resultOnError(spec)
	}
	for i, a := range call.Args {
		// An argument that failed was reported already: no cascade.
		if _, isIdent := a.(*lang.Ident); args[i].Kind == lang.KindNone && !(isIdent && argKind(spec, i) == ArgIdent) {
			return resultOnError(spec)
		}
	}
	for i, a := range call.Args {
		if !c.checkArgKind(call, spec, i, a, args[i]) {
			return resultOnError(spec)
		}
	}
	t := spec.rule(c, call, args)
	if misplaced {
		return lang.None
	}
	return t
}

// checkArg types argument i of a call. In str()'s first argument, and
// not in another call's inside it, a positional parameter stands for its
// text (checkStrParamOffset).
// A map of hist/lhist/stats given directly to a printf-style call is
// typed as its aggregation, for ruleFormat to refuse in bpftrace 0.17's
// words ("%d specifier expects a value of type integer (hist supplied)").
func (c *checker) checkArg(call *lang.Call, spec *FuncSpec, i int, a lang.Expr) *lang.Type {
	saved, savedArg := c.inStr, c.formatArg
	c.inStr, c.formatArg = nil, nil
	if call.Name == "str" && i == 0 {
		c.inStr = call
	}
	if m, ok := a.(*lang.Map); ok && spec.Format && i >= 1 {
		c.formatArg = m
	}
	defer func() { c.inStr, c.formatArg = saved, savedArg }()
	return c.checkExpr(a)
}

func resultOnError(spec *FuncSpec) *lang.Type {
	if spec.Kind == Aggregate {
		return nil // tells the map assignment to skip inference
	}
	return lang.None
}

func argKind(spec *FuncSpec, i int) ArgKind {
	if i < len(spec.Args) {
		return spec.Args[i]
	}
	return ArgAny
}

// checkArity reports a wrong argument count in bpftrace's words.
func (c *checker) checkArity(call *lang.Call, spec *FuncSpec) bool {
	n := len(call.Args)
	if spec.Min == spec.Max && n != spec.Min {
		switch spec.Min {
		case 0:
			c.errorf(call, "%s() requires no arguments (%d provided)", call.Name, n)
		case 1:
			c.errorf(call, "%s() requires one argument (%d provided)", call.Name, n)
		default:
			c.errorf(call, "%s() requires %d arguments (%d provided)", call.Name, spec.Min, n)
		}
		return false
	}
	if n < spec.Min {
		if spec.Min == 1 {
			c.errorf(call, "%s() requires at least one argument (%d provided)", call.Name, n)
		} else {
			c.errorf(call, "%s() requires at least %d arguments (%d provided)", call.Name, spec.Min, n)
		}
		return false
	}
	if spec.Max >= 0 && n > spec.Max {
		switch spec.Max {
		case 0:
			c.errorf(call, "%s() requires no arguments (%d provided)", call.Name, n)
		case 1:
			c.errorf(call, "%s() takes up to one argument (%d provided)", call.Name, n)
		default:
			c.errorf(call, "%s() takes up to %d arguments (%d provided)", call.Name, spec.Max, n)
		}
		return false
	}
	return true
}

// typeClass names a type's class the way bpftrace's messages do.
func typeClass(t *lang.Type) string {
	if t == nil {
		return "none"
	}
	switch t.Kind {
	case lang.KindInt:
		return "integer"
	case lang.KindBool:
		return "bool"
	case lang.KindStr:
		return "string"
	case lang.KindPtr:
		return "pointer"
	case lang.KindRecord:
		return "record"
	}
	return t.Kind.String()
}

// checkArgKind checks one argument against the table.
func (c *checker) checkArgKind(call *lang.Call, spec *FuncSpec, i int, a lang.Expr, t *lang.Type) bool {
	switch argKind(spec, i) {
	case ArgInt:
		if !t.IsInt() {
			c.errorf(call, "%s() only supports integer arguments (%s provided)", call.Name, typeClass(t))
			return false
		}
	case ArgIntPtr:
		if !t.IsInt() && !t.IsPtr() {
			c.errorf(call, "%s() only supports integer or pointer arguments (%s provided)", call.Name, typeClass(t))
			return false
		}
	case ArgStr:
		if t.Kind != lang.KindStr {
			c.errorf(call, "%s() only supports string arguments (%s provided)", call.Name, typeClass(t))
			return false
		}
	case ArgStrLit:
		if _, ok := c.stringLit(a); !ok {
			c.errorf(call, "%s() expects a string literal (%s provided)", call.Name, typeClass(t))
			return false
		}
	case ArgIntLit:
		if _, ok := c.constOf(a); !ok || !t.IsInt() {
			c.errorf(call, "%s() expects a integer literal (%s provided)" /* sic, bpftrace 0.17 */, call.Name, typeClass(t))
			return false
		}
	case ArgMap, ArgMapKey:
		m, ok := a.(*lang.Map)
		if !ok {
			c.errorf(call, "%s() expects a map to be provided", call.Name)
			return false
		}
		if argKind(spec, i) == ArgMap && m.Keys != nil {
			c.errorf(call, "The map passed to %s() should not be indexed by a key", call.Name)
			return false
		}
	case ArgIdent:
		if _, ok := a.(*lang.Ident); !ok {
			if _, ok := c.constOf(a); !ok || !t.IsInt() {
				c.errorf(call, "%s() expects a integer literal (%s provided)" /* sic, bpftrace 0.17 */, call.Name, typeClass(t))
				return false
			}
		}
	}
	return true
}

// stringLit returns the text of a string literal or of a positional
// parameter that is a string.
func (c *checker) stringLit(e lang.Expr) (string, bool) {
	switch e := e.(type) {
	case *lang.StrLit:
		return e.Value, true
	case *lang.Positional:
		if !e.Count && e.Index <= len(c.opts.Params) {
			if _, isNum := c.constOf(e); !isNum {
				return c.opts.Params[e.Index-1], true
			}
		}
	}
	return "", false
}
