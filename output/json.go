package output

import (
	"io"
	"strconv"
	"unicode/utf8"

	"github.com/gtrace/gtrace/lang"
)

// JSON renders events as `bpftrace -f json` v0.17 does: one object per
// line, {"type": ..., "data": ...}, with bpftrace's spacing (", " and ": "
// between members, none inside tuples and arrays).
//
// Every line is valid JSON in valid UTF-8, whatever bytes traced strings
// hold (file names, comm, map keys). v0.17 escapes every byte >= 0x80
// through a signed char as "\uffffff" and its two hex digits ("\uffffffc3"
// for the first byte of "é"); gtrace writes the bytes of a well-formed
// UTF-8 sequence as they are and escapes the others exactly as v0.17 does,
// so a reader sees the same text as from bpftrace for any byte that is not
// UTF-8. The other deliberate difference, a v0.17 bug: hist bucket bounds
// from 2^31 up are exact (v0.17 computes them in a 32-bit int and prints
// {"min": -2147483648, "max": 0} for [2G, 4G)).
type JSON struct {
	w      io.Writer
	buf    []byte
	sep    io.Writer
	format lastFormat
}

// SeparateTo sends the two newlines Exit writes before the maps to w, as
// Text's.
func (j *JSON) SeparateTo(w io.Writer) { j.sep = w }

// NewJSON returns a JSON renderer writing to w.
func NewJSON(w io.Writer) *JSON { return &JSON{w: w} }

func (j *JSON) flush() error {
	_, err := j.w.Write(j.buf)
	j.buf = j.buf[:0]
	return err
}

func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"':
			b = append(b, '\\', '"')
		case c == '\\':
			b = append(b, '\\', '\\')
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c == '\t':
			b = append(b, '\\', 't')
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
		case c < utf8.RuneSelf:
			b = append(b, c)
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && n == 1 {
				b = appendInvalidByte(b, c)
				continue
			}
			b = append(b, s[i:i+n]...)
			i += n - 1
		}
	}
	return append(b, '"')
}

// appendInvalidByte escapes a byte that is not part of valid UTF-8 as
// bpftrace does: its value as a sign-extended 32-bit int in hex after
// "\u" (0xff → \uffffffff), which a JSON reader takes as U+FFFF followed
// by the text "ffXX".
func appendInvalidByte(b []byte, c byte) []byte {
	return append(b, '\\', 'u', 'f', 'f', 'f', 'f', 'f', 'f', hexDigits[c>>4], hexDigits[c&15])
}

// message writes {"type": "<typ>", "data": "<text>"}.
func (j *JSON) message(typ, text string) error {
	b := append(j.buf[:0], `{"type": "`...)
	b = append(b, typ...)
	b = append(b, `", "data": `...)
	b = appendJSONString(b, text)
	j.buf = append(b, "}\n"...)
	return j.flush()
}

// counter writes {"type": "<typ>", "data": {"<field>": n}}.
func (j *JSON) counter(typ, field string, n uint64) error {
	b := append(j.buf[:0], `{"type": "`...)
	b = append(b, typ...)
	b = append(b, `", "data": {"`...)
	b = append(b, field...)
	b = append(b, `": `...)
	b = strconv.AppendUint(b, n, 10)
	j.buf = append(b, "}}\n"...)
	return j.flush()
}

// AttachedProbes writes {"type": "attached_probes", "data": {"probes": n}}.
func (j *JSON) AttachedProbes(n int) error { return j.counter("attached_probes", "probes", uint64(n)) }

// LostEvents writes {"type": "lost_events", "data": {"events": n}}.
func (j *JSON) LostEvents(n uint64) error { return j.counter("lost_events", "events", n) }

// Printf writes the formatted text as a "printf" message.
func (j *JSON) Printf(format string, args []Value) error {
	var scratch [256]byte
	return j.message("printf", string(j.format.append(scratch[:0], format, args)))
}

// Time writes a "time" message.
func (j *JSON) Time(text string) error { return j.message("time", text) }

