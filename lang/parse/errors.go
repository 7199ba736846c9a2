package parse

import (
	"errors"
	"sort"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
	"github.com/gtrace/gtrace/lang"
)

// describe names a token in a syntax error the way a user reads it.
func describe(t lexer.Token) string {
	if t.EOF() {
		return "end of file"
	}
	return "'" + printable(t.Value) + "'"
}

func unexpectedToken(st *state, t lexer.Token) *lang.Diagnostic {
	return lang.ErrorAt(st.tokenSpan(t), "syntax error, unexpected %s", describe(t))
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
