package probes

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode"

	"github.com/gtrace/gtrace/lang"
)

// Format is a parsed tracepoint format file (events/CAT/NAME/format).
type Format struct {
	Category, Event string
	ID              uint32  // the perf event id (tracepoint perf events: 4.7+)
	Fields          []Field // in file order, common_ fields first
	Size            int     // bytes from the start of the record (common fields included) to the end of the last field
}

// Field is one `field:` line of a format file.
type Field struct {
	Decl     string // the declaration as written: "const char * filename", "__data_loc char[] name"
	CType    string // the C type without the name: "const char *", "__data_loc char[]", "u8" (for u8 foo[6])
	Name     string
	ArrayLen int  // n of a `name[n]` suffix; 0 when none
	Offset   int  // bytes from the start of the record, common fields included
	Size     int  // bytes
	Signed   bool // from the `signed:` column
	Common   bool // one of the common_ fields every event starts with
	DataLoc  bool // __data_loc/__rel_loc: a u32 locator (length<<16 | offset) in the record
}

// splitDecl splits a field declaration "TYPE NAME" or "TYPE NAME[LEN]"
// into the C type, the name and the array length text. By hand rather
// than with a regular expression: the syscalls:* wildcards parse ~700
// format files, and the expression was most of their cost.
func splitDecl(decl string) (ctype, name, arr string, isArray, ok bool) {
	rest := strings.TrimRightFunc(decl, unicode.IsSpace)
	if strings.HasSuffix(rest, "]") {
		open := strings.LastIndexByte(rest, '[')
		if open < 0 || strings.ContainsRune(rest[open+1:len(rest)-1], ']') {
			return "", "", "", false, false
		}
		arr, isArray = rest[open+1:len(rest)-1], true
		rest = strings.TrimRightFunc(rest[:open], unicode.IsSpace)
	}
	i := len(rest)
	for i > 0 && isIdentByte(rest[i-1]) {
		i--
	}
	// The name starts with a letter or '_'; digits before it belong to
	// the type, as the greedy name of a regular expression would have it.
	for i < len(rest) && rest[i] >= '0' && rest[i] <= '9' {
		i++
	}
	name = rest[i:]
	ctype = strings.TrimRightFunc(rest[:i], unicode.IsSpace)
	if name == "" || ctype == "" {
		return "", "", "", false, false
	}
	return ctype, name, arr, isArray, true
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// ParseFormat parses the text of a tracepoint format file.
//
// The first block after "format:" holds the common fields; a blank line
// separates them from the event's own fields (this is how bpftrace tells
// them apart too). Offsets are kept as in the file: a tracepoint program's
// context points at the start of the record, common fields included.
func ParseFormat(category, event string, data []byte) (*Format, error) {
	f := &Format{Category: category, Event: event}
	// Lines are cut from data in place: a bufio.Scanner's buffer would be
	// allocated and cleared for each of the ~700 files syscalls:* reads.
	rest := data
	inFormat, common := false, true
	for len(rest) > 0 {
		var raw []byte
		raw, rest, _ = bytes.Cut(rest, []byte{'\n'})
		line := string(bytes.TrimSuffix(raw, []byte{'\r'}))
		switch {
		case strings.HasPrefix(line, "ID:"):
			id, err := strconv.ParseUint(strings.TrimSpace(line[3:]), 10, 32)
			if err != nil {
				return nil, fmt.Errorf("tracepoint %s:%s format: bad ID line %q", category, event, line)
			}
			f.ID = uint32(id)
		case strings.HasPrefix(line, "format:"):
			inFormat = true
		case !inFormat:
		case strings.TrimSpace(line) == "":
			if len(f.Fields) > 0 {
				common = false
			}
		case strings.HasPrefix(strings.TrimSpace(line), "field:"):
			fld, err := parseFieldLine(strings.TrimSpace(line))
			if err != nil {
				return nil, fmt.Errorf("tracepoint %s:%s format: %v", category, event, err)
			}
			fld.Common = common
			f.Fields = append(f.Fields, fld)
			if end := fld.Offset + fld.Size; end > f.Size {
				f.Size = end
			}
		case strings.HasPrefix(line, "print fmt:"):
			inFormat = false
		}
	}
	if !inFormat && len(f.Fields) == 0 {
		return nil, fmt.Errorf("tracepoint %s:%s format: no fields", category, event)
	}
	return f, nil
}

// parseFieldLine parses "field:TYPE NAME;\toffset:N;\tsize:N;\tsigned:N;".
func parseFieldLine(line string) (Field, error) {
	var fld Field
	for _, part := range strings.Split(line, ";") {
		part = strings.TrimSpace(part)
		key, val, ok := strings.Cut(part, ":")
		if !ok {
			continue
		}
		var err error
		switch key {
		case "field":
			fld.Decl = val
		case "offset":
			fld.Offset, err = strconv.Atoi(val)
		case "size":
			fld.Size, err = strconv.Atoi(val)
		case "signed":
			var n int
			n, err = strconv.Atoi(val)
			fld.Signed = n != 0
		}
		if err != nil {
			return fld, fmt.Errorf("bad %s in %q", key, line)
		}
	}
	if fld.Decl == "" {
		return fld, fmt.Errorf("no field declaration in %q", line)
	}
	ctype, name, arr, isArray, ok := splitDecl(fld.Decl)
	if !ok {
		return fld, fmt.Errorf("cannot parse field declaration %q", fld.Decl)
	}
	fld.CType, fld.Name = ctype, name
	if isArray {
		// The kernel prints array lengths as numbers; a symbolic length
		// (never seen on 6.x) falls back to 1 and the byte size rules.
		n, err := strconv.Atoi(strings.TrimSpace(arr))
		if err != nil || n <= 0 {
			n = 1
		}
		fld.ArrayLen = n
	}
	for _, p := range []string{"__data_loc ", "__rel_loc "} {
		if strings.HasPrefix(fld.CType, p) {
			fld.DataLoc = true
		}
	}
	return fld, nil
}

// RecordName is the name bpftrace gives a tracepoint's args record.
func RecordName(category, event string) string {
	return "struct _tracepoint_" + category + "_" + event
}

// Record returns the type of `args`: one member per non-common field, with
// true offsets (from the start of the record, common fields included).
func (f *Format) Record() *lang.Type {
	rec := &lang.Type{Kind: lang.KindRecord, Name: RecordName(f.Category, f.Event), Size: f.Size}
	for i := range f.Fields {
		fld := &f.Fields[i]
		if fld.Common {
			continue
		}
		t := fld.Type()
		if f.Category == "syscalls" {
			// Syscall arguments that are pointers point into the
			// calling process (__user in the kernel's prototypes).
			t = lang.InUser(t)
		}
		rec.Fields = append(rec.Fields, &lang.Member{
			Name:    fld.Name,
			Type:    t,
			Offset:  fld.Offset,
			DataLoc: fld.DataLoc,
		})
	}
	return rec
}

// Type converts the field's C type to a lang type. The C type decides, as
// it does in bpftrace (which compiles the format as a C struct): syscall
// tracepoints declare `int dfd` in an 8-byte, "unsigned" slot, and the
// value is the int in its low 4 bytes (AT_FDCWD reads as -100). The size
// and signed columns serve for typedefs this package does not know.
//
// A __data_loc field is a 4-byte locator in the record; its Type describes
// the data it points at: KindStr for char[] (Size 0: the length comes from
// the locator, capped by the string length limit), else KindArray with Len
// 0 of the element type.
func (fld *Field) Type() *lang.Type {
	ct := fld.CType
	if fld.DataLoc {
		ct = strings.TrimPrefix(strings.TrimPrefix(ct, "__data_loc "), "__rel_loc ")
		elem := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(ct), "[]"))
		if isCharType(elem) {
			return &lang.Type{Kind: lang.KindStr}
		}
		return &lang.Type{Kind: lang.KindArray, Elem: cScalar(elem, 0, false)}
	}
	if fld.ArrayLen > 0 {
		elemSize := fld.Size / fld.ArrayLen
		if isCharType(ct) && elemSize == 1 {
			return lang.StrType(fld.Size)
		}
		e := cScalar(ct, elemSize, signedName(ct))
		return &lang.Type{Kind: lang.KindArray, Size: fld.Size, Len: fld.ArrayLen, Elem: e}
	}
	return cScalar(ct, fld.Size, fld.Signed)
}

