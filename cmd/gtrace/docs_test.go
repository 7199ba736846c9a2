package main

import (
	"bytes"
	"os"
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
