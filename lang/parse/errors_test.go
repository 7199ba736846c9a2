package parse

import (
	"bytes"
	"testing"

	"github.com/gtrace/gtrace/lang"
)

// errorCases pairs bad programs with the exact rendered diagnostics.
var errorCases = []struct{ src, want string }{
	{"BEGIN { $x = 1 +; }", "stdin:1:17-18: ERROR: syntax error, unexpected ;\nBEGIN { $x = 1 +; }\n                ~\n"},
	{"BEGIN { $x = 1", "stdin:1:15-16: ERROR: syntax error, unexpected end of file\nBEGIN { $x = 1\n              ~\n"},
	{"BEGIN {", "stdin:1:8-9: ERROR: syntax error, unexpected end of file\nBEGIN {\n       ~\n"},
	{"BEGIN", "stdin:1:6-7: ERROR: syntax error, unexpected end of file\nBEGIN\n     ~\n"},
	{"", "stdin:1:1-2: ERROR: syntax error, unexpected end of file, expected a probe\n\n~\n"},
	{"BEGIN { $c = 'a'; }", "stdin:1:14-15: ERROR: invalid character '''\nBEGIN { $c = 'a'; }\n             ~\nstdin:1:16-17: ERROR: invalid character '''\nBEGIN { $c = 'a'; }\n               ~\n"},
	{"BEGIN { printf(\"abc); }", "stdin:1:16-24: ERROR: unterminated string\nBEGIN { printf(\"abc); }\n               ~~~~~~~~\n"},
	{"/* never closed\nBEGIN { }", "stdin:1:1-3: ERROR: unterminated comment\n/* never closed\n~~\n"},
	{"BEGIN { /* never closed }", "stdin:1:9-11: ERROR: unterminated comment\nBEGIN { /* never closed }\n        ~~\n"},
	{"BEGIN { @x = 99999999999999999999; }", "stdin:1:14-34: ERROR: integer literal out of range: 99999999999999999999\nBEGIN { @x = 99999999999999999999; }\n             ~~~~~~~~~~~~~~~~~~~~\n"},
	{"BEGIN { @x = 12abc; }", "stdin:1:14-19: ERROR: invalid integer literal '12abc'\nBEGIN { @x = 12abc; }\n             ~~~~~\n"},
	{"BEGIN { @x = 08; }", "stdin:1:14-16: ERROR: invalid integer literal '08'\nBEGIN { @x = 08; }\n             ~~\n"},
	{"BEGIN { @x = \"\\q\"; }", "stdin:1:15-17: ERROR: invalid escape character '\\q'\nBEGIN { @x = \"\\q\"; }\n              ~~\n"},
	{"BEGIN { @x = \"\\777\"; }", "stdin:1:15-17: ERROR: octal escape sequence out of range '\\777'\nBEGIN { @x = \"\\777\"; }\n              ~~\n"},
	{"kprobe:f { $x = 1 $y = 2 }", "stdin:1:19-21: ERROR: syntax error, unexpected variable\nkprobe:f { $x = 1 $y = 2 }\n                  ~~\n"},
	{"foo:bar { }", "stdin:1:1-8: ERROR: Invalid probe type: foo\nfoo:bar { }\n~~~~~~~\n"},
	{"kprobx:vfs_read { }", "stdin:1:1-16: ERROR: Invalid probe type: kprobx\nkprobx:vfs_read { }\n~~~~~~~~~~~~~~~\nHINT: did you mean 'kprobe'?\n"},
	{"tracepoint:syscalls { }", "stdin:1:1-20: ERROR: tracepoint probe type requires 2 arguments\ntracepoint:syscalls { }\n~~~~~~~~~~~~~~~~~~~\n"},
	{"BEGIN:x { }", "stdin:1:1-8: ERROR: BEGIN probes take no arguments\nBEGIN:x { }\n~~~~~~~\n"},
	{"uprobe:$4:func { }", "stdin:1:1-15: ERROR: positional parameter $4 is not set\nuprobe:$4:func { }\n~~~~~~~~~~~~~~\n"},
	{"BEGIN { 1 = 2; }", "stdin:1:9-10: ERROR: Invalid assignment target: only maps and variables can be assigned\nBEGIN { 1 = 2; }\n        ~\n"},
	{"BEGIN { $t = (1, 2); $t.0 = 3; }", "stdin:1:22-30: ERROR: Tuples are immutable once created. Consider creating a new tuple and assigning it instead.\nBEGIN { $t = (1, 2); $t.0 = 3; }\n                     ~~~~~~~~\n"},
	{"BEGIN { pid++; }", "stdin:1:12-14: ERROR: The ++ operator must be applied to a map or variable\nBEGIN { pid++; }\n           ~~\n"},
	{"BEGIN { ++1; }", "stdin:1:9-11: ERROR: The ++ operator must be applied to a map or variable\nBEGIN { ++1; }\n        ~~\n"},
	{"BEGIN { @x[] = 1; }", "stdin:1:11-12: ERROR: syntax error, empty map key\nBEGIN { @x[] = 1; }\n          ~\n"},
	{"BEGIN { if (1) $x = 1; }", "stdin:1:16-18: ERROR: syntax error, unexpected variable\nBEGIN { if (1) $x = 1; }\n               ~~\n"},
	{"BEGIN { $x = (1; }", "stdin:1:16-17: ERROR: syntax error, unexpected ;\nBEGIN { $x = (1; }\n               ~\n"},
	{"BEGIN { $x = $0; }", "stdin:1:14-16: ERROR: param $0 is out of integer range [1, 9223372036854775807]\nBEGIN { $x = $0; }\n             ~~\n"},
	{"BEGIN { } config = { a = 1 }", "stdin:1:11-29: ERROR: config block must come before any probe\nBEGIN { } config = { a = 1 }\n          ~~~~~~~~~~~~~~~~~~\n"},
	{"config = { a = 1 + 2 } BEGIN { }", "stdin:1:16-21: ERROR: invalid config value: expected an integer, a string or an identifier\nconfig = { a = 1 + 2 } BEGIN { }\n               ~~~~~\n"},
	{"#if 1\nBEGIN { }", "stdin:1:1-6: ERROR: unterminated conditional directive\n#if 1\n~~~~~\n"},
	{"#endif\nBEGIN { }", "stdin:1:1-7: ERROR: #endif without #if\n#endif\n~~~~~~\n"},
	{"fn f() { 1 } BEGIN { }", "stdin:1:1-3: ERROR: fn definitions are not supported\nfn f() { 1 } BEGIN { }\n~~\n"},
	{"macro f(@m) { @n = 1; } BEGIN { f(@x); }", "stdin:1:15-17: ERROR: macro f uses map @n, which is not one of its parameters\nmacro f(@m) { @n = 1; } BEGIN { f(@x); }\n              ~~\n"},
	{"macro f($v) { $v++ } BEGIN { f(1); }", "stdin:1:32-33: ERROR: macro f expects a scratch variable for $v\nmacro f($v) { $v++ } BEGIN { f(1); }\n                               ~\n"},
	{"macro f(@m) { @m++ } BEGIN { f(@x[1]); }", "stdin:1:32-37: ERROR: macro f expects a map for @m\nmacro f(@m) { @m++ } BEGIN { f(@x[1]); }\n                               ~~~~~\n"},
	{"macro f(x) { x } BEGIN { f(1, 2); }", "stdin:1:26-33: ERROR: no macro f takes 2 arguments\nmacro f(x) { x } BEGIN { f(1, 2); }\n                         ~~~~~~~\n"},
	{"macro f() { g() } macro g() { f() } BEGIN { f(); }", "stdin:1:45-48: ERROR: recursive macro call: f\nmacro f() { g() } macro g() { f() } BEGIN { f(); }\n                                            ~~~\n"},
	{"macro f() { printf(\"x\"); } BEGIN { $x = f(); }", "stdin:1:41-44: ERROR: macro f has no value: its body does not end with an expression\nmacro f() { printf(\"x\"); } BEGIN { $x = f(); }\n                                        ~~~\n"},
	{"macro f() { $a = 1; $a } BEGIN { $x = f(); }", "stdin:1:39-42: ERROR: macro f cannot be used as a value: its body has statements before its value\nmacro f() { $a = 1; $a } BEGIN { $x = f(); }\n                                      ~~~\n"},
	{"macro f(a, a) { a } BEGIN { }", "stdin:1:12-13: ERROR: duplicate parameter a of macro f\nmacro f(a, a) { a } BEGIN { }\n           ~\n"},
	{"BEGIN { $t = (1, 2,); }", "stdin:1:20-21: ERROR: syntax error, unexpected )\nBEGIN { $t = (1, 2,); }\n                   ~\n"},
	{"BEGIN { @x = 1; } }", "stdin:1:19-20: ERROR: syntax error, unexpected }\nBEGIN { @x = 1; } }\n                  ~\n"},
	{"kprobe:f /pid { }", "stdin:1:15-16: ERROR: syntax error, unexpected {\nkprobe:f /pid { }\n              ~\n"},
	{"struct foo { int a; ", "stdin:1:20-21: ERROR: syntax error, unexpected end of file in struct definition\nstruct foo { int a; \n                   ~\n"},
	{"BEGIN { $x = a ? b; }", "stdin:1:19-20: ERROR: syntax error, unexpected ;\nBEGIN { $x = a ? b; }\n                  ~\n"},
	{"BEGIN { $x = 1..2; }", "stdin:1:15-17: ERROR: syntax error, unexpected ..\nBEGIN { $x = 1..2; }\n              ~~\n"},
	{"BEGIN { for ($i : 1) { } }", "stdin:1:19-20: ERROR: for loop expects a map or a range (lo..hi)\nBEGIN { for ($i : 1) { } }\n                  ~\n"},
	{"BEGIN { $x = offsetof(struct x, 1); }", "stdin:1:33-34: ERROR: syntax error, unexpected integer\nBEGIN { $x = offsetof(struct x, 1); }\n                                ~\n"},
	{"BEGIN { $x.1y = 1; }", "stdin:1:12-14: ERROR: invalid tuple index '1y'\nBEGIN { $x.1y = 1; }\n           ~~\n"},
}

func TestErrors(t *testing.T) {
	for _, c := range errorCases {
		src := lang.Source{Name: "stdin", Text: c.src}
		_, errs := Parse(src, Options{Params: testParams})
		var b bytes.Buffer
		src.RenderAll(&b, errs)
		if !errs.HasErrors() {
			t.Errorf("%q: no error", c.src)
			continue
		}
		if b.String() != c.want {
			t.Errorf("%q:\n got: %q\nwant: %q", c.src, b.String(), c.want)
		}
	}
}
