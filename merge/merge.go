package merge

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gtrace/gtrace/lang"
	"github.com/gtrace/gtrace/output"
)

// Merge combines the maps of several inputs. Maps are matched by name and
// entries by key text. It returns the merged maps in name order, warnings
// the names of integer maps the hints do not describe (they were added, as
// counts and sums are: the caller should warn), or an error naming the map
// and the inputs that disagree.
func Merge(inputs []*Input, hints map[string]Hint) (maps []*output.Map, guessed []string, err error) {
	var names []string
	for _, in := range inputs {
		for name := range in.Maps {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	slices.Sort(names)
	for _, name := range names {
		var parts []part
		for _, in := range inputs {
			if m, ok := in.Maps[name]; ok {
				parts = append(parts, part{in.Name, m})
			}
		}
		m, guess, err := mergeMap(name, parts, hints[name])
		if err != nil {
			return nil, nil, err
		}
		if guess {
			guessed = append(guessed, name)
		}
		maps = append(maps, m)
	}
	return maps, guessed, nil
}

// part is one input's print of a map.
type part struct {
	file string
	m    *inputMap
}

// slot is one merged entry: its key text and the values each input had.
type slot struct {
	key    string
	values []any
	files  []string
}

func mergeMap(name string, parts []part, hint Hint) (*output.Map, bool, error) {
	first := parts[0]
	for _, p := range parts[1:] {
		if p.m.typ != first.m.typ {
			return nil, false, fmt.Errorf("%s is a %s in %s but a %s in %s", name, first.m.typ, first.file, p.m.typ, p.file)
		}
		if p.m.scalar != first.m.scalar {
			return nil, false, fmt.Errorf("%s has no key in %s but keys in %s", name, scalarFile(parts), keyedFile(parts))
		}
	}
	var slots []*slot
	if first.m.scalar {
		s := &slot{}
		for _, p := range parts {
			s.values, s.files = append(s.values, p.m.value), append(s.files, p.file)
		}
		slots = []*slot{s}
	} else {
		byKey := map[string]*slot{}
		for _, p := range parts {
			for k, v := range p.m.entries {
				s := byKey[k]
				if s == nil {
					s = &slot{key: k}
					byKey[k] = s
					slots = append(slots, s)
				}
				s.values, s.files = append(s.values, v), append(s.files, p.file)
			}
		}
		slices.SortFunc(slots, func(a, b *slot) int { return strings.Compare(a.key, b.key) })
	}
	c, guess, err := newCombiner(name, first.m.typ, slots, hint)
	if err != nil {
		return nil, false, err
	}
	out := &output.Map{Name: name, Kind: c.kind(), Scalar: first.m.scalar, Entries: make([]output.Entry, len(slots))}
	keys := make([][]output.Value, len(slots))
	if !first.m.scalar {
		keys = splitKeys(slots)
	}
	for i, s := range slots {
		v, err := c.combine(s)
		if err != nil {
			return nil, false, fmt.Errorf("%s%s: %v", name, keyText(s.key, first.m.scalar), err)
		}
		out.Entries[i] = output.Entry{Key: keys[i], Value: v}
	}
	return out, guess, nil
}

func scalarFile(parts []part) string {
	for _, p := range parts {
		if p.m.scalar {
			return p.file
		}
	}
	return ""
}

func keyedFile(parts []part) string {
	for _, p := range parts {
		if !p.m.scalar {
			return p.file
		}
	}
	return ""
}

func keyText(key string, scalar bool) string {
	if scalar {
		return ""
	}
	return "[" + key + "]"
}

// combiner merges the values one key had in each input.
type combiner interface {
	kind() lang.Kind
	combine(s *slot) (output.Value, error)
}

// newCombiner picks how a map's values merge from its JSON type, the
// shape of its values and the script's hint. guess is set when it added
// integers the hint says nothing about.
func newCombiner(name, typ string, slots []*slot, hint Hint) (c combiner, guess bool, err error) {
	shape := ""
	for _, s := range slots {
		for i, v := range s.values {
			sh := shapeOf(v)
			if shape != "" && sh != shape {
				return nil, false, fmt.Errorf("%s holds %ss and %ss (in %s): the inputs do not come from one script", name, shape, sh, s.files[i])
			}
			shape = sh
		}
	}
	wrongHint := func() error {
		return fmt.Errorf("%s is a %s() map in the script but its values in the JSON are %ss", name, hint.Kind, shape)
	}
	switch typ {
	case "hist":
		if shape != "list" {
			return nil, false, fmt.Errorf("%s: a hist line whose values are %ss", name, shape)
		}
		if hint.Kind != 0 && hint.Kind != lang.KindHist && hint.Kind != lang.KindLhist {
			return nil, false, wrongHint()
		}
		c, err := newHistCombiner(slots, hint)
		if err != nil {
			return nil, false, fmt.Errorf("%s: %v", name, err)
		}
		return c, false, nil
	case "stats":
		switch shape {
		case "number":
			return avgCombiner{}, false, nil
		case "object":
			return statsCombiner{}, false, nil
		}
		return nil, false, fmt.Errorf("%s: a stats line whose values are %ss", name, shape)
	}
	switch shape {
	case "number":
		switch hint.Kind {
		case lang.KindCount, lang.KindSum, lang.KindMin, lang.KindMax:
			return intCombiner{k: hint.Kind}, false, nil
		case lang.KindInt:
			if hint.Add {
				return intCombiner{k: lang.KindSum}, false, nil
			}
			return sameCombiner{k: lang.KindInt}, false, nil
		case 0:
			return intCombiner{k: lang.KindSum}, true, nil
		}
		return nil, false, wrongHint()
	case "string", "bool", "list":
		if hint.Kind != 0 && hint.Kind != lang.KindInt {
			return nil, false, wrongHint()
		}
		return sameCombiner{}, false, nil
	}
	return nil, false, fmt.Errorf("%s: cannot merge values of this shape (%s)", name, shape)
}

// shapeOf names the JSON type of a decoded value.
func shapeOf(v any) string {
	switch v.(type) {
	case json.Number:
		return "number"
	case string:
		return "string"
	case bool:
		return "bool"
	case []any:
		return "list"
	case map[string]any:
		return "object"
	}
	return "null"
}

// number reads an integer as the 64 bits gtrace printed: signed when it
// has a minus sign, else unsigned (counts may use all 64 bits).
func number(v any) (uint64, error) {
	n, _ := v.(json.Number)
	s := string(n)
	if strings.HasPrefix(s, "-") {
		i, err := strconv.ParseInt(s, 10, 64)
		return uint64(i), err
	}
	return strconv.ParseUint(s, 10, 64)
}

// intCombiner adds counts and sums and keeps the extreme of min and max.
type intCombiner struct{ k lang.Kind }

func (c intCombiner) kind() lang.Kind { return c.k }

func (c intCombiner) combine(s *slot) (output.Value, error) {
	var acc uint64
	for i, v := range s.values {
		n, err := number(v)
		if err != nil {
			return output.Value{}, fmt.Errorf("%s: %v", s.files[i], err)
		}
		switch {
		case i == 0:
			acc = n
		case c.k == lang.KindMin:
			acc = uint64(min(int64(acc), int64(n)))
		case c.k == lang.KindMax:
			acc = uint64(max(int64(acc), int64(n)))
		default:
			acc += n
		}
	}
	switch c.k {
	case lang.KindCount:
		return output.Count(acc), nil
	case lang.KindMin:
		return output.Min(int64(acc)), nil
	case lang.KindMax:
		return output.Max(int64(acc)), nil
	}
	return output.Sum(int64(acc), true), nil
}

// sameCombiner keeps an assigned value, which must be the same in every
// input that has the key: there is no right way to combine two different
// strings, tuples or plain integers.
type sameCombiner struct{ k lang.Kind }

func (c sameCombiner) kind() lang.Kind {
	if c.k == 0 {
		return lang.KindStr
	}
	return c.k
}

func (c sameCombiner) combine(s *slot) (output.Value, error) {
	first, _ := json.Marshal(s.values[0])
	for i, v := range s.values[1:] {
		if b, _ := json.Marshal(v); string(b) != string(first) {
			return output.Value{}, fmt.Errorf("assigned values differ: %s in %s, %s in %s", first, s.files[0], b, s.files[i+1])
		}
	}
	return jsonValue(s.values[0], c.k)
}

// jsonValue turns a decoded JSON value back into the value gtrace printed.
func jsonValue(v any, intKind lang.Kind) (output.Value, error) {
	switch v := v.(type) {
	case json.Number:
		n, err := number(v)
		if err != nil {
			return output.Value{}, err
		}
		return output.Int(int64(n)), nil
	case string:
		return output.Str(v), nil
	case bool:
		return output.Bool(v), nil
	case []any:
		elems := make([]output.Value, len(v))
		for i, e := range v {
			x, err := jsonValue(e, intKind)
			if err != nil {
				return output.Value{}, err
			}
			elems[i] = x
		}
		return output.Tuple(elems...), nil
	}
	return output.Value{}, fmt.Errorf("cannot merge a value of this shape: %v", v)
}

// statsCombiner adds the counts and totals of stats() values, which is
// exact: the average is recomputed from them.
type statsCombiner struct{}

func (statsCombiner) kind() lang.Kind { return lang.KindStats }

func (statsCombiner) combine(s *slot) (output.Value, error) {
	var count, total uint64
	for i, v := range s.values {
		o := v.(map[string]any)
		c, err1 := number(o["count"])
		t, err2 := number(o["total"])
		if err1 != nil || err2 != nil {
			return output.Value{}, fmt.Errorf("%s: a stats value needs integer count and total", s.files[i])
		}
		count += c
		total += t
	}
	return output.Stats(count, int64(total)), nil
}

// avgCombiner passes avg() values through where one input has the key:
// -f json prints only the average, and without the count behind each
// average no merge of two would be exact.
type avgCombiner struct{}

func (avgCombiner) kind() lang.Kind { return lang.KindAvg }

func (avgCombiner) combine(s *slot) (output.Value, error) {
	if len(s.values) > 1 {
		return output.Value{}, fmt.Errorf("avg() values in %s and %s cannot be merged exactly: -f json prints only the average, not how many values it averages; use stats() in the script, whose count and total merge exactly", s.files[0], s.files[1])
	}
	n, err := number(s.values[0])
	if err != nil {
		return output.Value{}, err
	}
	return output.Avg(1, int64(n)), nil
}
