package parse

import (
	"slices"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
	"github.com/gtrace/gtrace/lang"
)

// Options configures Parse.
type Options struct {
	// Params are the positional parameters $1..$N (script arguments),
	// substituted into attach points. In expressions $N stays a
	// lang.Positional node for sema to resolve.
	Params []string

	// whole makes tests parse the program as one token stream, the
	// reference that parseItems must agree with.
	whole bool
}

// state is the per-parse context shared by the scanner, the expression
// hook and lowering.
type state struct {
	lines  *lineTable
	sc     *scanner
	chunks [][]lexer.Token // the tokens of each top-level item
	// macros are the macro definitions by name and arity; macroNames
	// holds their names.
	macros     map[macroKey]*macroDef
	macroNames map[string]bool
	params     []string
	whole      bool
	eof        lexer.Token
	diags      lang.ErrorList
	fatal      *lang.Diagnostic
}

func (st *state) tokenSpan(t lexer.Token) lang.Span { return st.sc.tokenSpan(t) }

// diag records a non-fatal diagnostic; parsing goes on.
func (st *state) diag(d *lang.Diagnostic) { st.diags.Add(d) }

// fail records a syntax error that stops parsing. When participle tried
// several alternatives, the error furthest into the input wins, as it
// explains the most.
func (st *state) fail(d *lang.Diagnostic) error {
	if st.fatal == nil || d.Start.Offset > st.fatal.Start.Offset {
		st.fatal = d
	}
	return &errStop{d}
}

// Parse parses a bpftrace program. On error the program may be partial
// and the list holds at least one error, sorted by position.
func Parse(src lang.Source, opts Options) (*lang.Program, lang.ErrorList) {
	lines := newLineTable(src.Text)
	st := &state{lines: lines, params: opts.Params, whole: opts.whole}
	pp := runPreproc(src.Text, lines, &st.diags)
	sc := &scanner{src: string(pp.src), lines: lines, errs: &st.diags, defines: pp.defines, macroEnd: map[int]int{}}
	st.sc = sc
	// Each top-level item gets its own token slice.
	for sc.step() {
		if len(sc.toks) > 0 {
			st.chunks = append(st.chunks, slices.Clone(sc.toks))
		}
		sc.toks = sc.toks[:0]
	}
	eofOff := len(src.Text)
	if n := len(st.chunks); n > 0 {
		last := st.chunks[n-1]
		eofOff = sc.tokenSpan(last[len(last)-1]).End.Offset
	}
	st.eof = lexer.Token{Type: lexer.EOF, Pos: lines.lexPos(eofOff)}

	prog := &lang.Program{
		Span:     lines.span(0, len(src.Text)),
		Includes: pp.incs,
		Defines:  pp.order,
		CDefs:    sc.cdefs,
	}
	if st.diags.HasErrors() {
		// Lexical errors make the token stream unreliable; report them
		// alone rather than a cascade of syntax errors.
		st.diags.Sort()
		return prog, st.diags
	}

	g, err := parseItems(st)
	if err != nil {
		d := st.translate(err)
		if st.fatal != nil && st.fatal.Start.Offset >= d.Start.Offset {
			d = st.fatal
		}
		st.diags.Add(d)
	} else {
		st.lowerProgram(g, prog)
	}
	st.diags.Sort()
	return prog, st.diags
}

// parseItems parses the token chunks, one top-level item each.
//
// Handing participle one item at a time rather than the whole program
// keeps lexer.Upgrade from copying (and re-growing) one slice of every
// token, which cost a fifth of the parse time. Each item's tokens are
// followed by the first token of the next item, so an item that is cut
// short fails on the same token as in a whole-program parse. Should an
// item fail or not end exactly at its chunk's end, the rest of the
// program is parsed whole, from that item on, exactly as before: the
// result is always the whole-program parse's.
func parseItems(st *state) (*gProgram, error) {
	slot := grammars.Get().(*grammarSlot)
	slot.holder.st = st
	defer func() {
		slot.holder.st = nil
		grammars.Put(slot)
	}()
	g := &gProgram{}
	for i, chunk := range st.chunks {
		sl := &sliceLexer{toks: chunk, eof: st.eof}
		if i+1 < len(st.chunks) {
			sl.next = &st.chunks[i+1][0]
		}
		lx, err := lexer.Upgrade(sl)
		if err != nil {
			return nil, err
		}
		ndiags, fatal := len(st.diags), st.fatal
		var it *gItem
		if !st.whole {
			it, err = slot.item.ParseFromLexer(lx, participle.AllowTrailing(true))
		}
		if !st.whole && err == nil && int(lx.RawCursor()) == len(chunk) {
			g.Items = append(g.Items, it)
			continue
		}
		// Redo from this item as one stream; forget what the attempt said.
		st.diags, st.fatal = st.diags[:ndiags], fatal
		var rest []lexer.Token
		for _, c := range st.chunks[i:] {
			rest = append(rest, c...)
		}
		lx, err = lexer.Upgrade(&sliceLexer{toks: rest, eof: st.eof})
		if err != nil {
			return nil, err
		}
		tail, err := slot.program().ParseFromLexer(lx)
		if tail != nil {
			g.Items = append(g.Items, tail.Items...)
		}
		return g, err
	}
	return g, nil
}
