// Package safefile opens the files gtrace reads on behalf of a script or a
// traced process (cat()'s file, a probed binary, its separate debug file,
// the binaries behind user stacks) so that none can block it.
//
// Any user can put a FIFO or a device where such a file is expected: a
// .gnu_debuglink naming a FIFO next to a stripped binary, a script's
// cat("/tmp/fifo"). Opening a FIFO for reading waits for a writer, and
// reading one or a terminal waits for data, forever, while gtrace holds
// its results. Open opens with O_NONBLOCK (a FIFO opens at once) and keeps
// only regular files, which never block a read.
package safefile
