package output

import (
	"bytes"
	"io"
	"strconv"
	"strings"
	"syscall"

	"github.com/gtrace/gtrace/lang"
)

// Text renders events as bpftrace v0.17 prints them to the terminal.
type Text struct {
	w      io.Writer
	buf    []byte // reused for every event: no allocation per line once warm
	sep    io.Writer
	format lastFormat
	// msgs receives errorf()/warnf() messages (bpftrace writes them to
	// stderr); nil writes them with the output.
	msgs io.Writer
}

// MessagesTo sends errorf()/warnf() messages to w (stderr).
func (t *Text) MessagesTo(w io.Writer) { t.msgs = w }

// ScriptMessage writes "stdin:1:9-62: ERROR: text" on a line.
func (t *Text) ScriptMessage(m ScriptMessage) error {
	w := t.msgs
	if w == nil {
		w = t.w
	}
	_, err := io.WriteString(w, m.Header()+"\n")
	return err
}

// SeparateTo sends the two newlines Exit writes before the maps to w
// instead of the output: bpftrace 0.17 writes them to its standard output
// even when -o sends everything else to a file.
func (t *Text) SeparateTo(w io.Writer) { t.sep = w }

// NewText returns a text renderer writing to w. Wrap w in a bufio.Writer
// for throughput; Text writes once per event.
func NewText(w io.Writer) *Text { return &Text{w: w} }

func (t *Text) flush() error {
	_, err := t.w.Write(t.buf)
	t.buf = t.buf[:0]
	return err
}

func (t *Text) write(s string) error {
	t.buf = append(t.buf[:0], s...)
	return t.flush()
}

// AttachedProbes writes "Attaching N probe(s)...".
func (t *Text) AttachedProbes(n int) error {
	b := append(t.buf[:0], "Attaching "...)
	b = strconv.AppendInt(b, int64(n), 10)
	if n == 1 {
		b = append(b, " probe...\n"...)
	} else {
		b = append(b, " probes...\n"...)
	}
	t.buf = b
	return t.flush()
}

// Printf writes the formatted text, adding nothing.
func (t *Text) Printf(format string, args []Value) error {
	t.buf = t.format.append(t.buf[:0], format, args)
	return t.flush()
}

// Time writes the formatted time as is.
func (t *Text) Time(text string) error { return t.write(text) }

// Cat writes the file contents as is.
func (t *Text) Cat(text string) error { return t.write(text) }

// System writes the command output as is.
func (t *Text) System(text string) error { return t.write(text) }

// Join writes the joined text and a newline.
func (t *Text) Join(text string) error {
	t.buf = append(append(t.buf[:0], text...), '\n')
	return t.flush()
}

// Value writes print(v): the value's text and a newline.
func (t *Text) Value(v Value) error {
	t.buf = append(appendText(t.buf[:0], v), '\n')
	return t.flush()
}

// LostEvents writes "Lost N events" (on stdout, as v0.17 does).
func (t *Text) LostEvents(n uint64) error {
	b := append(t.buf[:0], "Lost "...)
	b = strconv.AppendUint(b, n, 10)
	t.buf = append(b, " events\n"...)
	return t.flush()
}

// HelperError writes v0.17's warning as a diagnostic on the output (not
// stderr: v0.17 writes it to stdout, or to the -o file):
//
//	stdin:1:25-30: WARNING: Failed to map_update_elem: Argument list too long (-7)
//	BEGIN { @[1]=1; @[2]=2; @[3]=3; exit(); }
//	                        ~~~~~
func (t *Text) HelperError(e HelperError) error {
	var b bytes.Buffer
	e.Source.Render(&b, &lang.Diagnostic{Span: e.Span, Severity: lang.Warning, Msg: e.Message()})
	t.buf = append(t.buf[:0], b.Bytes()...)
	return t.flush()
}

// strerror returns glibc's wording for errno: Go's table has the same
// texts, only starting in lower case; an errno it does not know reads
// "Unknown error N", as glibc's.
func strerror(errno int) string {
	s := syscall.Errno(errno).Error()
	if strings.HasPrefix(s, "errno ") {
		return "Unknown error " + strconv.Itoa(errno)
	}
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s
}

// Exit writes v0.17's end of run: two newlines (bpftrace writes them even
// when nothing follows), then every map in name order.
func (t *Text) Exit(maps []*Map) error {
	if err := separate(t.w, t.sep); err != nil {
		return err
	}
	for _, m := range sortMaps(maps) {
		if err := t.Map(m, 0, 0); err != nil {
			return err
		}
	}
	return nil
}

// Map writes print(@m, top, div), in pieces of about mapChunk bytes.
func (t *Text) Map(m *Map, top, div uint64) error {
	var err error
	t.buf = appendMapText(t.buf[:0], m, top, div, func(b []byte) []byte {
		if err == nil {
			_, err = t.w.Write(b)
		}
		return b[:0]
	})
	if err != nil {
		t.buf = t.buf[:0]
		return err
	}
	return t.flush()
}

