package lang

import (
	"reflect"
	"testing"
)

func TestParseFormat(t *testing.T) {
	segs, err := ParseFormat("[%-8s|%08.3lu|%% %rx%c\n")
	if err != nil {
		t.Fatal(err)
	}
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
		"%hhd", "%hd", "%ld", "%lld", "%jd", "%zd", "%td", "%+d", "% d", "%#x", "%.5s", "%-+ 0#10.2llx", ""} {
		if _, err := ParseFormat(f); err != nil {
			t.Errorf("%q: %v", f, err)
		}
	}
}

func TestParseFormatErrors(t *testing.T) {
	for f, msg := range map[string]string{
		"%q":       "Unknown format string token: %q",
		"a %":      "Unknown format string token: %",
		"%*d":      "'*' width is not supported",
		"%.*d":     "'*' precision is not supported",
		"%ls":      "Unknown format string token: %ls",
		"%lf":      "Unknown format string token: %lf",
		"%5":       "Unknown format string token: %5",
		"ok %d %y": "Unknown format string token: %y",
	} {
		_, err := ParseFormat(f)
		if err == nil || err.Error() != msg {
			t.Errorf("%q: error %v, want %q", f, err, msg)
		}
	}
}

func FuzzParseFormat(f *testing.F) {
	for _, s := range []string{"%d", "%-8s|%08.3lu", "%%", "%rx", "abc", "%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		segs, err := ParseFormat(s)
		if err != nil {
			return
		}
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
