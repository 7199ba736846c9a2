package parse

import (
	"sync"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
	"github.com/gtrace/gtrace/lang"
)

// The grammar structs mirror bpftrace's program structure. Expressions are
// lang.Expr values produced by expr.go through participle.ParseTypeWith.
// Tokens fields give every node its span.

type gProgram struct {
	Items []*gItem `parser:"@@*"`
}

// Alternatives are ordered most frequent first: participle tries them in
// order, paying a branch (and a struct allocation) for each failed one.
// They are told apart by their first token, so the order changes nothing
// else.
type gItem struct {
	Probe   *gProbe   `parser:"  @@"`
	Config  *gConfig  `parser:"| @@"`
	MapDecl *gMapDecl `parser:"| @@"`
	Macro   *gMacro   `parser:"| @@"`
}

type gConfig struct {
	Tokens  []lexer.Token
	Entries []*gConfigEntry `parser:"ConfigKw \"=\" \"{\" ( @@ \";\"? )* \"}\""`
}

type gConfigEntry struct {
	Tokens []lexer.Token
	Key    string    `parser:"@Ident \"=\""`
	Value  lang.Expr `parser:"@@"`
}

type gMapDecl struct {
	Tokens  []lexer.Token
	Name    lexer.Token  `parser:"\"let\" @Map \"=\""`
	Kind    string       `parser:"@Ident \"(\""`
	Entries *lexer.Token `parser:"@Number? \")\" \";\""`
}

type gProbe struct {
	Tokens []lexer.Token
	Attach []*gAttach `parser:"@@ ( \",\" @@ )*"`
	Pred   lang.Expr  `parser:"( \"/\" @@ EndPred )?"`
	Body   *gBlock    `parser:"@@"`
}

type gAttach struct {
	Tok lexer.Token `parser:"@Attach"`
}

type gBlock struct {
	Tokens []lexer.Token
	Stmts  []*gStmt `parser:"\"{\" @@* \"}\""`
}

// gStmt: the most frequent statements come first; all alternatives are
// told apart by their first token. Expression statements and assignments
// are read by a hook (parseSimple, next to the expression parser): as
// grammar rules they cost several participle branches and reflective
// calls each, and were most of the parse time.
type gStmt struct {
	Tokens []lexer.Token
	Simple simpleHook `parser:"(  @@"`
	If     *gIf       `parser:" | @@"`
	Let    *gLet      `parser:" | @@"`
	Block  *gBlock    `parser:" | @@"`
	For    *gFor      `parser:" | @@"`
	While  *gWhile    `parser:" | @@"`
	Unroll *gUnroll   `parser:" | @@"`
	Jump   jumpWord   `parser:" | @@ )"`
	Semi   bool       `parser:"@\";\"?"`
}

// simpleHook is an expression statement or assignment read by parseSimple.
type simpleHook interface{ simple() *simpleStmt }

// jumpWord is "break", "continue" or "return".
type jumpWord interface{ word() string }

type opWord string

func (w opWord) word() string { return string(w) }

func parseJumpWord(lex *lexer.PeekingLexer) (jumpWord, error) {
	if t := lex.Peek(); t.Type == tIdent && (t.Value == "break" || t.Value == "continue" || t.Value == "return") {
		lex.Next()
		return opWord(t.Value), nil
	}
	return nil, participle.NextMatch
}

type gLet struct {
	Tokens []lexer.Token
	Var    lexer.Token `parser:"\"let\" @Var"`
	Type   *gType      `parser:"( \":\" @@ )?"`
	Value  lang.Expr   `parser:"( \"=\" @@ )?"`
}

type gType struct {
	Tokens []lexer.Token
	Words  []string     `parser:"@Ident+"`
	Stars  []string     `parser:"@\"*\"*"`
	Len    *lexer.Token `parser:"( \"[\" @Number \"]\" )?"`
}

type gIf struct {
	Tokens []lexer.Token
	Cond   lang.Expr `parser:"\"if\" @@"`
	Then   *gBlock   `parser:"@@"`
	ElseIf *gIf      `parser:"( \"else\" ( @@"`
	Else   *gBlock   `parser:"          | @@ ) )?"`
}

type gWhile struct {
	Tokens []lexer.Token
	Cond   lang.Expr `parser:"\"while\" @@"`
	Body   *gBlock   `parser:"@@"`
}

type gUnroll struct {
	Tokens []lexer.Token
	Count  lang.Expr `parser:"\"unroll\" \"(\" @@ \")\""`
	Body   *gBlock   `parser:"@@"`
}

type gFor struct {
	Tokens []lexer.Token
	LParen bool        `parser:"\"for\" @\"(\"?"`
	Var    lexer.Token `parser:"@Var \":\""`
	Lo     lang.Expr   `parser:"@@"`
	Hi     lang.Expr   `parser:"( \"..\" @@ )?"`
	RParen bool        `parser:"@\")\"?"`
	Body   *gBlock     `parser:"@@"`
}

// A grammarSlot is a built grammar whose expression hook reads the parse
// state from its own holder. participle's ParseTypeWith hook receives only
// the token stream, so per-parse state reaches it through the closure; a
// pool of slots lets parses run concurrently without global state while
// reusing grammars (building one costs about a millisecond).
type grammarSlot struct {
	item   *participle.Parser[gItem] // one top-level item (see parseItems)
	holder *holder
	opts   []participle.Option
	// whole is the whole-program grammar, built on first use: parseItems
	// needs it only when an item does not parse on its own (mostly bad
	// input), and building it costs as much again as item's (~0.4 MB of
	// garbage at startup, which is peak RSS since no GC runs that early).
	whole *participle.Parser[gProgram]
}

// holder carries the state of the parse currently using its slot.
type holder struct{ st *state }

func newGrammarSlot() *grammarSlot {
	h := &holder{}
	opts := []participle.Option{
		participle.Lexer(bodyLexer),
		participle.ParseTypeWith(func(lex *lexer.PeekingLexer) (lang.Expr, error) {
			return parseExpr(h.st, lex)
		}),
		participle.ParseTypeWith(func(lex *lexer.PeekingLexer) (simpleHook, error) {
			return parseSimple(h.st, lex)
		}),
		participle.ParseTypeWith(parseJumpWord),
	}
	return &grammarSlot{
		item:   participle.MustBuild[gItem](opts...),
		holder: h,
		opts:   opts,
	}
}

// program returns the whole-program grammar, building it the first time.
// A slot is used by one parse at a time (grammars is a pool), so no lock.
func (s *grammarSlot) program() *participle.Parser[gProgram] {
	if s.whole == nil {
		s.whole = participle.MustBuild[gProgram](s.opts...)
	}
	return s.whole
}

var grammars = sync.Pool{New: func() any { return newGrammarSlot() }}
