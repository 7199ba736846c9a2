package symbols

import (
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"os"
)

// ntGNUBuildID is the note type of a GNU build id (elf.h NT_GNU_BUILD_ID).
const ntGNUBuildID = 3

// BuildID returns the GNU build id of an ELF file in hex, "" when it has
// none: what debug files are found by, and what pprof mappings carry so a
// profile names the exact binary.
func BuildID(f *elf.File) string {
	sec := f.Section(".note.gnu.build-id")
	if sec == nil {
		return ""
	}
	data, err := sec.Data()
	if err != nil {
		return ""
	}
	return buildIDNote(data, f.ByteOrder)
}

// KernelBuildID returns the running kernel's build id from its notes
// (/sys/kernel/notes), "" when unreadable.
func KernelBuildID() string {
	data, err := os.ReadFile("/sys/kernel/notes")
	if err != nil {
		return ""
	}
	return buildIDNote(data, binary.NativeEndian)
}

// buildIDNote finds the GNU build-id note in a run of ELF notes (namesz,
// descsz, type, then the name and the descriptor, each padded to 4 bytes).
func buildIDNote(data []byte, order binary.ByteOrder) string {
	for len(data) >= 12 {
		namesz := int(order.Uint32(data))
		descsz := int(order.Uint32(data[4:]))
		typ := order.Uint32(data[8:])
		start := 12 + align4(namesz)
		end := start + align4(descsz)
		if namesz < 0 || descsz < 0 || start+descsz > len(data) {
			return ""
		}
		if typ == ntGNUBuildID && namesz == 4 && string(data[12:15]) == "GNU" && descsz > 1 {
			return hex.EncodeToString(data[start : start+descsz])
		}
		if end > len(data) {
			return ""
		}
		data = data[end:]
	}
	return ""
}

// align4 rounds a note field's size up to its 4-byte padding.
func align4(n int) int { return (n + 3) &^ 3 }
