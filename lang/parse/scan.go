package parse

import (
	"fmt"
	"strings"

	"github.com/alecthomas/participle/v2/lexer"
	"github.com/gtrace/gtrace/lang"
)

// Limits on #define expansion: bpftrace stops at a recursion limit too.
const (
	maxMacroDepth      = 64
	maxMacroExpansions = 100000
)

// maxBadChars bounds the invalid characters reported: a binary file given
// as a script would otherwise give one error per byte (160 MB of
// diagnostics for /bin/sh).
const maxBadChars = 20

// scanner walks the top level of a program by hand (attach points, the
// end of predicates, the preamble) and runs the participle body lexer over
// everything else. It produces one token slice for the grammar.
type scanner struct {
	src     string // preprocessed text, same length as the original
	off     int
	lines   *lineTable
	errs    *lang.ErrorList
	defines map[string]string
	toks    []lexer.Token
	// macroEnd maps the offset of an expanded #define name to the end of
	// that name: tokens produced by the expansion all sit at the name's
	// offset and their spans must cover the name, not their own text.
	macroEnd   map[int]int
	expansions int
	cdefs      []*lang.CDef
	cerr       bool // a preamble error was reported; stop further cdef noise
	badChars   int  // invalid characters reported so far
}

func (s *scanner) errorAt(start, end int, format string, args ...any) {
	s.errs.Add(lang.ErrorAt(s.lines.span(start, end), format, args...))
}

// step scans one top-level item (a probe, a config block, a declaration),
// appending its tokens to s.toks. It reports false at the end of input.
func (s *scanner) step() bool {
	{
		s.skipSpace()
		if s.off >= len(s.src) {
			return false
		}
		word := s.wordAt(s.off)
		switch {
		case word == "config" && s.nextNonSpace(s.off+len(word)) == '=':
			s.toks = append(s.toks, lexer.Token{Type: tConfigKw, Value: word, Pos: s.lines.lexPos(s.off)})
			s.off += len(word)
			s.lexBody(&s.toks, untilBraceClose)
		case word == "let":
			s.lexBody(&s.toks, untilSemi)
		case word == "struct" || word == "union" || word == "enum" || word == "typedef":
			var toks []lexer.Token
			start := s.off
			mode := untilDefEnd
			if word == "typedef" {
				mode = untilSemi // the new name follows the braces
			}
			s.lexBody(&toks, mode)
			s.cdef(toks, start)
		case word == "macro":
			s.lexBody(&s.toks, untilBraceClose)
		case word == "fn":
			start := s.off
			s.lexBody(nil, untilBraceClose)
			s.errorAt(start, start+len(word), "%s definitions are not supported", word)
		case word == "import":
			start := s.off
			s.lexBody(nil, untilSemi)
			s.errorAt(start, start+len(word), "import is not supported")
		default:
			s.probe()
		}
	}
	return true
}

// probe scans attach points, an optional predicate and the body.
func (s *scanner) probe() {
	for {
		start := s.off
		text := s.attachText()
		if text == "" {
			// Not an attach point: hand one token to the grammar so it
			// reports what it found.
			s.lexBody(&s.toks, oneToken)
			if s.off == start {
				s.off++
			}
			return
		}
		s.toks = append(s.toks, lexer.Token{Type: tAttach, Value: text, Pos: s.lines.lexPos(start)})
		s.skipSpace()
		if s.off < len(s.src) && s.src[s.off] == ',' {
			s.toks = append(s.toks, lexer.Token{Type: tPunct, Value: ",", Pos: s.lines.lexPos(s.off)})
			s.off++
			s.skipSpace()
			if s.off < len(s.src) && s.src[s.off] != '{' && s.src[s.off] != '/' {
				continue
			}
		}
		break
	}
	if s.off < len(s.src) && s.src[s.off] == '/' {
		s.toks = append(s.toks, lexer.Token{Type: tPunct, Value: "/", Pos: s.lines.lexPos(s.off)})
		s.off++
		s.lexBody(&s.toks, untilEndPred)
		s.skipSpace()
	}
	if s.off < len(s.src) && s.src[s.off] == '{' {
		s.lexBody(&s.toks, untilBraceClose)
	}
}

