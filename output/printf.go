package output

import (
	"io"
	"strconv"
	"strings"
)

// printf as bpftrace v0.17 does it.
//
// bpftrace splits the format after each conversion and hands every piece,
// with its one argument, to C's snprintf; the text after the last
// conversion is written verbatim. Three visible consequences, all kept:
//
//   - "%%" prints "%" only before the last conversion; after it (or in a
//     format without arguments) it stays "%%". The same for "%5%" (any
//     flags, width, precision or length before the second %).
//   - Integers are passed as 64-bit values but read with C's length rules:
//     %d/%u/%x/%o without a length modifier see the low 32 bits, %hd 16,
//     %hhd 8; l, ll, j, z and t see all 64. So printf("%u", -1) prints
//     4294967295 and printf("%lu", -1) 18446744073709551615.
//   - %r, %rx and %rh print a buffer only when written exactly so; with a
//     width or precision glibc does not know the conversion and prints it
//     literally (the argument is still consumed).
//
// The parser accepts C's full syntax (flags "-+ 0#", width, precision) so
// that it can format anything the checker lets through; the checker decides
// which formats are legal.

// Format writes a printf call to w.
func Format(w io.Writer, format string, args []Value) error {
	var scratch [256]byte
	_, err := w.Write(AppendFormat(scratch[:0], format, args))
	return err
}

// spec is one parsed conversion.
type spec struct {
	minus, plus, space, zero, hash bool
	width, prec                    int // prec < 0: none
	length                         byte
	conv                           byte // 'd', 'u', ..., 'r' (with rx: 'x' in sub)
	sub                            byte // %rx -> 'x', %rh -> 'h'
}

// Length modifiers, by how many bits of an integer they read.
const (
	lenInt   = 0 // none: C int
	lenChar  = 1 // hh
	lenShort = 2 // h
	lenLong  = 3 // l ll j z t
)

// parseSpec parses the conversion starting at format[i] == '%'. It returns
// the index just after it, or ok == false when no conversion starts there.
func parseSpec(format string, i int) (s spec, end int, ok bool) {
	s.prec = -1
	j := i + 1
flags:
	for ; j < len(format); j++ {
		switch format[j] {
		case '-':
			s.minus = true
		case '+':
			s.plus = true
		case ' ':
			s.space = true
		case '0':
			s.zero = true
		case '#':
			s.hash = true
		default:
			break flags
		}
	}
	for ; j < len(format) && format[j] >= '0' && format[j] <= '9'; j++ {
		if s.width < 1<<20 {
			s.width = s.width*10 + int(format[j]-'0')
		}
	}
	if j < len(format) && format[j] == '.' {
		j++
		s.prec = 0
		for ; j < len(format) && format[j] >= '0' && format[j] <= '9'; j++ {
			if s.prec < 1<<20 {
				s.prec = s.prec*10 + int(format[j]-'0')
			}
		}
	}
	switch {
	case j+1 < len(format) && format[j] == 'h' && format[j+1] == 'h':
		s.length, j = lenChar, j+2
	case j+1 < len(format) && format[j] == 'l' && format[j+1] == 'l':
		s.length, j = lenLong, j+2
	case j < len(format) && format[j] == 'h':
		s.length, j = lenShort, j+1
	case j < len(format) && (format[j] == 'l' || format[j] == 'j' || format[j] == 'z' || format[j] == 't'):
		s.length, j = lenLong, j+1
	}
	if j >= len(format) {
		return s, i, false
	}
	s.conv = format[j]
	j++
	switch s.conv {
	case 'd', 'i', 'u', 'o', 'x', 'X', 'p':
	case 's', 'c':
		if s.length != lenInt {
			return s, i, false
		}
	case 'r':
		if s.length != lenInt {
			return s, i, false
		}
		if j < len(format) && (format[j] == 'x' || format[j] == 'h') {
			s.sub = format[j]
			j++
		}
	default:
		return s, i, false
	}
	return s, j, true
}

// percentSpecEnd reports whether a %-conversion whose conversion
// character is '%' starts at format[i] ("%5%", "%-05.2l%"), and where it
// ends.
func percentSpecEnd(format string, i int) (int, bool) {
	j := i + 1
	for j < len(format) && strings.IndexByte("-+ 0#123456789.hljzt", format[j]) >= 0 {
		j++
	}
	if j < len(format) && format[j] == '%' {
		return j + 1, true
	}
	return 0, false
}

// lastConversionEnd returns the index after the last conversion in format,
// or 0 if it has none: the text after it is printed verbatim.
func lastConversionEnd(format string) int {
	last := 0
	for i := 0; i < len(format); i++ {
		if format[i] != '%' {
			continue
		}
		if i+1 < len(format) && format[i+1] == '%' {
			i++
			continue
		}
		if _, end, ok := parseSpec(format, i); ok {
			last = end
			i = end - 1
		}
	}
	return last
}

// AppendFormat appends the output of printf(format, args...) to b.
func AppendFormat(b []byte, format string, args []Value) []byte {
	if len(args) == 0 {
		return append(b, format...)
	}
	return compileFormat(format).append(b, args)
}

// compiledFormat is a printf format split once into literal text and conversions,
// for a format printed again and again (one printf per event): the
// renderers keep the last one (lastFormat).
type compiledFormat struct {
	format string
	pieces []formatPiece
	tail   string // literal text after the last conversion
}

type formatPiece struct {
	lit  string // literal text before the conversion, %% collapsed
	spec spec
	text string // the conversion as written
}

