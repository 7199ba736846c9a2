package main

import (
	"bytes"
	"net"
	"os"
	"strings"
	"testing"
)

// TestMetricsAddressInUse: --metrics takes its address before loading
// anything; one in use is one line and exit 1, nothing on stdout.
func TestMetricsAddressInUse(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the capability check comes first")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var stdout, stderr bytes.Buffer
	code := run([]string{"--metrics", ln.Addr().String(), "-e", "BEGIN { exit(); }"}, nil, &stdout, &stderr)
	want := "ERROR: --metrics: listen tcp " + ln.Addr().String() + ": bind: address already in use\n"
	if code != 1 || stdout.Len() != 0 || stderr.String() != want {
		t.Errorf("exit %d, stdout %q, stderr %q; want 1 and %q", code, stdout.String(), stderr.String(), want)
	}
	if strings.Count(stderr.String(), "\n") != 1 {
		t.Errorf("want one line")
	}
}
