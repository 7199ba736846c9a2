package main

import (
	"bytes"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/gtrace/gtrace"
)

// TestDocsKnowEveryFlag keeps the man page and the shell completions in
// step with the flags: each long and short flag must appear in all three.
func TestDocsKnowEveryFlag(t *testing.T) {
	docs := map[string]string{}
	for _, f := range []string{"../../man/gtrace.8", "../../completions/gtrace.bash", "../../completions/_gtrace"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		// roff escapes '-' as '\-'.
		docs[f] = strings.ReplaceAll(string(data), `\-`, "-")
	}
	fs := newFlagSet(&config{}, &bytes.Buffer{})
	fs.VisitAll(func(fl *pflag.Flag) {
		for f, text := range docs {
			if !strings.Contains(text, "--"+fl.Name) {
				t.Errorf("%s does not mention --%s", f, fl.Name)
			}
			if fl.Shorthand != "" && !strings.Contains(text, "-"+fl.Shorthand) {
				t.Errorf("%s does not mention -%s", f, fl.Shorthand)
			}
		}
	})
}

// TestManPageDocumentsNoOtherFlag is the other direction: every option
// the man page's OPTIONS section heads an entry with is a flag gtrace
// has (a renamed or removed flag must leave the page too).
func TestManPageDocumentsNoOtherFlag(t *testing.T) {
	data, err := os.ReadFile("../../man/gtrace.8")
	if err != nil {
		t.Fatal(err)
	}
	page := string(data)
	start := strings.Index(page, "\n.SH OPTIONS\n")
	end := strings.Index(page[start+1:], "\n.SH ")
	if start < 0 || end < 0 {
		t.Fatal("man/gtrace.8 has no OPTIONS section")
	}
	lines := strings.Split(page[start+1:start+1+end], "\n")
	fs := newFlagSet(&config{}, &bytes.Buffer{})
	// An entry's heading is the line after .TP; its options are the
	// words that start with a (roff-escaped) dash.
	option := regexp.MustCompile(`(?:^|[\s"])\\-(\\-)?([A-Za-z](?:[A-Za-z]|\\-)*)`)
	seen := 0
	for i := 1; i < len(lines); i++ {
		if lines[i-1] != ".TP" {
			continue
		}
		for _, m := range option.FindAllStringSubmatch(lines[i], -1) {
			name := strings.ReplaceAll(m[2], `\-`, "-")
			seen++
			switch {
			case m[1] != "":
				if fs.Lookup(name) == nil {
					t.Errorf("man/gtrace.8 documents --%s, which gtrace does not have", name)
				}
			case strings.Trim(name, name[:1]) == "":
				// -k, -kk: a short flag, repeated.
				if fs.ShorthandLookup(name[:1]) == nil {
					t.Errorf("man/gtrace.8 documents -%s, which gtrace does not have", name)
				}
			default:
				t.Errorf("man/gtrace.8 documents -%s: not a flag gtrace has", name)
			}
		}
	}
	if seen < 20 {
		t.Errorf("found only %d options in man/gtrace.8's OPTIONS entries: the test no longer reads the page right", seen)
	}
}

// TestCompletionsOfferNoOtherFlag: every long option the shell
// completions offer is a flag gtrace has.
func TestCompletionsOfferNoOtherFlag(t *testing.T) {
	fs := newFlagSet(&config{}, &bytes.Buffer{})
	long := regexp.MustCompile(`--([a-z][a-z-]*)`)
	for _, f := range []string{"../../completions/gtrace.bash", "../../completions/_gtrace"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range long.FindAllStringSubmatch(string(data), -1) {
			if fs.Lookup(m[1]) == nil {
				t.Errorf("%s offers --%s, which gtrace does not have", f, m[1])
			}
		}
	}
}

// TestManPageNamesEveryTool: the FILES section lists the installed tools.
func TestManPageNamesEveryTool(t *testing.T) {
	data, err := os.ReadFile("../../man/gtrace.8")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range everyTool {
		if !strings.Contains(string(data), name) {
			t.Errorf("man/gtrace.8 does not name the tool %s", name)
		}
	}
}

// TestCompletionsKnowEveryFormat: the completions offer for -f exactly
// the one list of output formats, in its order.
func TestCompletionsKnowEveryFormat(t *testing.T) {
	formats := strings.Join(gtrace.OutputFormats(), " ")
	for f, want := range map[string]string{
		"../../completions/gtrace.bash": `compgen -W "` + formats + `"`,
		"../../completions/_gtrace":     `:format:(` + formats + `)`,
	} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), want) {
			t.Errorf("%s does not offer the output formats as %s", f, want)
		}
	}
}
