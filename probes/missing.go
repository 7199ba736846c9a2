package probes

import "errors"

// ErrMissing is wrapped by the errors of Expand for an attach point that
// names something this machine does not have: a function in a binary or
// the kernel, a tracepoint, a usdt probe, a library, or a wildcard that
// matches nothing. A script may run without such attach points (bpftrace's
// missing_probes), which other errors (a malformed attach point, no
// permission) never allow.
var ErrMissing = errors.New("no such probe target")

// missingError marks err as ErrMissing, keeping its text.
type missingError struct{ error }

func (e missingError) Unwrap() error        { return e.error }
func (e missingError) Is(target error) bool { return target == ErrMissing }

func missing(err error) error { return missingError{err} }
