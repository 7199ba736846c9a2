package pprof

import (
	"debug/dwarf"
	"debug/elf"
	"debug/gosym"
	"slices"
	"sort"

	"github.com/gtrace/gtrace/internal/safefile"
	"github.com/gtrace/gtrace/internal/symbols"
	"github.com/gtrace/gtrace/output"
)

// lineTables finds the source file and line of addresses from the DWARF
// line tables of the binaries they are in, each file read once.
type lineTables struct {
	files map[string]*lineTable // nil entry: no DWARF
}

// lineTable is one binary's line rows sorted by address, and its loadable
// segments to turn file offsets into addresses.
type lineTable struct {
	loads []elf.ProgHeader
	rows  []lineRow
	// funcs are the functions' code ranges, sorted, with the calls
	// inlined into them (inline.go).
	funcs []funcRange
	// goTable stands in for rows and funcs in a Go binary without DWARF
	// (-ldflags=-w): the runtime's own pc-to-line table.
	goTable *gosym.Table
}

// lineRow says that code from addr up to the next row's address comes
// from file:line; line 0 ends a sequence (no code of it follows).
type lineRow struct {
	addr uint64
	file string
	line int
}

// lookup returns the source lines of addr in mapping m (see
// lineTable.lines), nil when unknown.
func (lt *lineTables) lookup(m *output.Mapping, addr uint64) []srcLine {
	if lt.files == nil {
		lt.files = map[string]*lineTable{}
	}
	t, ok := lt.files[m.File]
	if !ok {
		t = readLineTable(m.File)
		lt.files[m.File] = t
	}
	if t == nil || addr < m.Start {
		return nil
	}
	fileOff := addr - m.Start + m.Offset
	for _, p := range t.loads {
		if fileOff >= p.Off && fileOff < p.Off+p.Filesz {
			return t.lines(fileOff - p.Off + p.Vaddr)
		}
	}
	return nil
}

// find returns the file and line of the last row at or before vaddr.
func (t *lineTable) find(vaddr uint64) (string, int) {
	i := sort.Search(len(t.rows), func(i int) bool { return t.rows[i].addr > vaddr }) - 1
	if i < 0 || t.rows[i].line == 0 {
		return "", 0
	}
	return t.rows[i].file, t.rows[i].line
}

// readLineTable reads the line tables of every compile unit of a binary,
// and its functions' inlined calls, or a Go binary's runtime table when
// it has no DWARF; nil when it has neither (a stripped C binary, the
// kernel).
func readLineTable(path string) *lineTable {
	sf, err := safefile.OpenELF(path)
	if err != nil {
		return nil
	}
	defer sf.Close()
	f := sf.File
	t := &lineTable{}
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			t.loads = append(t.loads, p.ProgHeader)
		}
	}
	d, err := f.DWARF()
	if err != nil {
		if t.goTable = symbols.GoTable(f); t.goTable == nil {
			return nil
		}
		return t
	}
	r := d.Reader()
	var names dieNames
	for {
		cu, err := r.Next()
		if err != nil || cu == nil {
			break
		}
		if cu.Tag != dwarf.TagCompileUnit {
			r.SkipChildren()
			continue
		}
		lr, err := d.LineReader(cu)
		if err != nil || lr == nil {
			r.SkipChildren()
			continue
		}
		if cu.Children {
			t.readInlined(d, r, lr.Files(), &names)
		}
		var e dwarf.LineEntry
		for {
			if lr.Next(&e) != nil {
				break // io.EOF, or a table gtrace cannot read: the rows so far
			}
			row := lineRow{addr: e.Address}
			if !e.EndSequence && e.File != nil {
				row.file, row.line = e.File.Name, e.Line
			}
			t.rows = append(t.rows, row)
		}
	}
	if len(t.rows) == 0 {
		return nil
	}
	t.sortFuncs()
	// Sequences may meet: the end of one and the start of the next at one
	// address. Ends sort first, so that find, which takes the last row at
	// an address, takes the start.
	slices.SortStableFunc(t.rows, func(a, b lineRow) int {
		switch {
		case a.addr < b.addr:
			return -1
		case a.addr > b.addr:
			return 1
		case a.line == 0 && b.line != 0:
			return -1
		case a.line != 0 && b.line == 0:
			return 1
		}
		return 0
	})
	return t
}