// isCharType reports whether a C type is plain char (strings are char
// arrays; unsigned char/u8 arrays are byte arrays, as in bpftrace).
func isCharType(ct string) bool {
	return stripQualifiers(ct) == "char"
}

func stripQualifiers(ct string) string {
	ct = strings.TrimSpace(ct)
	for _, q := range []string{"const ", "volatile ", "__user "} {
		for strings.HasPrefix(ct, q) {
			ct = strings.TrimSpace(ct[len(q):])
		}
	}
	for _, q := range []string{" const", "*const", " volatile"} {
		if strings.HasSuffix(ct, q) {
			ct = strings.TrimSpace(strings.TrimSuffix(ct, strings.TrimPrefix(q, "*")))
		}
	}
	return strings.TrimSpace(ct)
}

// cTypes are the sizes and signedness of the C and kernel type names that
// appear in format files; used when a name is seen without a size (pointer
// targets, array elements).
var cTypes = map[string]struct {
	size   int
	signed bool
}{
	"char": {1, true}, "signed char": {1, true}, "unsigned char": {1, false},
	"short": {2, true}, "unsigned short": {2, false}, "short int": {2, true},
	"int": {4, true}, "signed": {4, true}, "unsigned": {4, false}, "unsigned int": {4, false}, "uint": {4, false},
	"long": {8, true}, "unsigned long": {8, false}, "long int": {8, true},
	"long long": {8, true}, "unsigned long long": {8, false},
	"bool": {1, false}, "_Bool": {1, false},
	"u8": {1, false}, "u16": {2, false}, "u32": {4, false}, "u64": {8, false},
	"s8": {1, true}, "s16": {2, true}, "s32": {4, true}, "s64": {8, true},
	"__u8": {1, false}, "__u16": {2, false}, "__u32": {4, false}, "__u64": {8, false},
	"__s8": {1, true}, "__s16": {2, true}, "__s32": {4, true}, "__s64": {8, true},
	"uint8_t": {1, false}, "uint16_t": {2, false}, "uint32_t": {4, false}, "uint64_t": {8, false},
	"int8_t": {1, true}, "int16_t": {2, true}, "int32_t": {4, true}, "int64_t": {8, true},
	"size_t": {8, false}, "ssize_t": {8, true}, "loff_t": {8, true}, "off_t": {8, true},
	"pid_t": {4, true}, "uid_t": {4, false}, "gid_t": {4, false}, "umode_t": {2, false},
	"dev_t": {4, false}, "sector_t": {8, false}, "ino_t": {8, false}, "time64_t": {8, true},
	"clockid_t": {4, true}, "timer_t": {4, true}, "key_serial_t": {4, true}, "qid_t": {4, false},
	"aio_context_t": {8, false}, "gfp_t": {4, false}, "fmode_t": {4, false}, "cap_user_header_t": {8, false},
}

