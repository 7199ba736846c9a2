package output

import (
	"bytes"
	"strings"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

func TestTable(t *testing.T) {
	var buf bytes.Buffer
	r := NewTable(&buf)
	must(t, r.Exit([]*Map{
		keyed("@bytes", lang.KindSum, []Value{Str("bash"), Int(1)}, Sum(100, false), []Value{Str("sshd"), Int(22)}, Sum(7, false)),
		scalar("@h", lang.KindHist, hist(1, 2, 3, 100)),
		keyed("@st", lang.KindStats, "x", Stats(2, 30)),
		empty("@none", lang.KindCount, false),
	}))
	got := buf.String()
	t.Log("\n" + got)
	for _, want := range []string{"@bytes\n", "KEY 1", "KEY 2", "VALUE", "bash", "sshd", "[64, 128)", "AVERAGE", "@none\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("table output lacks %q", want)
		}
	}
	// Rows are in bpftrace order: the smaller sum first.
	if strings.Index(got, "sshd") > strings.Index(got, "bash") {
		t.Errorf("rows not sorted by value")
	}
}
