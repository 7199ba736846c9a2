package safefile

import (
	"debug/elf"
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// ErrNotRegular is wrapped by Open for a path that is not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// Open opens path for reading without blocking and returns it when it is
// a regular file (after symbolic links). Its errors are *fs.PathError.
func Open(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC|unix.O_NOCTTY, 0)
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return nil, &fs.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, kind(st.Mode))}
	}
	// O_NONBLOCK does nothing to a regular file's reads; clear it anyway,
	// so that os.File does not hand the descriptor to the poller.
	if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0); err == nil {
		unix.FcntlInt(uintptr(fd), unix.F_SETFL, flags&^unix.O_NONBLOCK)
	}
	return os.NewFile(uintptr(fd), path), nil
}

// kind names a file type that is not a regular file.
func kind(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFIFO:
		return "a FIFO"
	case unix.S_IFCHR:
		return "a character device"
	case unix.S_IFBLK:
		return "a block device"
	case unix.S_IFSOCK:
		return "a socket"
	case unix.S_IFDIR:
		return "a directory"
	}
	return "not a file"
}

// ELF is an ELF file opened with Open; Close closes the file too.
type ELF struct {
	*elf.File
	file *os.File
}

// Close releases the ELF reader and its file.
func (e *ELF) Close() error {
	e.File.Close()
	return e.file.Close()
}

// OpenELF opens path with Open and reads its ELF headers.
func OpenELF(path string) (*ELF, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	ef, err := elf.NewFile(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return &ELF{File: ef, file: f}, nil
}
