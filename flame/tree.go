package flame

import (
	"cmp"
	"slices"
)

// node is one frame of the merged call tree: every sample whose path
// passes through the same frames, root to here, adds to it.
type node struct {
	name     string
	kind     Kind
	value    uint64
	children []*node
	// index finds a child by name and kind once there are many; a few
	// are searched in order.
	index map[frameKey]*node
}

type frameKey struct {
	name string
	kind Kind
}

// indexAfter is the number of children past which a node keeps an index.
const indexAfter = 8

// tree hands out nodes from slabs: a 50k-stack map has a million frames,
// and one allocation per frame would be most of the time spent.
type tree struct {
	slab []node
}

func (t *tree) alloc() *node {
	if len(t.slab) == 0 {
		t.slab = make([]node, 4096)
	}
	n := &t.slab[0]
	t.slab = t.slab[1:]
	return n
}

// child returns n's child for f, adding it when new.
func (t *tree) child(n *node, f Frame) *node {
	if n.index != nil {
		if c := n.index[frameKey{f.Name, f.Kind}]; c != nil {
			return c
		}
	} else {
		for _, c := range n.children {
			if c.name == f.Name && c.kind == f.Kind {
				return c
			}
		}
	}
	c := t.alloc()
	c.name, c.kind = f.Name, f.Kind
	n.children = append(n.children, c)
	if n.index == nil && len(n.children) > indexAfter {
		n.index = make(map[frameKey]*node, 2*indexAfter)
		for _, c := range n.children {
			n.index[frameKey{c.name, c.kind}] = c
		}
	} else if n.index != nil {
		n.index[frameKey{f.Name, f.Kind}] = c
	}
	return c
}

// buildTree merges samples into a tree under a root named root. Children
// end up sorted by name (then kind), as flamegraph.pl orders them: the x
// axis is not time, and equal names side by side read best.
func buildTree(root string, samples []Sample) *node {
	var t tree
	r := t.alloc()
	r.name, r.kind = root, KindKey
	for _, s := range samples {
		n := r
		n.value += s.Value
		for _, f := range s.Frames {
			n = t.child(n, f)
			n.value += s.Value
		}
	}
	sortTree(r)
	return r
}

func sortTree(n *node) {
	n.index = nil
	slices.SortFunc(n.children, func(a, b *node) int {
		if c := cmp.Compare(a.name, b.name); c != 0 {
			return c
		}
		return cmp.Compare(a.kind, b.kind)
	})
	for _, c := range n.children {
		sortTree(c)
	}
}