func signedName(ct string) bool {
	if t, ok := cTypes[stripQualifiers(ct)]; ok {
		return t.signed
	}
	return false
}

// cScalar converts a non-array C type. size 0 means "not known here" (a
// pointer target): the size is then taken from the name.
func cScalar(ct string, size int, signed bool) *lang.Type {
	ct = stripQualifiers(ct)
	if strings.HasSuffix(ct, "*") {
		return lang.PtrTo(cScalar(strings.TrimSpace(strings.TrimSuffix(ct, "*")), 0, false))
	}
	switch {
	case ct == "void":
		return lang.None
	case strings.HasPrefix(ct, "struct "), strings.HasPrefix(ct, "union "):
		// Shallow: the checker resolves the members through Env.Struct.
		return &lang.Type{Kind: lang.KindRecord, Name: ct, Size: size}
	case strings.HasPrefix(ct, "enum "):
		if size == 0 {
			size = 4
		}
		return lang.IntType(size, signed)
	}
	if size == 0 {
		if t, ok := cTypes[ct]; ok {
			return lang.IntType(t.size, t.signed)
		}
		// An unknown typedef behind a pointer (sigset_t *, fd_set *):
		// name it; BTF can resolve it.
		return &lang.Type{Kind: lang.KindRecord, Name: ct}
	}
	if t, ok := cTypes[ct]; ok && t.size <= size {
		return lang.IntType(t.size, t.signed)
	}
	if size != 1 && size != 2 && size != 4 && size != 8 {
		// A struct or odd typedef stored by value.
		return &lang.Type{Kind: lang.KindRecord, Name: ct, Size: size}
	}
	return lang.IntType(size, signed)
}
