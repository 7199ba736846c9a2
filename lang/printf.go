package lang

import (
	"fmt"
	"strings"
)

// SegmentKind tells the parts of a printf format apart.
type SegmentKind uint8

const (
	// SegText is literal text, printed as is.
	SegText SegmentKind = iota
	// SegPercent is `%%`. bpftrace 0.17 prints it as `%%` (a quirk), newer
	// versions as `%`; the renderer decides, so it is kept apart from text.
	SegPercent
	// SegConv is a conversion that consumes one argument.
	SegConv
)

// FormatSegment is one piece of a parsed printf-style format string.
type FormatSegment struct {
	Kind SegmentKind
	// Text is the segment as written: the literal text, "%%", or the whole
	// conversion ("%-8lu").
	Text string
	// Offset is the byte offset of the segment in the format string.
	Offset int

	// Conversion parts (SegConv only).
	Flags  string // any of "-+ 0#", in the order written
	Width  int    // -1 when absent
	Prec   int    // -1 when absent
	Length string // "", "hh", "h", "l", "ll", "j", "z" or "t"
	Verb   string // "d", "u", "x", "X", "o", "c", "s", "p", "r", "rx", "rh"
}

// FormatArg is the class of value a conversion consumes.
type FormatArg uint8

const (
	FormatInt FormatArg = iota // d u x X o c p
	FormatStr                  // s
	FormatBuf                  // r rx rh
)

// Arg returns the class of value the conversion expects.
func (s FormatSegment) Arg() FormatArg {
	switch s.Verb {
	case "s":
		return FormatStr
	case "r", "rx", "rh":
		return FormatBuf
	}
	return FormatInt
}

// Token is the conversion without flags, width and precision ("%lu"), the
// form bpftrace names in its messages.
func (s FormatSegment) Token() string { return "%" + s.Length + s.Verb }

// FormatError is a malformed format string; Offset and Len locate the bad
// conversion inside the string.
type FormatError struct {
	Offset, Len int
	Msg         string
}

func (e *FormatError) Error() string { return e.Msg }

// verbs is the set of conversions bpftrace accepts (no `%i`, as in 0.17).
var verbs = map[string]bool{
	"d": true, "u": true, "x": true, "X": true, "o": true,
	"c": true, "s": true, "p": true, "r": true, "rx": true, "rh": true,
}

// ParseFormat splits a printf format into text, `%%` and conversion
// segments. It rejects unknown conversions, `*` widths and a trailing `%`.
// Length modifiers are accepted only on integer conversions.
func ParseFormat(f string) ([]FormatSegment, error) {
	var segs []FormatSegment
	text := 0 // start of the pending literal text
	flush := func(end int) {
		if end > text {
			segs = append(segs, FormatSegment{Kind: SegText, Text: f[text:end], Offset: text, Width: -1, Prec: -1})
		}
	}
	for i := 0; i < len(f); {
		if f[i] != '%' {
			i++
			continue
		}
		flush(i)
		start := i
		i++
		if i < len(f) && f[i] == '%' {
			segs = append(segs, FormatSegment{Kind: SegPercent, Text: "%%", Offset: start, Width: -1, Prec: -1})
			i++
			text = i
			continue
		}
		seg := FormatSegment{Kind: SegConv, Offset: start, Width: -1, Prec: -1}
		for i < len(f) && strings.IndexByte("-+ 0#", f[i]) >= 0 {
			seg.Flags += f[i : i+1]
			i++
		}
		if i < len(f) && f[i] == '*' {
			return nil, &FormatError{Offset: start, Len: i + 1 - start, Msg: "'*' width is not supported"}
		}
		seg.Width, i = digits(f, i)
		if i < len(f) && f[i] == '.' {
			i++
			if i < len(f) && f[i] == '*' {
				return nil, &FormatError{Offset: start, Len: i + 1 - start, Msg: "'*' precision is not supported"}
			}
			seg.Prec, i = digits(f, i)
			if seg.Prec < 0 {
				seg.Prec = 0
			}
		}
		for _, l := range []string{"hh", "h", "ll", "l", "j", "z", "t"} {
			if strings.HasPrefix(f[i:], l) {
				seg.Length = l
				i += len(l)
				break
			}
		}
		if i >= len(f) {
			return nil, &FormatError{Offset: start, Len: i - start, Msg: fmt.Sprintf("Unknown format string token: %s", f[start:i])}
		}
		verb := f[i : i+1]
		if verb == "r" && i+1 < len(f) && (f[i+1] == 'x' || f[i+1] == 'h') {
			verb = f[i : i+2]
		}
		i += len(verb)
		seg.Verb = verb
		seg.Text = f[start:i]
		if !verbs[verb] || (seg.Length != "" && seg.Arg() != FormatInt) {
			return nil, &FormatError{Offset: start, Len: i - start, Msg: fmt.Sprintf("Unknown format string token: %%%s%s", seg.Length, verb)}
		}
		segs = append(segs, seg)
		text = i
	}
	flush(len(f))
	return segs, nil
}

// digits reads a decimal number at f[i:]; it returns -1 when there is none.
func digits(f string, i int) (int, int) {
	n := -1
	for i < len(f) && f[i] >= '0' && f[i] <= '9' {
		if n < 0 {
			n = 0
		}
		if n < 1<<20 {
			n = n*10 + int(f[i]-'0')
		}
		i++
	}
	return n, i
}

// Conversions returns the conversion segments of a parsed format, one per
// argument.
func Conversions(segs []FormatSegment) []FormatSegment {
	var out []FormatSegment
	for _, s := range segs {
		if s.Kind == SegConv {
			out = append(out, s)
		}
	}
	return out
}