// attachText returns the attach point starting at s.off and advances past
// it. Components are separated by ':'; a component starting with '/', '.'
// or '~' is a path and may contain '/'; "..." quotes anything.
func (s *scanner) attachText() string {
	start := s.off
	path := false
	compStart := true
	for s.off < len(s.src) {
		c := s.src[s.off]
		if compStart {
			path = c == '/' || c == '.' || c == '~' || s.relativePath(s.off)
			compStart = false
		}
		switch {
		case c == '"':
			end := s.off + 1
			for end < len(s.src) && s.src[end] != '"' && s.src[end] != '\n' {
				if s.src[end] == '\\' && end+1 < len(s.src) && s.src[end+1] != '\n' {
					end++
				}
				end++
			}
			if end >= len(s.src) || s.src[end] != '"' {
				s.errorAt(s.off, end, "unterminated string")
				s.off = end
				return s.src[start:s.off]
			}
			s.off = end + 1
		case c == ':':
			compStart = true
			s.off++
		case c == '/' && path:
			s.off++
		case isAttachByte(c):
			s.off++
		default:
			return s.src[start:s.off]
		}
	}
	return s.src[start:s.off]
}

// relativePath tells whether the component at off is a path without a
// leading "./" (uprobe:testprogs/prog:func): a '/' in it, and a ':' after
// it. A '/' in the last component starts a predicate instead.
func (s *scanner) relativePath(off int) bool {
	slash := false
	for ; off < len(s.src); off++ {
		switch c := s.src[off]; {
		case c == '/':
			slash = true
		case c == ':':
			return slash
		case !isAttachByte(c):
			return false
		}
	}
	return false
}

func isAttachByte(c byte) bool {
	return isIdentByte(c) || strings.IndexByte("-.*?+$@[]~#", c) >= 0
}

// stop conditions for lexBody.
type lexMode int

const (
	untilBraceClose lexMode = iota // through the '}' closing the first '{'
	untilSemi                      // through a ';' outside braces
	untilDefEnd                    // through a ';' outside braces or the '}' closing the first '{' (and a ';' right after it)
	untilEndPred                   // through the '/' that is followed by '{'
	oneToken                       // a single non-blank token
)

// lexBody runs the body lexer from s.off, appending tokens to *out (nil:
// discard) until the mode's stop condition, and leaves s.off after the
// last token taken.
func (s *scanner) lexBody(out *[]lexer.Token, mode lexMode) {
	depth := 0
	for {
		if s.off >= len(s.src) {
			return
		}
		abs := s.off
		typ, end := lexToken(s.src, abs)
		t := lexer.Token{Type: typ, Value: s.src[abs:end]}
		if mode == untilEndPred && t.Type == tPunct && depth == 0 && (t.Value == "{" || t.Value == "}") {
			// A predicate never contains braces: the closing '/' is
			// missing. Leave the brace for the probe body.
			s.off = abs
			return
		}
		s.off = end
		switch t.Type {
		case tWhitespace, tComment, tBlockComment:
			continue
		case tBadComment:
			s.errorAt(abs, abs+2, "unterminated comment")
			s.off = len(s.src)
			return
		case tBadString:
			lineEnd := strings.IndexByte(s.src[abs:], '\n')
			if lineEnd < 0 {
				lineEnd = len(s.src) - abs
			}
			s.errorAt(abs, abs+lineEnd, "unterminated string")
			s.off = abs + lineEnd
			return
		case tBad:
			s.badChars++
			if s.badChars > maxBadChars {
				s.errorAt(abs, end, "too many invalid characters: is this a bpftrace program?")
				s.off = len(s.src)
				return
			}
			s.errorAt(abs, end, "invalid character '%s'", printable(t.Value))
			continue
		}
		t.Pos = s.lines.lexPos(abs)
		if mode == untilEndPred && t.Type == tPunct && t.Value == "/" && s.nextNonSpace(end) == '{' {
			t.Type = tEndPred
		}
		if out != nil {
			s.emit(out, t, nil)
		}
		if t.Type == tPunct {
			switch t.Value {
			case "{":
				depth++
			case "}":
				depth--
			}
		}
		switch mode {
		case untilBraceClose:
			if t.Value == "}" && t.Type == tPunct && depth <= 0 {
				return
			}
		case untilSemi:
			if t.Value == ";" && t.Type == tPunct && depth <= 0 {
				return
			}
		case untilDefEnd:
			// A one-liner puts the probe right after the definition's
			// closing brace: `struct Foo { int m; } uprobe:...`.
			if t.Type == tPunct && depth <= 0 && (t.Value == ";" || t.Value == "}") {
				if t.Value == "}" && s.nextNonSpace(s.off) == ';' {
					mode = oneToken
					continue
				}
				return
			}
		case untilEndPred:
			if t.Type == tEndPred {
				return
			}
		case oneToken:
			return
		}
	}
}

