package flame

import (
	"cmp"
	"slices"
)

// node is one frame of the merged call tree: every sample whose path
// passes through the same frames, root to here, adds to it.
type node struct {
	name  string
	kind  Kind
	value uint64
	// The children are a list (first, then each one's next), not a
	// slice: a node then costs no allocation of its own (see tree).
	first, next *node
	nchild      int
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
	slab    []node
	scratch []*node // for sorting one node's children
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
		for c := n.first; c != nil; c = c.next {
			if c.name == f.Name && c.kind == f.Kind {
				return c
			}
		}
	}
	c := t.alloc()
	c.name, c.kind = f.Name, f.Kind
	c.next, n.first = n.first, c
	n.nchild++
	switch {
	case n.index != nil:
		n.index[frameKey{f.Name, f.Kind}] = c
	case n.nchild > indexAfter:
		n.index = make(map[frameKey]*node, 2*indexAfter)
		for c := n.first; c != nil; c = c.next {
			n.index[frameKey{c.name, c.kind}] = c
		}
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
	t.sort(r)
	return r
}

// sort orders the children of n and of all below it, dropping the
// indexes, which are done with.
func (t *tree) sort(n *node) {
	n.index = nil
	if n.nchild > 1 {
		cs := t.scratch[:0]
		for c := n.first; c != nil; c = c.next {
			cs = append(cs, c)
		}
		slices.SortFunc(cs, func(a, b *node) int {
			return cmp.Or(cmp.Compare(a.name, b.name), cmp.Compare(a.kind, b.kind))
		})
		for i := len(cs) - 1; i >= 0; i-- {
			cs[i].next = nil
			if i+1 < len(cs) {
				cs[i].next = cs[i+1]
			}
		}
		n.first = cs[0]
		t.scratch = cs
	}
	for c := n.first; c != nil; c = c.next {
		t.sort(c)
	}
}
