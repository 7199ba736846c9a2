package parse

import (
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/lang"
)

// maxCondDepth bounds #if nesting so hostile input cannot grow the stack.
const maxCondDepth = 64

// preproc is the C preprocessor subset that bpftrace scripts use without
// clang: #include is recorded, object-like #define is recorded for
// substitution by the scanner, #if/#ifdef/#ifndef/#else/#endif select lines
// (BPFTRACE_HAVE_BTF is defined, as bpftrace does when BTF is present).
// Every consumed byte is replaced by a space, so offsets stay valid.
type preproc struct {
	src     []byte
	lines   *lineTable
	errs    *lang.ErrorList
	defines map[string]string
	order   []*lang.Define
	incs    []*lang.Include
}

// condFrame is one open #if: whether its enclosing region is active,
// whether the current branch is taken and whether any branch was taken.
type condFrame struct {
	outer, active, taken, sawElse bool
	span                          lang.Span
}

func runPreproc(src string, lines *lineTable, errs *lang.ErrorList) *preproc {
	p := &preproc{
		src:     []byte(src),
		lines:   lines,
		errs:    errs,
		defines: map[string]string{"BPFTRACE_HAVE_BTF": "1"},
	}
	p.run()
	return p
}

func (p *preproc) run() {
	var stack []condFrame
	active := true
	inComment := false
	n := len(p.src)
	for start := 0; start < n; {
		end := start
		for end < n && p.src[end] != '\n' {
			end++
		}
		// Join backslash-continued directive lines.
		lineEnd := end
		first := firstNonBlank(p.src, start, end)
		isDirective := !inComment && first < end && p.src[first] == '#' &&
			!(start == 0 && first+1 < n && p.src[first+1] == '!')
		if isDirective {
			for lineEnd > start && lineEnd < n && p.src[lineEnd-1] == '\\' {
				lineEnd++
				for lineEnd < n && p.src[lineEnd] != '\n' {
					lineEnd++
				}
			}
			text := strings.ReplaceAll(string(p.src[first+1:lineEnd]), "\\\n", " ")
			text = stripCComments(text)
			span := p.lines.span(first, lineEnd)
			active, stack = p.directive(strings.TrimSpace(text), span, active, stack)
			blank(p.src, start, lineEnd)
		} else {
			if !active {
				blank(p.src, start, end)
			} else {
				inComment = scanComments(p.src[start:end], inComment)
			}
		}
		start = lineEnd + 1
	}
	if len(stack) > 0 {
		p.errs.Add(lang.ErrorAt(stack[len(stack)-1].span, "unterminated conditional directive"))
	}
}

// directive handles one directive line (without '#').
func (p *preproc) directive(text string, span lang.Span, active bool, stack []condFrame) (bool, []condFrame) {
	name, rest := splitWord(text)
	switch name {
	case "if", "ifdef", "ifndef":
		if len(stack) >= maxCondDepth {
			p.errs.Add(lang.ErrorAt(span, "conditional directives nested too deeply"))
			return active, stack
		}
		cond := false
		if active {
			switch name {
			case "ifdef":
				_, cond = p.defines[firstWord(rest)]
			case "ifndef":
				_, cond = p.defines[firstWord(rest)]
				cond = !cond
			default:
				cond = p.evalCond(rest)
			}
		}
		stack = append(stack, condFrame{outer: active, active: active && cond, taken: cond, span: span})
		return active && cond, stack
	case "elif", "else":
		if len(stack) == 0 {
			p.errs.Add(lang.ErrorAt(span, "#%s without #if", name))
			return active, stack
		}
		f := &stack[len(stack)-1]
		if f.sawElse {
			p.errs.Add(lang.ErrorAt(span, "#%s after #else", name))
			return f.active, stack
		}
		cond := !f.taken
		if name == "elif" {
			cond = cond && f.outer && p.evalCond(rest)
		} else {
			f.sawElse = true
		}
		f.active = f.outer && cond
		f.taken = f.taken || cond
		return f.active, stack
	case "endif":
		if len(stack) == 0 {
			p.errs.Add(lang.ErrorAt(span, "#endif without #if"))
			return active, stack
		}
		f := stack[len(stack)-1]
		return f.outer, stack[:len(stack)-1]
	}
	if !active {
		return active, stack
	}
	switch name {
	case "include":
		rest = strings.TrimSpace(rest)
		switch {
		case len(rest) >= 2 && rest[0] == '<' && strings.IndexByte(rest, '>') > 0:
			p.incs = append(p.incs, &lang.Include{Span: span, Path: rest[1:strings.IndexByte(rest, '>')], System: true})
		case len(rest) >= 2 && rest[0] == '"' && strings.IndexByte(rest[1:], '"') >= 0:
			p.incs = append(p.incs, &lang.Include{Span: span, Path: rest[1 : 1+strings.IndexByte(rest[1:], '"')]})
		default:
			p.errs.Add(lang.ErrorAt(span, "invalid #include: expected <file> or \"file\""))
		}
	case "define":
		dname, value := splitIdent(rest)
		if dname == "" {
			p.errs.Add(lang.ErrorAt(span, "invalid #define: expected a macro name"))
			break
		}
		if strings.HasPrefix(value, "(") && !strings.HasPrefix(rest[len(dname):], " ") && !strings.HasPrefix(rest[len(dname):], "\t") {
			// Function-like macro: bpftrace's lexer never expands these
			// either, so they are ignored.
			break
		}
		value = strings.TrimSpace(value)
		p.defines[dname] = value
		p.order = append(p.order, &lang.Define{Span: span, Name: dname, Value: value})
	case "undef":
		delete(p.defines, firstWord(rest))
	}
	// #pragma, #error, #line and unknown directives are ignored, as a
	// preprocessor feeding BTF-only compilation would.
	return active, stack
}

