package parse

import (
	"bytes"
	"fmt"

	"github.com/gtrace/gtrace/lang"
)

// roundTrip parses src, formats it, parses the result and compares the
// dumps. It returns "" on success, else what went wrong.
func roundTrip(src lang.Source) string {
	p1, errs := Parse(src, Options{Params: testParams})
	if errs.HasErrors() {
		return "first parse failed: " + errs.Error()
	}
	var d1, f1, d2 bytes.Buffer
	lang.Dump(&d1, p1)
	lang.Format(&f1, p1)
	src2 := lang.Source{Name: "formatted", Text: f1.String()}
	p2, errs := Parse(src2, Options{Params: testParams})
	if errs.HasErrors() {
		var b bytes.Buffer
		src2.RenderAll(&b, errs)
		return fmt.Sprintf("formatted program does not parse:\n%s\n--- formatted:\n%s", b.String(), f1.String())
	}
	lang.Dump(&d2, p2)
	if d1.String() != d2.String() {
		return fmt.Sprintf("dump differs after format\n--- before:\n%s\n--- after:\n%s\n--- formatted:\n%s", d1.String(), d2.String(), f1.String())
	}
	return ""
}