// mapChunk is how much of a map's text is laid out before it is written:
// the text of a map of 1M keys (~20 MB) need not be in memory at once.
const mapChunk = 64 << 10

// appendMapText lays out a map as v0.17 does. Entries are joined by a
// newline and the map ends with one; so an empty map prints an empty line.
// Differences by kind: hist/lhist entries are "@m[k]: \n<rows>" (note the
// trailing space) and so end with a blank line; avg and stats maps end with
// an extra newline; stats ignore top and div; maps whose values are stacks,
// symbols or inet addresses are joined with nothing at all (their values
// are expected to end in a newline, which only stacks do). Whenever b
// holds mapChunk bytes or more, it is handed to spill, which returns the
// buffer to go on with.
func appendMapText(b []byte, m *Map, top, div uint64, spill func([]byte) []byte) []byte {
	if div == 0 {
		div = 1
	}
	if m.Kind == lang.KindStats {
		top, div = 0, 1
	}
	sep := "\n"
	switch m.Kind {
	case lang.KindKStack, lang.KindUStack, lang.KindKsym, lang.KindUsym, lang.KindInet:
		sep = ""
	}
	idx := sortedIndex(m, top)
	lines := entryLines(m, idx, div)
	for i, j := range idx {
		if i > 0 {
			b = append(b, sep...)
		}
		if lines != nil {
			b = append(b, lines.text[lines.off[j]:lines.off[j+1]]...)
		} else {
			b = appendEntryText(b, m, m.entry(int(j)), div)
		}
		if len(b) >= mapChunk {
			b = spill(b)
		}
	}
	b = append(b, '\n')
	if m.Kind == lang.KindAvg || m.Kind == lang.KindStats {
		b = append(b, '\n')
	}
	return b
}

// appendEntryText appends one entry as print(@m) shows it, without the
// separator: "@m[key, ...]: value".
func appendEntryText(b []byte, m *Map, e *Entry, div uint64) []byte {
	b = append(b, m.Name...)
	if !m.Scalar {
		b = append(b, '[')
		for j := range e.Key {
			if j > 0 {
				b = append(b, ", "...)
			}
			b = appendKey(b, e.Key[j])
		}
		b = append(b, ']')
	}
	b = append(b, ": "...)
	return appendMapValue(b, e.Value, div)
}

// entryLinesMin is the number of entries from which a map's entries are
// laid out in memory order before they are printed in sorted order.
const entryLinesMin = 4096

// entryTexts holds the text of every entry of a map, entry j at
// text[off[j]:off[j+1]].
type entryTexts struct {
	text []byte
	off  []uint32
}

// entryLines lays out the text of every entry in the order of m.Entries,
// when every entry of a large map is printed (nil otherwise). Printing
// sorts by value, which visits the entries and their keys at random: on a
// map of 1M keys (~230 MB of values) most of the time went to cache and
// TLB misses; this way they are read in order and only the compact text
// (~20 bytes an entry) is visited at random. The text is sized from a
// sample of entries; maps whose text would pass 1 GiB (many histograms)
// print entry by entry.
func entryLines(m *Map, idx []int32, div uint64) *entryTexts {
	n := m.len()
	if len(idx) < entryLinesMin || len(idx) != n {
		return nil
	}
	longest := 0
	var sample []byte
	for k := range 64 {
		sample = appendEntryText(sample[:0], m, m.entry(k*(n-1)/63), div)
		longest = max(longest, len(sample))
	}
	size := uint64(n) * uint64(longest+2)
	if size > 1<<30 {
		return nil
	}
	l := &entryTexts{off: make([]uint32, n+1), text: make([]byte, 0, size)}
	for j := range n {
		l.off[j] = uint32(len(l.text))
		l.text = appendEntryText(l.text, m, m.entry(j), div)
		if len(l.text) > 1<<31 {
			return nil // far longer than sampled
		}
	}
	l.off[n] = uint32(len(l.text))
	return l
}

// appendMapValue appends a map value divided by div (print's third
// argument): counts and unsigned sums as unsigned, the rest as signed.
func appendMapValue(b []byte, v Value, div uint64) []byte {
	switch v.Kind {
	case lang.KindHist, lang.KindLhist:
		b = append(b, '\n')
		return appendHistBody(b, v, div)
	case lang.KindAvg:
		return strconv.AppendInt(b, v.Average()/int64(div), 10)
	case lang.KindCount, lang.KindSum, lang.KindMin, lang.KindMax, lang.KindInt:
		if div == 1 {
			break
		}
		if v.Signed {
			return strconv.AppendInt(b, v.int64()/int64(div), 10)
		}
		return strconv.AppendUint(b, v.Int/div, 10)
	}
	return appendText(b, v)
}

// separate writes v0.17's "\n\n" before the maps at exit to sep, or to
// out when sep is nil.
func separate(out, sep io.Writer) error {
	if sep == nil {
		sep = out
	}
	_, err := io.WriteString(sep, "\n\n")
	return err
}
