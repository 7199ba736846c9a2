package gtrace

import (
	"fmt"
	"os/user"
	"strconv"

	"github.com/gtrace/gtrace/codegen"
	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/maps"
	"github.com/gtrace/gtrace/output"
)

// decodeArgs decodes the arguments of an action from its event record into
// args (reused from event to event).
func (r *runner) decodeArgs(a *codegen.Action, rec []byte, args []output.Value) ([]output.Value, error) {
	for i, arg := range a.Args {
		if arg.Offset+maps.SizeOf(arg.Type) > len(rec) {
			return nil, fmt.Errorf("BUG: event record of %d bytes too short for argument %d of %s at offset %d", len(rec), i, arg.Type, arg.Offset)
		}
		args[i] = r.resolve(r.decoder.Decode(arg.Type, rec[arg.Offset:]))
	}
	return args, nil
}

// resolve turns the raw values the decoder leaves to the runtime into
// text: user names now; symbols and stacks are printed as addresses until
// symbolisation is built.
func (r *runner) resolve(v output.Value) output.Value {
	switch v.Kind {
	case lang.KindUsername:
		name := strconv.FormatUint(v.Int, 10)
		if u, err := user.LookupId(name); err == nil {
			name = u.Username
		}
		return output.TextOf(lang.KindUsername, name)
	case lang.KindTuple, lang.KindArray, lang.KindRecord:
		for i := range v.Elems {
			v.Elems[i] = r.resolve(v.Elems[i])
		}
	}
	return v
}
