package probes

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

func fixtureFormat(t *testing.T, cat, ev string) *Format {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata/tracefs/events", cat, ev, "format"))
	if err != nil {
		t.Fatal(err)
	}
	f, err := ParseFormat(cat, ev, data)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

type wantMember struct {
	name    string
	typ     string // lang.Type.String()
	kind    lang.Kind
	offset  int
	dataLoc bool
}

func checkRecord(t *testing.T, rec *lang.Type, name string, size int, want []wantMember) {
	t.Helper()
	if rec.Kind != lang.KindRecord || rec.Name != name || rec.Size != size {
		t.Errorf("record = %v %q size %d, want record %q size %d", rec.Kind, rec.Name, rec.Size, name, size)
	}
	if len(rec.Fields) != len(want) {
		t.Fatalf("%s: %d fields, want %d", name, len(rec.Fields), len(want))
	}
	for i, w := range want {
		m := rec.Fields[i]
		if m.Name != w.name || m.Type.String() != w.typ || m.Type.Kind != w.kind || m.Offset != w.offset || m.DataLoc != w.dataLoc {
			t.Errorf("%s field %d = {%s %s %v off %d dataloc %v}, want %+v", name, i, m.Name, m.Type, m.Type.Kind, m.Offset, m.DataLoc, w)
		}
	}
}

func TestParseFormatFixtures(t *testing.T) {
	tests := []struct {
		cat, ev string
		id      uint32
		size    int
		want    []wantMember
	}{
		{"syscalls", "sys_enter_openat", 0, 48, nil},
		{"sched", "sched_switch", 0, 64, []wantMember{
			{"prev_comm", "string[16]", lang.KindStr, 8, false},
			{"prev_pid", "int32", lang.KindInt, 24, false},
			{"prev_prio", "int32", lang.KindInt, 28, false},
			{"prev_state", "int64", lang.KindInt, 32, false},
			{"next_comm", "string[16]", lang.KindStr, 40, false},
			{"next_pid", "int32", lang.KindInt, 56, false},
			{"next_prio", "int32", lang.KindInt, 60, false},
		}},
		{"sched", "sched_process_exec", 0, 20, []wantMember{
			{"filename", "string[0]", lang.KindStr, 8, true},
			{"pid", "int32", lang.KindInt, 12, false},
			{"old_pid", "int32", lang.KindInt, 16, false},
		}},
		{"raw_syscalls", "sys_enter", 0, 64, []wantMember{
			{"id", "int64", lang.KindInt, 8, false},
			{"args", "unsigned int64[6]", lang.KindArray, 16, false},
		}},
		{"bridge", "br_fdb_add", 0, 0, nil},
		{"dma", "dma_map_sg", 0, 0, nil},
	}
	for _, tt := range tests {
		f := fixtureFormat(t, tt.cat, tt.ev)
		if f.ID == 0 {
			t.Errorf("%s:%s: no ID", tt.cat, tt.ev)
		}
		if f.Size != tt.size && tt.size != 0 {
			t.Errorf("%s:%s: size %d, want %d", tt.cat, tt.ev, f.Size, tt.size)
		}
	}

	// Check the fields in detail where the C types are interesting.
	f := fixtureFormat(t, "syscalls", "sys_enter_openat")
	checkRecord(t, f.Record(), "struct _tracepoint_syscalls_sys_enter_openat", 48, []wantMember{
		{"__syscall_nr", "int32", lang.KindInt, 8, false},
		{"dfd", "int32", lang.KindInt, 16, false},
		{"filename", "int8 *", lang.KindPtr, 24, false},
		{"flags", "int32", lang.KindInt, 32, false},
		{"mode", "unsigned int16", lang.KindInt, 40, false},
	})
	checkRecord(t, fixtureFormat(t, "sched", "sched_switch").Record(), "struct _tracepoint_sched_sched_switch", 64, tests[1].want)
	checkRecord(t, fixtureFormat(t, "sched", "sched_process_exec").Record(), "struct _tracepoint_sched_sched_process_exec", 20, tests[2].want)
	checkRecord(t, fixtureFormat(t, "raw_syscalls", "sys_enter").Record(), "struct _tracepoint_raw_syscalls_sys_enter", 64, tests[3].want)
	checkRecord(t, fixtureFormat(t, "bridge", "br_fdb_add").Record(), "struct _tracepoint_bridge_br_fdb_add", 26, []wantMember{
		{"ndm_flags", "unsigned int8", lang.KindInt, 8, false},
		{"dev", "string[0]", lang.KindStr, 12, true},
		{"addr", "unsigned int8[6]", lang.KindArray, 16, false},
		{"vid", "unsigned int16", lang.KindInt, 22, false},
		{"nlh_flags", "unsigned int16", lang.KindInt, 24, false},
	})
	rec := fixtureFormat(t, "dma", "dma_map_sg").Record()
	pa := rec.Member("phys_addrs")
	if pa == nil || !pa.DataLoc || pa.Type.Kind != lang.KindArray || pa.Type.Elem.String() != "unsigned int64" {
		t.Errorf("dma_map_sg phys_addrs = %+v", pa)
	}
	if l := rec.Member("lengths"); l == nil || !l.DataLoc || l.Type.Elem.String() != "unsigned int32" {
		t.Errorf("dma_map_sg lengths = %+v", l)
	}
	if d := rec.Member("dir"); d == nil || d.Type.String() != "unsigned int32" {
		t.Errorf("enum field dir = %+v", d)
	}
	if d := rec.Member("truncated"); d == nil || d.Type.String() != "unsigned int8" {
		t.Errorf("bool field truncated = %+v", d)
	}
}

func TestParseFormatCommonFields(t *testing.T) {
	f := fixtureFormat(t, "sched", "sched_switch")
	var common []string
	for _, fld := range f.Fields {
		if fld.Common {
			common = append(common, fld.Name)
		}
	}
	if len(common) != 4 || common[0] != "common_type" || common[3] != "common_pid" {
		t.Errorf("common fields = %v", common)
	}
	if f.Fields[4].Decl != "char prev_comm[16]" || f.Fields[4].CType != "char" || f.Fields[4].ArrayLen != 16 {
		t.Errorf("prev_comm field = %+v", f.Fields[4])
	}
}

func TestParseFormatPointerTypes(t *testing.T) {
	for decl, want := range map[string]string{
		"const char * filename":          "int8 *",
		"struct file_handle * handle":    "struct file_handle *",
		"void * buf":                     "void *",
		"const struct iovec * vec":       "struct iovec *",
		"unsigned long * p":              "unsigned int64 *",
		"sigset_t * set":                 "sigset_t *",
		"const char *const * argv":       "int8 * *",
		"struct __kernel_timespec * tsp": "struct __kernel_timespec *",
		"int * upeer_addrlen":            "int32 *",
		"u32 * p":                        "unsigned int32 *",
	} {
		fld, err := parseFieldLine("field:" + decl + ";\toffset:16;\tsize:8;\tsigned:0;")
		if err != nil {
			t.Fatal(err)
		}
		if got := fld.Type().String(); got != want {
			t.Errorf("%q: type %s, want %s", decl, got, want)
		}
	}
}

func TestParseFormatErrors(t *testing.T) {
	for _, text := range []string{
		"",
		"name: x\nID: abc\nformat:\n",
		"name: x\nID: 1\nformat:\n\tfield:int a;\toffset:zz;\tsize:4;\tsigned:1;\n",
	} {
		if _, err := ParseFormat("c", "e", []byte(text)); err == nil {
			t.Errorf("ParseFormat(%q) succeeded", text)
		}
	}
}
