package parse

import (
	"os"
	"testing"

	"github.com/alecthomas/participle/v2/lexer"
)

// regexpLexer is the participle stateful lexer the hand-written one
// replaced, kept as the reference it must agree with.
var regexpLexer = lexer.MustStateful(lexer.Rules{
	"Root": {
		{Name: "Whitespace", Pattern: `[ \t\r\n\f\v]+`},
		{Name: "Comment", Pattern: `//[^\n]*`},
		{Name: "BlockComment", Pattern: `/\*(?:[^*]|\*+[^*/])*\*+/`},
		{Name: "BadComment", Pattern: `/\*`},
		{Name: "String", Pattern: `"(?:\\[^\n]|[^"\\\n])*"`},
		{Name: "BadString", Pattern: `"`},
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

func TestLexerSymbols(t *testing.T) {
	want := regexpLexer.Symbols()
	got := bodyLexer.Symbols()
	if len(got) != len(want) {
		t.Fatalf("%d symbols, want %d", len(got), len(want))
	}
	for name, typ := range want {
		if got[name] != typ {
			t.Errorf("symbol %s = %d, want %d", name, got[name], typ)
		}
	}
}

// compareLexers checks that both lexers produce the same tokens (kind,
// text, position) for text. The regexp lexer fails on characters above
// U+00FF and invalid UTF-8, where the hand-written one yields Bad; the
// comparison stops there.
func compareLexers(t *testing.T, text string) {
	t.Helper()
	ref, _ := regexpLexer.LexString("x", text)
	hand, _ := bodyLexer.(lexer.StringDefinition).LexString("x", text)
	for i := 0; ; i++ {
		w, err := ref.Next()
		g, _ := hand.Next()
		if err != nil {
			if g.Type != tBad {
				t.Fatalf("%q: token %d: reference fails (%v), got %v %q", text, i, err, g.Type, g.Value)
			}
			return
		}
		if g != w {
			t.Fatalf("%q: token %d: got %v %q at %v, want %v %q at %v", text, i, g.Type, g.Value, g.Pos, w.Type, w.Value, w.Pos)
		}
		if w.EOF() {
			return
		}
	}
}

var lexerCases = []string{
	"", " \t\r\n\f\v x", "// c\nx", "/* a */ b", "/**/", "/***/", "/* a ** b */", "/*/ */", "/*/", "/* x",
	`"a\"b" c`, `"\\" x`, `"a\`, "\"a\\\nb\"", "\"a\nb\"", `"é"`, "12abc 0x1f 5ms", "@ @x @_1 @1",
	"$x $1 $12 $# $ $$", "a_b9 _", "<<= >>= << >> <= >= < > ... .. . -> - -- -= ++ += && & || | ^= ^",
	"!= ! == = ?: ; , ( ) { } [ ] ~ % %= * *= / /=", "'a' ` \\ \x00 \x7f é \xff 中",
}

func TestLexerMatchesRegexp(t *testing.T) {
	for _, c := range lexerCases {
		compareLexers(t, c)
	}
	for _, f := range corpus(t) {
		text, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		compareLexers(t, string(text))
	}
}

func FuzzLexer(f *testing.F) {
	for _, c := range lexerCases {
		f.Add(c)
	}
	for _, c := range errorCases {
		f.Add(c.src)
	}
	f.Fuzz(compareLexers)
}
