package flame

import (
	"testing"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

func TestSince(t *testing.T) {
	before := stackMap()
	after := stackMap()
	after.Entries[0].Value = output.Count(10) // b, was 3
	after.Entries[2].Value = output.Count(4)  // unchanged
	after.Entries = append(after.Entries, output.Entry{
		Key:   []output.Value{output.KStack(output.StackBpftrace), output.UStack(output.StackBpftrace, fr("new")), output.Str("prog")},
		Value: output.Count(2),
	})
	got := string(AppendFolded(nil, Fold(Since(after, before))))
	want := "prog;main;a;b 7\nprog;new 2\n"
	if got != want {
		t.Errorf("since:\n%s\nwant:\n%s", got, want)
	}
	// The two b entries print the same (one address): one entry.
	if m := Since(after, nil); len(m.Entries) != 3 || m.Kind != lang.KindCount {
		t.Errorf("since nothing: %d entries", len(m.Entries))
	}
}