// emit appends t, expanding #define names. active holds the names being
// expanded, so a self-referential macro stops as in C.
func (s *scanner) emit(out *[]lexer.Token, t lexer.Token, active []string) {
	value, ok := s.defines[t.Value]
	if t.Type != tIdent || !ok || contains(active, t.Value) {
		*out = append(*out, t)
		return
	}
	s.expansions++
	if len(active) >= maxMacroDepth || s.expansions > maxMacroExpansions {
		if s.expansions <= maxMacroExpansions+1 {
			s.errs.Add(lang.ErrorAt(s.tokenSpan(t), "Macro recursion limit reached: %s, %s", t.Value, value))
		}
		return
	}
	if _, seen := s.macroEnd[t.Pos.Offset]; !seen {
		s.macroEnd[t.Pos.Offset] = t.Pos.Offset + len(t.Value)
	}
	active = append(active, t.Value)
	for off := 0; off < len(value); {
		typ, end := lexToken(value, off)
		m := lexer.Token{Type: typ, Value: value[off:end]}
		off = end
		switch m.Type {
		case tWhitespace, tComment, tBlockComment:
			continue
		case tBad, tBadString, tBadComment:
			s.errs.Add(lang.ErrorAt(s.tokenSpan(t), "invalid macro %s: cannot use %q", t.Value, value))
			return
		}
		m.Pos = t.Pos
		s.emit(out, m, active)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// tokenSpan is the source span of a token, macro expansions included.
func (s *scanner) tokenSpan(t lexer.Token) lang.Span {
	start := t.Pos.Offset
	end := start + len(t.Value)
	if e, ok := s.macroEnd[start]; ok {
		end = e
	}
	if t.EOF() {
		end = start
	}
	return s.lines.span(start, end)
}

// skipSpace skips blanks, comments and a leading #! line.
func (s *scanner) skipSpace() {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			s.off++
		case s.off == 0 && strings.HasPrefix(s.src, "#!"):
			s.skipLine()
		case strings.HasPrefix(s.src[s.off:], "//"):
			s.skipLine()
		case strings.HasPrefix(s.src[s.off:], "/*"):
			end := strings.Index(s.src[s.off+2:], "*/")
			if end < 0 {
				s.errorAt(s.off, s.off+2, "unterminated comment")
				s.off = len(s.src)
				return
			}
			s.off += end + 4
		default:
			return
		}
	}
}

func (s *scanner) skipLine() {
	for s.off < len(s.src) && s.src[s.off] != '\n' {
		s.off++
	}
}

func (s *scanner) wordAt(off int) string {
	end := off
	for end < len(s.src) && isIdentByte(s.src[end]) {
		end++
	}
	if end == off || s.src[off] >= '0' && s.src[off] <= '9' {
		return ""
	}
	// A word followed by ':' is a provider (an attach point), not a keyword.
	if end < len(s.src) && s.src[end] == ':' {
		return ""
	}
	return s.src[off:end]
}

// nextNonSpace returns the first byte at or after off that is not a blank,
// or 0 at the end.
func (s *scanner) nextNonSpace(off int) byte {
	for off < len(s.src) {
		switch s.src[off] {
		case ' ', '\t', '\n', '\r', '\f', '\v':
			off++
		default:
			return s.src[off]
		}
	}
	return 0
}

// printable renders an offending character for a message.
func printable(v string) string {
	if len(v) == 1 && (v[0] < 0x20 || v[0] >= 0x7f) {
		return fmt.Sprintf("\\x%02x", v[0])
	}
	return v
}
