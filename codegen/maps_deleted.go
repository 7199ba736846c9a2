package codegen

import "github.com/gtrace/gtrace/lang"

// deletedMaps names the maps some delete() call of the program removes
// keys from (maps.Options.Deleted).
func deletedMaps(p *lang.Program) map[string]bool {
	out := map[string]bool{}
	lang.Inspect(p, func(n lang.Node) bool {
		if c, ok := n.(*lang.Call); ok && c.Name == "delete" && len(c.Args) > 0 {
			if m, ok := c.Args[0].(*lang.Map); ok {
				out[m.Name] = true
			}
		}
		return true
	})
	return out
}
