package gtrace

import (
	"fmt"

	"github.com/gtrace/gtrace/codegen"
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
		args[i] = r.decoder.Decode(arg.Type, rec[arg.Offset:])
		r.resolveInPlace(arg.Type, &args[i])
	}
	return args, nil
}