func compileFormat(format string) *compiledFormat {
	f := &compiledFormat{format: format}
	tail := lastConversionEnd(format)
	var lit []byte
	i := 0
	for i < tail {
		c := format[i]
		if c != '%' {
			lit = append(lit, c)
			i++
			continue
		}
		if i+1 < tail && format[i+1] == '%' {
			lit = append(lit, '%')
			i += 2
			continue
		}
		s, end, ok := parseSpec(format, i)
		if !ok {
			// glibc prints "%5%" (flags, width, precision or length
			// before a second %) as "%".
			if end, ok := percentSpecEnd(format, i); ok {
				lit = append(lit, '%')
				i = end
				continue
			}
			lit = append(lit, '%')
			i++
			continue
		}
		f.pieces = append(f.pieces, formatPiece{lit: string(lit), spec: s, text: format[i:end]})
		lit = lit[:0]
		i = end
	}
	f.tail = string(lit) + format[tail:]
	return f
}

// append appends printf(f, args...) for at least one argument.
func (f *compiledFormat) append(b []byte, args []Value) []byte {
	for n := range f.pieces {
		p := &f.pieces[n]
		b = append(b, p.lit...)
		if n >= len(args) {
			// Fewer arguments than conversions: the checker rejects this;
			// print the conversion rather than invent a value.
			b = append(b, p.text...)
		} else {
			b = appendConversion(b, p.spec, p.text, args[n])
		}
	}
	return append(b, f.tail...)
}

// lastFormat keeps the compiled form of the format printed last.
type lastFormat struct{ f *compiledFormat }

// append is AppendFormat through the kept compiled format.
func (l *lastFormat) append(b []byte, format string, args []Value) []byte {
	if len(args) == 0 {
		return append(b, format...)
	}
	if l.f == nil || l.f.format != format {
		l.f = compileFormat(format)
	}
	return l.f.append(b, args)
}

func appendConversion(b []byte, s spec, text string, v Value) []byte {
	switch s.conv {
	case 's':
		start := len(b)
		b = appendText(b, v)
		if s.prec >= 0 && len(b)-start > s.prec {
			b = b[:start+s.prec]
		}
		return padField(b, start, s.width, s.minus)
	case 'c':
		start := len(b)
		b = append(b, byte(v.Int))
		return padField(b, start, s.width, s.minus)
	case 'r':
		if len(text) != 2+boolInt(s.sub != 0) {
			return append(b, text...)
		}
		return appendBufText(b, v.Str, s.sub == 0, s.sub != 'h')
	case 'p':
		if v.Int == 0 {
			start := len(b)
			b = append(b, "(nil)"...)
			return padField(b, start, s.width, s.minus)
		}
		s.hash, s.length, s.conv = true, lenLong, 'x'
	}
	return appendInteger(b, s, v.Int)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// padField pads the text written since start to width with spaces, on the
// left or (minus) on the right.
func padField(b []byte, start, width int, minus bool) []byte {
	n := width - (len(b) - start)
	if n <= 0 {
		return b
	}
	if minus {
		return pad(b, n)
	}
	b = pad(b, n)
	copy(b[start+n:], b[start:len(b)-n])
	for k := start; k < start+n; k++ {
		b[k] = ' '
	}
	return b
}

// appendInteger formats v with C's rules for d, i, u, o, x and X after
// truncating it to the width the length modifier names.
func appendInteger(b []byte, s spec, v uint64) []byte {
	signed := s.conv == 'd' || s.conv == 'i'
	switch s.length {
	case lenInt:
		if signed {
			v = uint64(int64(int32(v)))
		} else {
			v = uint64(uint32(v))
		}
	case lenShort:
		if signed {
			v = uint64(int64(int16(v)))
		} else {
			v = uint64(uint16(v))
		}
	case lenChar:
		if signed {
			v = uint64(int64(int8(v)))
		} else {
			v = uint64(uint8(v))
		}
	}
	var sign string
	if signed {
		if int64(v) < 0 {
			sign, v = "-", -v
		} else if s.plus {
			sign = "+"
		} else if s.space {
			sign = " "
		}
	}
	var digits [24]byte
	var d []byte
	switch s.conv {
	case 'o':
		d = strconv.AppendUint(digits[:0], v, 8)
	case 'x':
		d = strconv.AppendUint(digits[:0], v, 16)
	case 'X':
		d = strconv.AppendUint(digits[:0], v, 16)
		for k := range d {
			if d[k] >= 'a' {
				d[k] -= 'a' - 'A'
			}
		}
	default:
		d = strconv.AppendUint(digits[:0], v, 10)
	}
	if s.prec == 0 && v == 0 {
		d = d[:0] // "%.0d" of 0 prints no digits
	}
	zeros := 0
	if s.prec > len(d) {
		zeros = s.prec - len(d)
	}
	prefix := sign
	if s.hash {
		switch {
		case s.conv == 'o' && zeros == 0 && (len(d) == 0 || d[0] != '0'):
			zeros = 1
		case s.conv == 'x' && v != 0:
			prefix = "0x"
		case s.conv == 'X' && v != 0:
			prefix = "0X"
		}
	}
	n := len(prefix) + zeros + len(d)
	fill := s.width - n
	if fill > 0 && s.zero && !s.minus && s.prec < 0 {
		zeros += fill // '0' pads between the sign or prefix and the digits
		fill = 0
	}
	if fill > 0 && !s.minus {
		b = pad(b, fill)
	}
	b = append(b, prefix...)
	for ; zeros > 0; zeros-- {
		b = append(b, '0')
	}
	b = append(b, d...)
	if fill > 0 && s.minus {
		b = pad(b, fill)
	}
	return b
}
