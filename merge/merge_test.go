package merge

import (
	"bytes"
	"io"
	"os"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/lang/parse"
	"github.com/gtrace/gtrace/output"
)

// The goldens are bpftrace 0.17's own outputs: a.json and b.json are
// `bpftrace -f json` of a.bt and b.bt, and ab.txt / ab.json its output of
// ab.bt, which runs the statements of both. Merging a and b must print
// exactly what one run of both prints.

func readInput(t *testing.T, name string) *Input {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := Read(f, name)
	if err != nil {
		t.Fatal(err)
	}
	return in
}

func scriptHints(t *testing.T, file string) map[string]Hint {
	t.Helper()
	text, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	prog, diags := parse.Parse(lang.Source{Name: file, Text: string(text)}, parse.Options{})
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	return Hints(prog)
}

func render(t *testing.T, maps []*output.Map, format string) string {
	t.Helper()
	var b bytes.Buffer
	var err error
	switch format {
	case "json":
		j := output.NewJSON(&b)
		j.SeparateTo(io.Discard)
		err = j.Exit(maps)
	default:
		tx := output.NewText(&b)
		tx.SeparateTo(io.Discard)
		err = tx.Exit(maps)
	}
	if err != nil {
		t.Fatal(err)
	}
	return b.String()
}

func TestMergeMatchesOneRunOfBoth(t *testing.T) {
	maps, guessed, err := Merge([]*Input{readInput(t, "a.json"), readInput(t, "b.json")}, scriptHints(t, "ab.bt"))
	if err != nil {
		t.Fatal(err)
	}
	if len(guessed) > 0 {
		t.Errorf("guessed %v though the script says every map's kind", guessed)
	}
	for format, golden := range map[string]string{"text": "ab.txt", "json": "ab.json"} {
		want, err := os.ReadFile("testdata/" + golden)
		if err != nil {
			t.Fatal(err)
		}
		if got := render(t, maps, format); got != string(want) {
			t.Errorf("%s: merged maps differ from bpftrace's run of both\n--- got\n%s\n--- want (%s)\n%s", format, got, golden, want)
		}
	}
}

// TestMergeIsAssociative: merging the merged output of a and b with
// nothing gives the same text, and the order of the inputs does not
// matter.
func TestMergeOrderAndRemerge(t *testing.T) {
	hints := scriptHints(t, "ab.bt")
	ab, _, err := Merge([]*Input{readInput(t, "a.json"), readInput(t, "b.json")}, hints)
	if err != nil {
		t.Fatal(err)
	}
	ba, _, err := Merge([]*Input{readInput(t, "b.json"), readInput(t, "a.json")}, hints)
	if err != nil {
		t.Fatal(err)
	}
	if render(t, ab, "text") != render(t, ba, "text") {
		t.Error("merging a, b and b, a differ")
	}
	again, err := Read(strings.NewReader(render(t, ab, "json")), "merged")
	if err != nil {
		t.Fatal(err)
	}
	re, _, err := Merge([]*Input{again}, hints)
	if err != nil {
		t.Fatal(err)
	}
	if render(t, re, "text") != render(t, ab, "text") {
		t.Error("re-reading the merged JSON changes it")
	}
}

func TestMergeWithoutScriptAddsIntegersAndSaysSo(t *testing.T) {
	_, guessed, err := Merge([]*Input{readInput(t, "a.json"), readInput(t, "b.json")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(guessed, " "); got != "@c @ma @mi @n @s" {
		t.Errorf("guessed %q, want the integer maps @c @ma @mi @n @s", got)
	}
}

func TestMergeErrors(t *testing.T) {
	for _, tc := range []struct {
		name, a, b, want string
	}{
		{"kind", `{"type": "hist", "data": {"@x": [{"min": 0, "max": 0, "count": 1}]}}`,
			`{"type": "map", "data": {"@x": 3}}`, "@x is a hist in a but a map in b"},
		{"keys", `{"type": "map", "data": {"@x": 3}}`,
			`{"type": "map", "data": {"@x": {"1": 3}}}`, "@x has no key in a but keys in b"},
		{"shape", `{"type": "map", "data": {"@x": {"1": 3}}}`,
			`{"type": "map", "data": {"@x": {"1": "three"}}}`, "@x holds numbers and strings (in b)"},
		{"avg", `{"type": "stats", "data": {"@x": {"1": 3}}}`,
			`{"type": "stats", "data": {"@x": {"1": 5}}}`, "@x[1]: avg() values in a and b cannot be merged exactly"},
		{"lhist step", `{"type": "hist", "data": {"@x": [{"min": 10, "max": 19, "count": 1}]}}`,
			`{"type": "hist", "data": {"@x": [{"min": 10, "max": 14, "count": 1}]}}`, "@x: the inputs' buckets fit no one hist() or lhist() layout (lhist steps differ: 10 and 5)"},
		{"lhist range", `{"type": "hist", "data": {"@x": [{"min": 100, "count": 1}]}}`,
			`{"type": "hist", "data": {"@x": [{"min": 200, "count": 1}]}}`, "lhist maximums differ: 100 and 200"},
		{"assigned", `{"type": "map", "data": {"@x": {"1": "a"}}}`,
			`{"type": "map", "data": {"@x": {"1": "b"}}}`, `@x[1]: assigned values differ: "a" in a, "b" in b`},
		{"not json", `Attaching 1 probe...`, `{}`, "a:1: not a gtrace -f json line"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := Read(strings.NewReader(tc.a), "a")
			if err == nil {
				var b *Input
				if b, err = Read(strings.NewReader(tc.b), "b"); err == nil {
					_, _, err = Merge([]*Input{a, b}, nil)
				}
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

// TestMergeLastPrintCounts: a map printed during the run and again at exit
// counts once, with its exit values.
func TestMergeLastPrintCounts(t *testing.T) {
	in, err := Read(strings.NewReader(`{"type": "map", "data": {"@x": {"a": 1}}}
{"type": "printf", "data": "hello\n"}
{"type": "map", "data": {"@x": {"a": 5}}}
`), "a")
	if err != nil {
		t.Fatal(err)
	}
	maps, _, err := Merge([]*Input{in, in}, map[string]Hint{"@x": {Kind: lang.KindCount}})
	if err != nil {
		t.Fatal(err)
	}
	if got := render(t, maps, "text"); got != "@x[a]: 10\n" {
		t.Errorf("got %q", got)
	}
}

// TestMergeFinerHistAndLhist: hist(x, 2) and lhist with a step of 2, as
// bpftrace 0.17 cannot write them: the k2* files are gtrace's own output
// of k2a.bt, k2b.bt and k2ab.bt (both). The layouts are read from the
// bucket bounds, with or without the script.
func TestMergeFinerHistAndLhist(t *testing.T) {
	want, err := os.ReadFile("testdata/k2ab.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, hints := range []map[string]Hint{nil, scriptHints(t, "k2ab.bt")} {
		maps, _, err := Merge([]*Input{readInput(t, "k2a.json"), readInput(t, "k2b.json")}, hints)
		if err != nil {
			t.Fatal(err)
		}
		if got := render(t, maps, "text"); got != string(want) {
			t.Errorf("hints %v: got\n%s\nwant\n%s", hints != nil, got, want)
		}
	}
}
