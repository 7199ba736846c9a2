//go:build !amd64 && !arm64

package gtrace

// gateCode is nil where the gate program is not written out for the
// architecture: startCommand uses the shell gate there.
var gateCode []byte

const gateMachine = 0
