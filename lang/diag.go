package lang

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Severity tells errors from warnings.
type Severity uint8

const (
	Error Severity = iota
	Warning
)

func (s Severity) String() string {
	if s == Warning {
		return "WARNING"
	}
	return "ERROR"
}

// Diagnostic is a problem in the user's program, with the span it concerns.
// Hint, when set, is printed on a line of its own after the underline
// (`HINT: did you mean 'count'?`).
type Diagnostic struct {
	Span
	Severity Severity
	Msg      string
	Hint     string
}

// Errorf makes an error diagnostic at the node's span.
func Errorf(n Node, format string, args ...any) *Diagnostic {
	return &Diagnostic{Span: n.SpanOf(), Msg: fmt.Sprintf(format, args...)}
}

// ErrorAt makes an error diagnostic at a span.
func ErrorAt(s Span, format string, args ...any) *Diagnostic {
	return &Diagnostic{Span: s, Msg: fmt.Sprintf(format, args...)}
}

// WithHint attaches a hint and returns the diagnostic.
func (d *Diagnostic) WithHint(format string, args ...any) *Diagnostic {
	d.Hint = fmt.Sprintf(format, args...)
	return d
}

func (d *Diagnostic) Error() string {
	return fmt.Sprintf("%d:%d-%d: %s: %s", d.Start.Line, d.Start.Col, d.endCol(), d.Severity, d.Msg)
}

// endCol is the column just after the span on its first line: bpftrace
// prints one line's range even for spans that continue further.
func (d *Diagnostic) endCol() int {
	if d.End.Line == d.Start.Line && d.End.Col > d.Start.Col {
		return d.End.Col
	}
	return d.Start.Col + 1
}

// ErrorList is a set of diagnostics; it is an error when it holds an error.
type ErrorList []*Diagnostic

// Add appends a diagnostic.
func (l *ErrorList) Add(d *Diagnostic) { *l = append(*l, d) }

// HasErrors reports whether any diagnostic is an error (not a warning).
func (l ErrorList) HasErrors() bool {
	for _, d := range l {
		if d.Severity == Error {
			return true
		}
	}
	return false
}

// Sort orders the diagnostics by position, keeping the order of those at the
// same position, and drops exact duplicates.
func (l *ErrorList) Sort() {
	sort.SliceStable(*l, func(i, j int) bool {
		a, b := (*l)[i], (*l)[j]
		if a.Start.Offset != b.Start.Offset {
			return a.Start.Offset < b.Start.Offset
		}
		return a.End.Offset < b.End.Offset
	})
	out := (*l)[:0]
	for i, d := range *l {
		if i > 0 {
			p := out[len(out)-1]
			if p.Span == d.Span && p.Msg == d.Msg {
				continue
			}
		}
		out = append(out, d)
	}
	*l = out
}

// Err returns the list as an error when it holds an error, else nil.
func (l ErrorList) Err() error {
	if l.HasErrors() {
		return l
	}
	return nil
}

func (l ErrorList) Error() string {
	parts := make([]string, len(l))
	for i, d := range l {
		parts[i] = d.Error()
	}
	return strings.Join(parts, "\n")
}

// Source is a program text with the name diagnostics use for it ("stdin"
// for -e and standard input, the path for script files).
type Source struct {
	Name string
	Text string
}

// lineCursor finds the text of 1-based lines by number. Asked in increasing
// order, as RenderAll does for sorted diagnostics, it scans the text once
// instead of once per diagnostic (65k errors in a 65k-line script would
// otherwise take minutes).
type lineCursor struct {
	text    string
	n, off  int // line n starts at text[off:]
	started bool
}

// line returns the text of line n, without its newline.
func (c *lineCursor) line(n int) string {
	if !c.started || n < c.n {
		c.n, c.off, c.started = 1, 0, true
	}
	for c.n < n {
		j := strings.IndexByte(c.text[c.off:], '\n')
		if j < 0 {
			return ""
		}
		c.off += j + 1
		c.n++
	}
	text := c.text[c.off:]
	if j := strings.IndexByte(text, '\n'); j >= 0 {
		text = text[:j]
	}
	return text
}

// Render writes one diagnostic as bpftrace does:
//
//	stdin:1:9-15: ERROR: Unknown function: nosuch
//	BEGIN { nosuch(1); }
//	        ~~~~~~
func (s Source) Render(w io.Writer, d *Diagnostic) {
	s.render(w, d, &lineCursor{text: s.Text})
}

func (s Source) render(w io.Writer, d *Diagnostic, lines *lineCursor) {
	if !d.Start.IsValid() {
		fmt.Fprintf(w, "%s: %s: %s\n", s.Name, d.Severity, d.Msg)
		if d.Hint != "" {
			fmt.Fprintf(w, "HINT: %s\n", d.Hint)
		}
		return
	}
	end := d.endCol()
	fmt.Fprintf(w, "%s:%d:%d-%d: %s: %s\n", s.Name, d.Start.Line, d.Start.Col, end, d.Severity, d.Msg)
	line := lines.line(d.Start.Line)
	fmt.Fprintln(w, line)
	var b strings.Builder
	for i := 1; i < d.Start.Col; i++ {
		// Keep tabs so the underline lines up with the source line.
		if i-1 < len(line) && line[i-1] == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteString(strings.Repeat("~", end-d.Start.Col))
	fmt.Fprintln(w, b.String())
	if d.Hint != "" {
		fmt.Fprintf(w, "HINT: %s\n", d.Hint)
	}
}

// RenderAll writes every diagnostic in l.
func (s Source) RenderAll(w io.Writer, l ErrorList) {
	// One write for all: stderr is unbuffered, and a script with
	// thousands of errors would otherwise cost three writes each.
	b := bufio.NewWriter(w)
	lines := &lineCursor{text: s.Text}
	for _, d := range l {
		s.render(b, d, lines)
	}
	b.Flush()
}
