// Package testkit holds the test scaffolding that several packages'
// suites share, so that each fact lives in one place: when a test needs
// root (NeedRoot), a loopback port nobody listens on (FreePort), a C or
// C++ target program compiled for the test (BuildC), golden files and
// their -update flag (Golden), and the gtrace
// binary built once per test binary (Gtrace, with Main to remove it
// afterwards).
//
// Only test files import it; arch_test.go's package map says so and
// docs/architecture.md lists it.
package testkit
