package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// flagError words a command-line error as bpftrace 0.17 does (getopt's
// messages), so that runbooks grepping for them work with both: the
// caller prints it after "ERROR: " and then the usage.
func flagError(err error) string {
	var notExist *pflag.NotExistError
	var noValue *pflag.ValueRequiredError
	switch {
	case errors.As(err, &notExist):
		if notExist.GetSpecifiedShortnames() != "" {
			return fmt.Sprintf("invalid option -- '%s'", notExist.GetSpecifiedName())
		}
		return fmt.Sprintf("unrecognized option '--%s'", notExist.GetSpecifiedName())
	case errors.As(err, &noValue):
		if noValue.GetSpecifiedShortnames() != "" {
			return fmt.Sprintf("option requires an argument -- '%s'", noValue.GetSpecifiedName())
		}
		return fmt.Sprintf("option '--%s' requires an argument", noValue.GetSpecifiedName())
	}
	return err.Error()
}

// parsePID reads -p as bpftrace 0.17 does: a decimal number within
// [1, 4194304] (the kernel's PID_MAX_LIMIT on 64-bit; a pid above this
// machine's pid_max is then a process that does not exist).
func parsePID(s string) (int, error) {
	const pidMaxLimit = 4194304
	pid, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("pid '%s' is not a valid decimal number", s)
	}
	if pid < 1 || pid > pidMaxLimit {
		return 0, fmt.Errorf("pid '%s' out of valid pid range [1,%d]", s, pidMaxLimit)
	}
	return int(pid), nil
}

// openError words a script file that cannot be opened as bpftrace does:
// "failed to open file 'x.bt': No such file or directory".
func openError(name string, err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		err = pe.Err
	}
	msg := err.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:] // strerror's capital
	}
	return fmt.Errorf("failed to open file '%s': %s", name, msg)
}
