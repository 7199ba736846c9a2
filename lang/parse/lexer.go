package parse

import (
	"github.com/alecthomas/participle/v2/lexer"
)

// bodyLexer tokenizes everything inside probe bodies, predicates, config
// blocks and map declarations. The "Top" state is never entered by the
// lexer itself: it only declares the token kinds the top-level scanner
// (scan.go) makes by hand, so they get symbols the grammar can name.
var bodyLexer = lexer.MustStateful(lexer.Rules{
	"Root": {
		{Name: "Whitespace", Pattern: `[ \t\r\n\f\v]+`},
		{Name: "Comment", Pattern: `//[^\n]*`},
		{Name: "BlockComment", Pattern: `/\*(?:[^*]|\*+[^*/])*\*+/`},
		{Name: "BadComment", Pattern: `/\*`},
		{Name: "String", Pattern: `"(?:\\[^\n]|[^"\\\n])*"`},
		{Name: "BadString", Pattern: `"`},
		// Numbers take any trailing letters and underscores: C suffixes
		// (10ULL), durations (5ms) and junk (12abc) are sorted out by
		// literal.go, which can give a precise message.
		{Name: "Number", Pattern: `[0-9][0-9a-zA-Z_]*`},
		{Name: "Map", Pattern: `@[A-Za-z_][A-Za-z0-9_]*|@`},
		{Name: "Var", Pattern: `\$[A-Za-z_][A-Za-z0-9_]*`},
		{Name: "Param", Pattern: `\$[0-9]+|\$#`},
		{Name: "Ident", Pattern: `[A-Za-z_][A-Za-z0-9_]*`},
		{Name: "Punct", Pattern: `<<=|>>=|\+=|-=|\*=|/=|%=|&=|\|=|\^=|==|!=|<=|>=|<<|>>|&&|\|\||\+\+|--|->|\.\.|[-+*/%&|^!~<>=?:;,.(){}\[\]]`},
		{Name: "Bad", Pattern: `[\x00-\xff]`},
	},
	"Top": {
		{Name: "Attach", Pattern: `\x00attach`},
		{Name: "EndPred", Pattern: `\x00endpred`},
		{Name: "ConfigKw", Pattern: `\x00config`},
		{Name: "Preamble", Pattern: `\x00preamble`},
	},
})

// Token kinds, resolved once from the lexer's symbol table.
var (
	tEOF          = lexer.EOF
	tWhitespace   = sym("Whitespace")
	tComment      = sym("Comment")
	tBlockComment = sym("BlockComment")
	tBadComment   = sym("BadComment")
	tString       = sym("String")
	tBadString    = sym("BadString")
	tNumber       = sym("Number")
	tMap          = sym("Map")
	tVar          = sym("Var")
	tParam        = sym("Param")
	tIdent        = sym("Ident")
	tPunct        = sym("Punct")
	tBad          = sym("Bad")
	tAttach       = sym("Attach")
	tEndPred      = sym("EndPred")
	tConfigKw     = sym("ConfigKw")
)

func sym(name string) lexer.TokenType {
	t, ok := bodyLexer.Symbols()[name]
	if !ok {
		panic("BUG: lexer has no token kind " + name)
	}
	return t
}

// sliceLexer replays a token slice built by the scanner to participle.
type sliceLexer struct {
	toks []lexer.Token
	i    int
	eof  lexer.Token
}

func (l *sliceLexer) Next() (lexer.Token, error) {
	if l.i >= len(l.toks) {
		return l.eof, nil
	}
	t := l.toks[l.i]
	l.i++
	return t, nil
}