// Cat writes a "cat" message.
func (j *JSON) Cat(text string) error { return j.message("cat", text) }

// System writes a "syscall" message (v0.17's name for system() output).
func (j *JSON) System(text string) error { return j.message("syscall", text) }

// Join writes a "join" message.
func (j *JSON) Join(text string) error { return j.message("join", text) }

// HelperError writes {"type": "helper_error", "helper": ..., "retcode": ...,
// "line": ..., "col": ...}.
func (j *JSON) HelperError(e HelperError) error {
	b := append(j.buf[:0], `{"type": "helper_error", "helper": `...)
	b = appendJSONString(b, e.Helper)
	b = append(b, `, "retcode": `...)
	b = strconv.AppendInt(b, int64(e.Retcode), 10)
	b = append(b, `, "line": `...)
	b = strconv.AppendInt(b, int64(e.Span.Start.Line), 10)
	b = append(b, `, "col": `...)
	b = strconv.AppendInt(b, int64(e.Span.Start.Col), 10)
	j.buf = append(b, "}\n"...)
	return j.flush()
}

// ScriptMessage writes {"type": "errorf" or "warnf", "msg": ..., "filename":
// ..., "line": ..., "col": ...}, as bpftrace 0.24+.
func (j *JSON) ScriptMessage(m ScriptMessage) error {
	kind := "errorf"
	if m.Warning {
		kind = "warnf"
	}
	b := append(j.buf[:0], `{"type": "`...)
	b = append(b, kind...)
	b = append(b, `", "msg": `...)
	b = appendJSONString(b, m.Text)
	b = append(b, `, "filename": `...)
	b = appendJSONString(b, m.Source.Name)
	b = append(b, `, "line": `...)
	b = strconv.AppendInt(b, int64(m.Span.Start.Line), 10)
	b = append(b, `, "col": `...)
	b = strconv.AppendInt(b, int64(m.Span.Start.Col), 10)
	j.buf = append(b, "}\n"...)
	return j.flush()
}

// Value writes {"type": "value", "data": <v>}.
func (j *JSON) Value(v Value) error {
	b := append(j.buf[:0], `{"type": "value", "data": `...)
	b = appendJSONValue(b, v, 1)
	j.buf = append(b, "}\n"...)
	return j.flush()
}

// Exit writes the same "\n\n" as text mode (v0.17 writes it to stdout
// whatever the format), then every non-empty map in name order.
func (j *JSON) Exit(maps []*Map) error {
	if err := separate(j.w, j.sep); err != nil {
		return err
	}
	for _, m := range sortMaps(maps) {
		if err := j.Map(m, 0, 0); err != nil {
			return err
		}
	}
	return nil
}

// Map writes a map as one "map", "hist" or "stats" object; empty maps
// write nothing. Keys are the text of the key parts joined with ",". The
// line is written in pieces of about mapChunk bytes.
func (j *JSON) Map(m *Map, top, div uint64) error {
	if m.len() == 0 {
		return nil
	}
	if div == 0 {
		div = 1
	}
	typ := "map"
	switch m.Kind {
	case lang.KindHist, lang.KindLhist:
		typ = "hist"
	case lang.KindAvg, lang.KindStats:
		typ = "stats"
		if m.Kind == lang.KindStats {
			top, div = 0, 1 // ignored for stats, as in text
		}
	}
	b := append(j.buf[:0], `{"type": "`...)
	b = append(b, typ...)
	b = append(b, `", "data": {`...)
	b = appendJSONString(b, m.Name)
	b = append(b, ": "...)
	if !m.Scalar {
		b = append(b, '{')
	}
	var key []byte
	for i, at := range sortedIndex(m, top) {
		e := m.entry(int(at))
		if i > 0 {
			b = append(b, ", "...)
		}
		if !m.Scalar {
			key = key[:0]
			for k, part := range e.Key {
				if k > 0 {
					key = append(key, ',')
				}
				key = appendKey(key, part)
			}
			b = appendJSONString(b, string(key))
			b = append(b, ": "...)
		}
		b = appendJSONValue(b, e.Value, div)
		if len(b) >= mapChunk { // the line of a map of 1M keys is ~30 MB
			if _, err := j.w.Write(b); err != nil {
				j.buf = b[:0]
				return err
			}
			b = b[:0]
		}
	}
	if !m.Scalar {
		b = append(b, '}')
	}
	j.buf = append(b, "}}\n"...)
	return j.flush()
}

