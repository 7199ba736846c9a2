package lang

import "fmt"

// Pos is a position in the source text. Line and Col are 1-based; Col counts
// bytes, as bpftrace's columns do. Offset is the 0-based byte offset.
type Pos struct {
	Offset int
	Line   int
	Col    int
}

// IsValid reports whether the position was set.
func (p Pos) IsValid() bool { return p.Line > 0 }

func (p Pos) String() string { return fmt.Sprintf("%d:%d", p.Line, p.Col) }

// Span is a half-open source range [Start, End). Every node embeds one, so
// every node can be pointed at in a diagnostic.
type Span struct {
	Start Pos
	End   Pos
}

// Pos returns the first position of the span.
func (s Span) Pos() Pos { return s.Start }

// EndPos returns the position just after the span.
func (s Span) EndPos() Pos { return s.End }

// SpanOf returns the span itself; nodes inherit it so any node yields its span.
func (s Span) SpanOf() Span { return s }

// Join returns the smallest span covering both a and b.
func Join(a, b Span) Span {
	if !a.Start.IsValid() {
		return b
	}
	if !b.Start.IsValid() {
		return a
	}
	out := a
	if b.Start.Offset < out.Start.Offset {
		out.Start = b.Start
	}
	if b.End.Offset > out.End.Offset {
		out.End = b.End
	}
	return out
}

// Node is implemented by every AST node.
type Node interface {
	SpanOf() Span
}