// evalCond evaluates an #if expression: integers, defined(X), names
// (their #define value, else 0), ! && || and parentheses.
func (p *preproc) evalCond(s string) bool {
	e := &condEval{p: p, toks: condTokens(s)}
	v := e.or()
	return v != 0
}

type condEval struct {
	p     *preproc
	toks  []string
	i     int
	depth int
}

func (e *condEval) peek() string {
	if e.i < len(e.toks) {
		return e.toks[e.i]
	}
	return ""
}

func (e *condEval) or() int64 {
	v := e.and()
	for e.peek() == "||" {
		e.i++
		w := e.and()
		v = b2i(v != 0 || w != 0)
	}
	return v
}

func (e *condEval) and() int64 {
	v := e.cmp()
	for e.peek() == "&&" {
		e.i++
		w := e.cmp()
		v = b2i(v != 0 && w != 0)
	}
	return v
}

func (e *condEval) cmp() int64 {
	v := e.unary()
	for {
		switch e.peek() {
		case "==":
			e.i++
			v = b2i(v == e.unary())
		case "!=":
			e.i++
			v = b2i(v != e.unary())
		case ">":
			e.i++
			v = b2i(v > e.unary())
		case "<":
			e.i++
			v = b2i(v < e.unary())
		case ">=":
			e.i++
			v = b2i(v >= e.unary())
		case "<=":
			e.i++
			v = b2i(v <= e.unary())
		default:
			return v
		}
	}
}

func (e *condEval) unary() int64 {
	e.depth++
	defer func() { e.depth-- }()
	if e.depth > 100 {
		e.i = len(e.toks)
		return 0
	}
	t := e.peek()
	e.i++
	switch {
	case t == "!":
		return b2i(e.unary() == 0)
	case t == "(":
		v := e.or()
		if e.peek() == ")" {
			e.i++
		}
		return v
	case t == "defined":
		paren := e.peek() == "("
		if paren {
			e.i++
		}
		_, ok := e.p.defines[e.peek()]
		e.i++
		if paren && e.peek() == ")" {
			e.i++
		}
		return b2i(ok)
	case t == "":
		return 0
	case t[0] >= '0' && t[0] <= '9':
		v, _ := strconv.ParseInt(strings.TrimRight(t, "uUlL"), 0, 64)
		return v
	default:
		if v, ok := e.p.defines[t]; ok {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 0, 64)
			if err == nil {
				return n
			}
		}
		return 0
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// condTokens splits an #if expression into words and operators.
func condTokens(s string) []string {
	var out []string
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case isIdentByte(c):
			j := i
			for j < len(s) && isIdentByte(s[j]) {
				j++
			}
			out = append(out, s[i:j])
			i = j
		default:
			if i+1 < len(s) {
				two := s[i : i+2]
				if two == "&&" || two == "||" || two == "==" || two == "!=" || two == ">=" || two == "<=" {
					out = append(out, two)
					i += 2
					continue
				}
			}
			out = append(out, s[i:i+1])
			i++
		}
	}
	return out
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

func splitWord(s string) (string, string) {
	s = strings.TrimLeft(s, " \t")
	i := 0
	for i < len(s) && isIdentByte(s[i]) {
		i++
	}
	return s[:i], s[i:]
}

func firstWord(s string) string {
	w, _ := splitWord(s)
	return w
}

// splitIdent returns the leading identifier of s (after blanks) and the
// rest, untrimmed so function-like macros can be told apart.
func splitIdent(s string) (string, string) {
	s = strings.TrimLeft(s, " \t")
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return "", s
	}
	return splitWord(s)
}

func firstNonBlank(b []byte, start, end int) int {
	for start < end && (b[start] == ' ' || b[start] == '\t' || b[start] == '\r') {
		start++
	}
	return start
}

// blank replaces b[start:end] with spaces, keeping newlines.
func blank(b []byte, start, end int) {
	if end > len(b) {
		end = len(b)
	}
	for i := start; i < end; i++ {
		if b[i] != '\n' {
			b[i] = ' '
		}
	}
}

// scanComments tracks whether a /* comment is still open at the end of a
// line, skipping strings and // comments, so '#' inside a comment is not a
// directive.
func scanComments(line []byte, inComment bool) bool {
	for i := 0; i < len(line); i++ {
		if inComment {
			if line[i] == '*' && i+1 < len(line) && line[i+1] == '/' {
				inComment = false
				i++
			}
			continue
		}
		switch line[i] {
		case '"':
			for i++; i < len(line) && line[i] != '"'; i++ {
				if line[i] == '\\' {
					i++
				}
			}
		case '/':
			if i+1 < len(line) {
				if line[i+1] == '/' {
					return false
				}
				if line[i+1] == '*' {
					inComment = true
					i++
				}
			}
		}
	}
	return inComment
}

// stripCComments removes /* */ and // comments from a directive's text.
func stripCComments(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '/' && i+1 < len(s) && s[i+1] == '/' {
			break
		}
		if s[i] == '/' && i+1 < len(s) && s[i+1] == '*' {
			j := strings.Index(s[i+2:], "*/")
			if j < 0 {
				break
			}
			b.WriteByte(' ')
			i += j + 3
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