// appendJSONValue appends v as JSON: numbers bare, text kinds quoted,
// tuples and arrays as [a,b], records as { "a": 1 }, stats as an object,
// hist and lhist as lists of bucket objects.
func appendJSONValue(b []byte, v Value, div uint64) []byte {
	switch v.Kind {
	case lang.KindInt, lang.KindCount, lang.KindSum, lang.KindMin, lang.KindMax, lang.KindAvg:
		return appendMapValue(b, v, div)
	case lang.KindPtr, lang.KindBool:
		return appendText(b, v)
	case lang.KindStats:
		b = append(b, `{"count": `...)
		b = strconv.AppendInt(b, int64(v.Int), 10)
		b = append(b, `, "average": `...)
		b = strconv.AppendInt(b, v.Average(), 10)
		b = append(b, `, "total": `...)
		b = strconv.AppendInt(b, v.Total, 10)
		return append(b, '}')
	case lang.KindTuple, lang.KindArray:
		b = append(b, '[')
		for i, e := range v.Elems {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendJSONValue(b, e, 1)
		}
		return append(b, ']')
	case lang.KindRecord:
		b = append(b, "{ "...)
		for i, e := range v.Elems {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = appendJSONString(b, v.Names[i])
			b = append(b, ": "...)
			b = appendJSONValue(b, e, 1)
		}
		return append(b, " }"...)
	case lang.KindHist, lang.KindLhist:
		return appendJSONHist(b, v, div)
	}
	var scratch [128]byte
	return appendJSONString(b, string(appendText(scratch[:0], v)))
}

// appendJSONHist writes the used bucket range as objects with closed
// bounds: {"min": lo, "max": hi, "count": n}; the negative bucket has only
// "max": -1, lhist's underflow only "max": min-1 and overflow only "min": max.
func appendJSONHist(b []byte, v Value, div uint64) []byte {
	h := v.Hist
	b = append(b, '[')
	if h == nil {
		return append(b, ']')
	}
	first, last := usedRange(h.Buckets)
	lin := v.Kind == lang.KindLhist
	if lin {
		div = 1
	}
	for i := first; first >= 0 && i <= last; i++ {
		if i > first {
			b = append(b, ", "...)
		}
		b = append(b, '{')
		switch {
		case lin && i == 0:
			b = appendJSONMember(b, "max", h.Min-1)
		case lin && i == int((h.Max-h.Min)/h.Step)+1:
			b = appendJSONMember(b, "min", h.Max)
		case lin:
			b = appendJSONMember(b, "min", int64(i-1)*h.Step+h.Min)
			b = appendJSONMember(b, "max", int64(i)*h.Step+h.Min-1)
		case i == 0:
			b = appendJSONMember(b, "max", -1)
		default:
			b = append(b, `"min": `...)
			b = strconv.AppendUint(b, histBound(i, h.Bits), 10)
			b = append(b, `, "max": `...)
			b = strconv.AppendUint(b, histBound(i+1, h.Bits)-1, 10)
			b = append(b, ", "...)
		}
		b = append(b, `"count": `...)
		b = strconv.AppendUint(b, h.Buckets[i]/div, 10)
		b = append(b, '}')
	}
	return append(b, ']')
}

func appendJSONMember(b []byte, name string, v int64) []byte {
	b = append(b, '"')
	b = append(b, name...)
	b = append(b, `": `...)
	b = strconv.AppendInt(b, v, 10)
	return append(b, ", "...)
}
