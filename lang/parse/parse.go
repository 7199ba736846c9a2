package parse

import (
	"github.com/alecthomas/participle/v2/lexer"
	"github.com/gtrace/gtrace/lang"
)

// Options configures Parse.
type Options struct {
	// Params are the positional parameters $1..$N (script arguments),
	// substituted into attach points. In expressions $N stays a
	// lang.Positional node for sema to resolve.
	Params []string
}

// state is the per-parse context shared by the scanner, the expression
// hook and lowering.
type state struct {
	lines  *lineTable
	sc     *scanner
	params []string
	eof    lexer.Token
	diags  lang.ErrorList
	fatal  *lang.Diagnostic
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
	st := &state{lines: lines, params: opts.Params}
	pp := runPreproc(src.Text, lines, &st.diags)
	sc := &scanner{src: string(pp.src), lines: lines, errs: &st.diags, defines: pp.defines, macroEnd: map[int]int{}}
	st.sc = sc
	sc.run()

	eofOff := 0
	if n := len(sc.toks); n > 0 {
		eofOff = sc.tokenSpan(sc.toks[n-1]).End.Offset
	} else {
		eofOff = len(src.Text)
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

	g, err := parseTokens(st)
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

func parseTokens(st *state) (*gProgram, error) {
	slot := grammars.Get().(*grammarSlot)
	slot.holder.st = st
	defer func() {
		slot.holder.st = nil
		grammars.Put(slot)
	}()
	lx, err := lexer.Upgrade(&sliceLexer{toks: st.sc.toks, eof: st.eof})
	if err != nil {
		return nil, err
	}
	return slot.parser.ParseFromLexer(lx)
}
