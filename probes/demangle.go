package probes

import (
	"strings"

	"github.com/ianlancetaylor/demangle"
)

// Demangle returns the readable form of a C++ (Itanium ABI) symbol name
// as bpftrace prints it in func, usym and ustack ("ns::func(int)"), or
// name itself when it is not mangled. The LLVM style is bpftrace's: its
// demangler is LLVM's ("vector<int, allocator<int>>", no space in ">>").
func Demangle(name string) string {
	if d := demangled(name); d != "" {
		return d
	}
	return name
}

// demangled is Demangle's result for a mangled name, "" for any other
// (a C name, a Go name, a name the demangler rejects).
func demangled(name string) string {
	// bpftrace looks only at _Z names (and ____Z, clang's block
	// invocations); everything else is taken as written.
	if !strings.HasPrefix(name, "_Z") && !strings.HasPrefix(name, "____Z") {
		return ""
	}
	d, err := demangle.ToString(name, demangle.LLVMStyle, demangle.NoRust)
	if err != nil {
		return ""
	}
	return d
}

// matchDemangled reports whether pattern (a glob) names the demangled
// function d. As in bpftrace, the parameter list is part of the name only
// when the pattern has a '(' ("ns::func(int)" is one overload, "ns::func"
// is every overload, "ns::*" every function of the namespace).
func matchDemangled(pattern, d string) bool {
	if !strings.Contains(pattern, "(") {
		d = stripParams(d)
	}
	return Match(pattern, d)
}

// stripParams removes a demangled function's trailing parameter list and
// what follows it (" const", " (.cold)"): the "(...)" that closes last,
// after any clone suffixes (" (.constprop.0)"), which are not parameters.
func stripParams(d string) string {
	for strings.HasSuffix(d, ")") {
		i := strings.LastIndex(d, " (.")
		if i < 0 || strings.ContainsAny(d[i+3:len(d)-1], "() ") {
			break
		}
		d = d[:i]
	}
	// Walk back from the last ')' to the '(' that opens it
	// ("Foo::operator()()" keeps "Foo::operator()").
	depth := 0
	for i := strings.LastIndexByte(d, ')'); i >= 0; i-- {
		switch d[i] {
		case ')':
			depth++
		case '(':
			if depth--; depth == 0 {
				return d[:i]
			}
		}
	}
	return d
}
