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

type gItem struct {
	Config  *gConfig  `parser:"  @@"`
	MapDecl *gMapDecl `parser:"| @@"`
	Probe   *gProbe   `parser:"| @@"`
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

type gStmt struct {
	Tokens []lexer.Token
	If     *gIf     `parser:"(  @@"`
	While  *gWhile  `parser:" | @@"`
	Unroll *gUnroll `parser:" | @@"`
	For    *gFor    `parser:" | @@"`
	Block  *gBlock  `parser:" | @@"`
	Simple *gSimple `parser:" | @@ )"`
	Semi   bool     `parser:"@\";\"?"`
}

type gSimple struct {
	Tokens []lexer.Token
	Let    *gLet     `parser:"(  @@"`
	Jump   string    `parser:" | @( \"break\" | \"continue\" | \"return\" )"`
	X      lang.Expr `parser:" | @@"`
	Op     string    `parser:"   ( @( \"=\" | \"+=\" | \"-=\" | \"*=\" | \"/=\" | \"%=\" | \"&=\" | \"|=\" | \"^=\" | \"<<=\" | \">>=\" )"`
	Value  lang.Expr `parser:"     @@ )? )"`
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
	parser *participle.Parser[gProgram]
	holder *holder
}

// holder carries the state of the parse currently using its slot.
type holder struct{ st *state }

func newGrammarSlot() *grammarSlot {
	h := &holder{}
	g := participle.MustBuild[gProgram](
		participle.Lexer(bodyLexer),
		participle.ParseTypeWith(func(lex *lexer.PeekingLexer) (lang.Expr, error) {
			return parseExpr(h.st, lex)
		}),
	)
	return &grammarSlot{parser: g, holder: h}
}

var grammars = sync.Pool{New: func() any { return newGrammarSlot() }}
