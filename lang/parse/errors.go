package parse

import (
	"errors"
	"sort"
	"strings"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
	"github.com/gtrace/gtrace/lang"
)

// describe names a token in a syntax error as bpftrace 0.17's grammar
// names it: punctuation and keywords as written, the others by kind
// ("unexpected map", "unexpected integer"). A name is a "call" when a "("
// follows it (bpftrace's lexer tells its functions apart the same way).
func describe(t lexer.Token) string {
	return describeBefore(t, "")
}

// describeBefore is describe with the text that follows the token.
func describeBefore(t lexer.Token, rest string) string {
	if t.EOF() {
		return "end of file"
	}
	switch t.Type {
	case tNumber:
		return "integer"
	case tString:
		return "string"
	case tMap:
		return "map"
	case tVar:
		return "variable"
	case tParam:
		if t.Value == "$#" {
			return t.Value
		}
		return "positional parameter"
	case tIdent:
		switch {
		case keywords[t.Value] || t.Value == "struct" || t.Value == "union":
			return t.Value
		case t.Value == "kstack" || t.Value == "ustack":
			return "call_builtin"
		case lang.IsBuiltin(t.Value):
			return "builtin"
		case strings.HasPrefix(strings.TrimLeft(rest, " \t"), "("):
			return "call"
		}
		return "identifier"
	case tPunct:
		return printable(t.Value)
	}
	return "'" + printable(t.Value) + "'"
}

func unexpectedToken(st *state, t lexer.Token) *lang.Diagnostic {
	rest := ""
	if end := t.Pos.Offset + len(t.Value); !t.EOF() && end <= len(st.sc.src) {
		rest = st.sc.src[end:]
	}
	return lang.ErrorAt(st.tokenSpan(t), "syntax error, unexpected %s", describeBefore(t, rest))
}

// translate turns a participle error into a diagnostic. Participle's own
// wording (expected-sets in Go syntax) is replaced by bpftrace's short
// "syntax error, unexpected X" at the offending token.
func (st *state) translate(err error) *lang.Diagnostic {
	var stop *errStop
	if errors.As(err, &stop) {
		return stop.d
	}
	var ute *participle.UnexpectedTokenError
	if errors.As(err, &ute) {
		return unexpectedToken(st, st.tokenAt(ute.Unexpected.Pos.Offset))
	}
	var perr participle.Error
	if errors.As(err, &perr) {
		return unexpectedToken(st, st.tokenAt(perr.Position().Offset))
	}
	return lang.ErrorAt(st.lines.span(0, 0), "syntax error")
}

// tokenAt finds the token starting at offset (the EOF token when none).
func (st *state) tokenAt(off int) lexer.Token {
	// The last chunk starting at or before off.
	c := sort.Search(len(st.chunks), func(i int) bool { return st.chunks[i][0].Pos.Offset > off }) - 1
	if c < 0 {
		return st.eof
	}
	toks := st.chunks[c]
	i := sort.Search(len(toks), func(i int) bool { return toks[i].Pos.Offset >= off })
	if i < len(toks) && toks[i].Pos.Offset == off {
		return toks[i]
	}
	return st.eof
}
