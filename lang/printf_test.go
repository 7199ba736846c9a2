package lang

import (
	"reflect"
	"strings"
	"testing"
)

func TestParseFormat(t *testing.T) {
	segs := ParseFormat("[%-8s|%08.3lu|%% %rx%c\n")
	want := []FormatSegment{
		{Kind: SegText, Text: "[", Offset: 0, Width: -1, Prec: -1},
		{Kind: SegConv, Text: "%-8s", Offset: 1, Flags: "-", Width: 8, Prec: -1, Verb: "s"},
		{Kind: SegText, Text: "|", Offset: 5, Width: -1, Prec: -1},
		{Kind: SegConv, Text: "%08.3lu", Offset: 6, Flags: "0", Width: 8, Prec: 3, Length: "l", Verb: "u"},
		{Kind: SegText, Text: "|", Offset: 13, Width: -1, Prec: -1},
		{Kind: SegPercent, Text: "%%", Offset: 14, Width: -1, Prec: -1},
		{Kind: SegText, Text: " ", Offset: 16, Width: -1, Prec: -1},
		{Kind: SegConv, Text: "%rx", Offset: 17, Width: -1, Prec: -1, Verb: "rx"},
		{Kind: SegConv, Text: "%c", Offset: 20, Width: -1, Prec: -1, Verb: "c"},
		{Kind: SegText, Text: "\n", Offset: 22, Width: -1, Prec: -1},
	}
	if !reflect.DeepEqual(segs, want) {
		t.Errorf("got  %+v\nwant %+v", segs, want)
	}
	convs := Conversions(segs)
	if len(convs) != 4 || convs[0].Arg() != FormatStr || convs[1].Arg() != FormatInt || convs[2].Arg() != FormatBuf || convs[3].Arg() != FormatInt {
		t.Errorf("conversions %+v", convs)
	}
	if tok := convs[1].Token(); tok != "%lu" {
		t.Errorf("token %q", tok)
	}
}

func TestParseFormatVerbs(t *testing.T) {
	for _, f := range []string{"%d", "%u", "%x", "%X", "%o", "%c", "%s", "%p", "%r", "%rx", "%rh",
		"%hhd", "%hd", "%ld", "%lld", "%jd", "%zd", "%td", "%+d", "% d", "%#x", "%.5s", "%-+ 0#10.2llx"} {
		if convs := Conversions(ParseFormat(f)); len(convs) != 1 || convs[0].Text != f {
			t.Errorf("%q: conversions %+v", f, convs)
		}
	}
}

// A % that starts no conversion bpftrace 0.17 knows is text, as its token
// regex leaves it; StrayPercents names it for the checker's hint.
func TestParseFormatStrayPercents(t *testing.T) {
	for f, want := range map[string]string{
		"%q":        "%q",
		"a %":       "%",
		"%*d":       "%*d",
		"%.*d":      "%.*d",
		"%ls":       "%ls",
		"%lf":       "%lf",
		"%5":        "%5",
		"ok %d %y":  "%y",
		"%5%|%-5d":  "%5%",
		"%i %li":    "%i %li",
		"50%| done": "%|",
	} {
		segs := ParseFormat(f)
		var convs []string
		for _, c := range Conversions(segs) {
			convs = append(convs, c.Text)
		}
		if got := strings.Join(StrayPercents(segs), " "); got != want {
			t.Errorf("%q: stray %q, want %q (conversions %q)", f, got, want, convs)
		}
	}
	if n := len(Conversions(ParseFormat("%5%|%-5d%%"))); n != 1 {
		t.Errorf("%%5%%|%%-5d%%%%: %d conversions, want 1", n)
	}
}

func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{"%d", "%-8s|%08.3lu", "%%", "%rx", "abc", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		segs := ParseFormat(s)
		// The segments cover the format exactly, in order.
		out := ""
		for _, seg := range segs {
			if seg.Offset != len(out) {
				t.Fatalf("segment %+v at offset %d", seg, len(out))
			}
			out += seg.Text
		}
		if out != s {
			t.Fatalf("segments rebuild %q, want %q", out, s)
		}
	})
}
