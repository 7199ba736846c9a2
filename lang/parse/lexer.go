package parse

import (
	"io"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// The body lexer tokenizes everything inside probe bodies, predicates,
// config blocks and map declarations.
//
// It is written by hand rather than with participle's regexp-based
// lexer.MustStateful: that lexer runs a regexp per rule per token and was
// half of all parse time. participle stays the grammar library; this type
// implements its lexer.Definition so the grammar names the same token
// kinds. The rules, tried in this order at each offset (first match wins),
// are the ones the regexp lexer had:
//
//	Whitespace    [ \t\r\n\f\v]+
//	Comment       //[^\n]*
//	BlockComment  /\*(?:[^*]|\*+[^*/])*\*+/   (through the first "*/")
//	BadComment    /\*                          (unterminated)
//	String        "(?:\\[^\n]|[^"\\\n])*"
//	BadString     "                            (unterminated)
//	Number        [0-9][0-9a-zA-Z_]*
//	Map           @[A-Za-z_][A-Za-z0-9_]*|@
//	Var           \$[A-Za-z_][A-Za-z0-9_]*
//	Param         \$[0-9]+|\$#
//	Ident         [A-Za-z_][A-Za-z0-9_]*
//	Punct         the longest operator of punctLen
//	Bad           one character (a UTF-8 rune, or a single invalid byte)
//
// Numbers take any trailing letters and underscores: C suffixes (10ULL),
// durations (5ms) and junk (12abc) are sorted out by literal.go, which
// can give a precise message.
//
// The kinds Attach, EndPred, ConfigKw and Preamble are never produced by
// the lexer itself: the top-level scanner (scan.go) makes them by hand.
type bodyLexerDef struct{}

var bodyLexer lexer.Definition = bodyLexerDef{}

// Token kinds. The values are those the regexp lexer assigned, so token
// streams are identical.
const (
	tEOF        = lexer.EOF
	tWhitespace = lexer.EOF - iota
	tComment
	tBlockComment //
	tBadComment
	tString //
	tBadString
	tNumber //
	tMap
	tVar //
	tParam
	tIdent //
	tPunct
	tBad //
	tAttach
	tEndPred //
	tConfigKw
	tPreamble //
)

var tokenSymbols = map[string]lexer.TokenType{
	"EOF": tEOF, "Whitespace": tWhitespace, "Comment": tComment,
	"BlockComment": tBlockComment, "BadComment": tBadComment,
	"String": tString, "BadString": tBadString, "Number": tNumber,
	"Map": tMap, "Var": tVar, "Param": tParam, "Ident": tIdent,
	"Punct": tPunct, "Bad": tBad, "Attach": tAttach, "EndPred": tEndPred,
	"ConfigKw": tConfigKw, "Preamble": tPreamble,
}

func (bodyLexerDef) Symbols() map[string]lexer.TokenType {
	m := make(map[string]lexer.TokenType, len(tokenSymbols))
	for k, v := range tokenSymbols {
		m[k] = v
	}
	return m
}

func (d bodyLexerDef) Lex(filename string, r io.Reader) (lexer.Lexer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return d.LexString(filename, string(b))
}

func (bodyLexerDef) LexString(filename string, s string) (lexer.Lexer, error) {
	return &textLexer{src: s, pos: lexer.Position{Filename: filename, Line: 1, Column: 1}}, nil
}

// textLexer yields every token of a string, blanks and comments included,
// with participle's positions.
type textLexer struct {
	src string
	pos lexer.Position
}

func (l *textLexer) Next() (lexer.Token, error) {
	off := l.pos.Offset
	if off >= len(l.src) {
		return lexer.EOFToken(l.pos), nil
	}
	typ, end := lexToken(l.src, off)
	t := lexer.Token{Type: typ, Value: l.src[off:end], Pos: l.pos}
	l.pos.Advance(t.Value)
	return t, nil
}

// lexToken returns the kind and end offset of the token at src[off:],
// which must not be empty. It always consumes at least one byte.
func lexToken(src string, off int) (lexer.TokenType, int) {
	c := src[off]
	n := len(src)
	switch {
	case isBlank(c):
		end := off + 1
		for end < n && isBlank(src[end]) {
			end++
		}
		return tWhitespace, end
	case c == '/' && off+1 < n && src[off+1] == '/':
		end := off + 2
		for end < n && src[end] != '\n' {
			end++
		}
		return tComment, end
	case c == '/' && off+1 < n && src[off+1] == '*':
		for i := off + 2; i+1 < n; i++ {
			if src[i] == '*' && src[i+1] == '/' {
				return tBlockComment, i + 2
			}
		}
		return tBadComment, off + 2
	case c == '"':
		for i := off + 1; i < n; i++ {
			switch src[i] {
			case '"':
				return tString, i + 1
			case '\n':
				return tBadString, off + 1
			case '\\':
				if i+1 >= n || src[i+1] == '\n' {
					return tBadString, off + 1
				}
				i++
			}
		}
		return tBadString, off + 1
	case isDigit(c):
		return tNumber, identEnd(src, off+1)
	case c == '@':
		if off+1 < n && isIdentStart(src[off+1]) {
			return tMap, identEnd(src, off+2)
		}
		return tMap, off + 1
	case c == '$' && off+1 < n && isIdentStart(src[off+1]):
		return tVar, identEnd(src, off+2)
	case c == '$' && off+1 < n && isDigit(src[off+1]):
		end := off + 2
		for end < n && isDigit(src[end]) {
			end++
		}
		return tParam, end
	case c == '$' && off+1 < n && src[off+1] == '#':
		return tParam, off + 2
	case isIdentStart(c):
		return tIdent, identEnd(src, off+1)
	}
	if l := punctLen(src[off:]); l > 0 {
		return tPunct, off + l
	}
	if c < utf8.RuneSelf {
		return tBad, off + 1
	}
	_, size := utf8.DecodeRuneInString(src[off:])
	return tBad, off + size
}

// punctLen is the length of the operator at the start of s, 0 if none.
func punctLen(s string) int {
	if len(s) >= 3 && (s[:3] == "<<=" || s[:3] == ">>=") {
		return 3
	}
	if len(s) >= 2 {
		switch s[:2] {
		case "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "==", "!=", "<=", ">=",
			"<<", ">>", "&&", "||", "++", "--", "->", "..":
			return 2
		}
	}
	switch s[0] {
	case '-', '+', '*', '/', '%', '&', '|', '^', '!', '~', '<', '>', '=', '?', ':', ';', ',', '.',
		'(', ')', '{', '}', '[', ']':
		return 1
	}
	return 0
}

func isBlank(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentStart(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// identEnd returns the end of the run of [A-Za-z0-9_] starting at off.
func identEnd(src string, off int) int {
	for off < len(src) && (isIdentStart(src[off]) || isDigit(src[off])) {
		off++
	}
	return off
}

// sliceLexer replays a token slice built by the scanner to participle,
// then next (when set), then the end of input.
type sliceLexer struct {
	toks []lexer.Token
	next *lexer.Token
	i    int
	eof  lexer.Token
}

func (l *sliceLexer) Next() (lexer.Token, error) {
	if l.i < len(l.toks) {
		t := l.toks[l.i]
		l.i++
		return t, nil
	}
	if l.next != nil {
		t := *l.next
		l.next = nil
		return t, nil
	}
	return l.eof, nil
}
