package main

import (
	"bufio"
	"bytes"
	"io"
)

// flushWriter is the tracing output after -B: Flush is called when the run
// ends.
type flushWriter interface {
	io.Writer
	Flush() error
}

// newBufferedWriter applies bpftrace's -B to the output. The runner already
// writes each burst of events in one call when the ring buffer runs empty
// (the default); "full" holds the output until a 4 KiB buffer fills (better
// for pipes into files), "line" writes whole lines only, and "none" passes
// every write straight through.
func newBufferedWriter(w io.Writer, mode string) flushWriter {
	switch mode {
	case "full":
		return bufio.NewWriterSize(w, 4096)
	case "line":
		return &lineWriter{bw: bufio.NewWriterSize(w, 4096)}
	}
	return nopFlusher{w}
}

type nopFlusher struct{ io.Writer }

func (nopFlusher) Flush() error { return nil }

// lineWriter writes complete lines at once and keeps a partial last line
// until its newline arrives (or the run ends).
type lineWriter struct{ bw *bufio.Writer }

func (l *lineWriter) Write(p []byte) (int, error) {
	i := bytes.LastIndexByte(p, '\n')
	if i < 0 {
		return l.bw.Write(p)
	}
	n, err := l.bw.Write(p[:i+1])
	if err != nil {
		return n, err
	}
	if err := l.bw.Flush(); err != nil {
		return n, err
	}
	m, err := l.bw.Write(p[i+1:])
	return n + m, err
}

func (l *lineWriter) Flush() error { return l.bw.Flush() }
