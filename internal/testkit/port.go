package testkit

import (
	"net"
	"testing"
)

// FreePort returns a loopback address ("127.0.0.1:PORT") that nobody
// listens on now: the kernel picks the port, so parallel test binaries
// do not collide. The listener is closed before returning, so the
// caller's server (or gtrace's --metrics) can take it.
func FreePort(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}
