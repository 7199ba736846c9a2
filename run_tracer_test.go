package gtrace

import (
	"bufio"
	"bytes"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// startTracer starts a tracer command with its stdout piped and its
// stderr captured, kills it after limit (a hang fails the test instead of
// the suite), and returns once it printed its first line, which must be
// "Attaching ...": the probes are attached from then on. stop cancels
// the kill timer.
func startTracer(t *testing.T, cmd *exec.Cmd, limit time.Duration) (rd *bufio.Reader, stderr *bytes.Buffer, stop func()) {
	t.Helper()
	stderr = new(bytes.Buffer)
	cmd.Stderr = stderr
	pipe, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	kill := time.AfterFunc(limit, func() { cmd.Process.Kill() })
	rd = bufio.NewReader(pipe)
	if first, _ := rd.ReadString('\n'); !strings.HasPrefix(first, "Attaching ") {
		kill.Stop()
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("first line %q, stderr:\n%s", first, stderr.String())
	}
	return rd, stderr, func() { kill.Stop() }
}
