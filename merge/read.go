package merge

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
)

// Input is the maps of one `-f json` output, as read.
type Input struct {
	Name string // file name, for messages
	Maps map[string]*inputMap
}

// inputMap is one map line: its JSON type ("map", "hist", "stats"), and
// either the scalar value or the values by key text.
type inputMap struct {
	typ     string
	scalar  bool
	value   any            // scalar maps
	entries map[string]any // keyed maps
}

// Read reads the map lines of a `-f json` output. Other lines (printf,
// attached_probes, lost_events, ...) are skipped; a map printed more than
// once (print() in an interval probe, then at exit) counts with its last
// print, the one at exit.
func Read(r io.Reader, name string) (*Input, error) {
	in := &Input{Name: name, Maps: map[string]*inputMap{}}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<30)
	for line := 1; sc.Scan(); line++ {
		text := bytes.TrimSpace(sc.Bytes())
		if len(text) == 0 {
			continue
		}
		var msg struct {
			Type string          `json:"type"`
			Data json.RawMessage `json:"data"`
		}
		if err := json.Unmarshal(text, &msg); err != nil {
			return nil, fmt.Errorf("%s:%d: not a gtrace -f json line: %v", name, line, err)
		}
		switch msg.Type {
		case "map", "hist", "stats":
		default:
			continue
		}
		var data map[string]any
		dec := json.NewDecoder(bytes.NewReader(msg.Data))
		dec.UseNumber()
		if err := dec.Decode(&data); err != nil || len(data) != 1 {
			return nil, fmt.Errorf("%s:%d: a %q line must hold one map: {\"@name\": ...}", name, line, msg.Type)
		}
		for mapName, v := range data {
			in.Maps[mapName] = newInputMap(msg.Type, v)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %v", name, err)
	}
	return in, nil
}

// newInputMap tells a scalar map from a keyed one by the shape of its
// value: keyed maps are JSON objects of key text to value. A scalar
// stats() value is an object too, with exactly the members count, average
// and total.
func newInputMap(typ string, v any) *inputMap {
	obj, isObj := v.(map[string]any)
	if isObj && !(typ == "stats" && isStatsObject(obj)) {
		return &inputMap{typ: typ, entries: obj}
	}
	return &inputMap{typ: typ, scalar: true, value: v}
}

// isStatsObject reports whether o is a stats() value {"count": n,
// "average": n, "total": n}.
func isStatsObject(o map[string]any) bool {
	if len(o) != 3 {
		return false
	}
	for _, k := range []string{"count", "average", "total"} {
		if _, ok := o[k].(json.Number); !ok {
			return false
		}
	}
	return true
}
