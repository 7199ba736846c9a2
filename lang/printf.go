package lang

import (
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

// verbs is the set of conversions bpftrace accepts (no `%i`, as in 0.17).
var verbs = map[string]bool{
	"d": true, "u": true, "x": true, "X": true, "o": true,
	"c": true, "s": true, "p": true, "r": true, "rx": true, "rh": true,
}

// ParseFormat splits a printf format into text, `%%` and conversion
// segments. As in bpftrace 0.17, whose token regex finds the conversions,
// a `%` that starts no conversion it knows (`%i`, `%5%`, `%*d`, `%ls`, a
// trailing `%`) is text: the argument count then tells (StrayPercents
// names them for a hint). Length modifiers make conversions only on
// integer verbs. Flags beyond 0.17's `-` (`+`, space, `#`, `0`) are
// accepted, as newer bpftrace does.
func ParseFormat(f string) []FormatSegment {
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
		start := i
		if i+1 < len(f) && f[i+1] == '%' {
			flush(i)
			segs = append(segs, FormatSegment{Kind: SegPercent, Text: "%%", Offset: start, Width: -1, Prec: -1})
			i += 2
			text = i
			continue
		}
		seg, end, ok := parseConversion(f, start)
		if !ok {
			i++ // text
			continue
		}
		flush(start)
		segs = append(segs, seg)
		i, text = end, end
	}
	flush(len(f))
	return segs
}

// parseConversion parses the conversion starting at f[start] == '%'; ok
// is false when none starts there.
func parseConversion(f string, start int) (seg FormatSegment, end int, ok bool) {
	seg = FormatSegment{Kind: SegConv, Offset: start, Width: -1, Prec: -1}
	i := start + 1
	for i < len(f) && strings.IndexByte("-+ 0#", f[i]) >= 0 {
		seg.Flags += f[i : i+1]
		i++
	}
	seg.Width, i = digits(f, i)
	if i < len(f) && f[i] == '.' {
		i++
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
		return seg, start, false
	}
	verb := f[i : i+1]
	if verb == "r" && i+1 < len(f) && (f[i+1] == 'x' || f[i+1] == 'h') {
		verb = f[i : i+2]
	}
	i += len(verb)
	seg.Verb = verb
	seg.Text = f[start:i]
	if !verbs[verb] || (seg.Length != "" && seg.Arg() != FormatInt) {
		return seg, start, false
	}
	return seg, i, true
}

// StrayPercents returns the `%` sequences of a parsed format's text that
// look like conversions but are none (`%i`, `%ls`, `%*d`): printed as
// text, they are a likely reason for a wrong argument count.
func StrayPercents(segs []FormatSegment) []string {
	var out []string
	for _, s := range segs {
		if s.Kind != SegText {
			continue
		}
		t := s.Text
		for i := strings.IndexByte(t, '%'); i >= 0; i = strings.IndexByte(t, '%') {
			j := i + 1
			for j < len(t) && strings.IndexByte("-+ 0#*.123456789hljzt", t[j]) >= 0 {
				j++
			}
			if j < len(t) && t[j] > ' ' {
				j++
			}
			out = append(out, t[i:j])
			t = t[j:]
		}
	}
	return out
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
