package main

import (
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kernelTools are the tools that walk kernel structs from BTF (issue 5).
// Those on kprobes cannot attach on a kernel without CONFIG_KPROBES; there
// TestToolsDryRun loads them into the verifier.
var kernelTools = []string{
	"vfsstat", "vfscount", "tcpconnect", "tcpaccept", "tcplife", "biosnoop",
	"runqlat-kprobe", "biostacks", "capable",
}

func TestKernelToolsExist(t *testing.T) {
	for _, name := range kernelTools {
		data, err := os.ReadFile(filepath.Join(toolsDir, name+".bt"))
		if err != nil {
			t.Errorf("tools/%s.bt: %v", name, err)
			continue
		}
		if !strings.Contains(string(data), "struct ") && !strings.Contains(string(data), "kprobe:") {
			t.Errorf("tools/%s.bt neither probes kernel functions nor reads kernel structs", name)
		}
	}
}

// TestToolTcplife: a loopback session that sends 3000 bytes and receives
// 5000 is printed once per end when it closes, by this process, with the
// listener's port on one side and the byte counts in kilobytes.
func TestToolTcplife(t *testing.T) {
	var port int
	out := runTool(t, "tcplife", func() {
		ln, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer ln.Close()
		port = ln.Addr().(*net.TCPAddr).Port
		done := make(chan struct{})
		go func() {
			defer close(done)
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write(make([]byte, 5000))
			io.ReadFull(c, make([]byte, 3000))
			c.Close()
		}()
		c, err := net.DialTimeout("tcp4", ln.Addr().String(), time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.Write(make([]byte, 3000))
		io.ReadFull(c, make([]byte, 5000))
		c.Close()
		<-done
		time.Sleep(100 * time.Millisecond) // the last state change after close
	})
	pid := os.Getpid()
	// The listening end: sent 5000 bytes (4 KB), received 3000 (2 KB).
	wantLine(t, out, fmt.Sprintf(`^%d +\S+ +127\.0\.0\.1 +%d +127\.0\.0\.1 +\d+ +4 +2 +\d+$`, pid, port))
	// The connecting end.
	wantLine(t, out, fmt.Sprintf(`^%d +\S+ +127\.0\.0\.1 +\d+ +127\.0\.0\.1 +%d +2 +4 +\d+$`, pid, port))
}
