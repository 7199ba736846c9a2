package main

import (
	"fmt"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// locatedError is a diagnostic that points into the program.
var locatedError = regexp.MustCompile(`(?m)^stdin:[0-9]+:[0-9]+-[0-9]+: ERROR: `)

// nest wraps inner in n copies of open and close.
func nest(n int, open, inner, close string) string {
	return strings.Repeat(open, n) + inner + strings.Repeat(close, n)
}

// args joins n copies of item with commas.
func args(n int, item func(i int) string) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = item(i)
	}
	return strings.Join(parts, ", ")
}

// hostilePrograms are scripts whose error is in the text: lexical and
// syntax errors, absurd sizes, bytes that are not text, wrong types.
func hostilePrograms() []hostile {
	const mb10 = 10 << 20
	deepIf := strings.Repeat("if (1) { ", 10000) + "nosuch();" + strings.Repeat(" }", 10000)
	clauses := strings.Repeat("tracepoint:syscalls:sys_enter_getppid { @c = count(); }\n", 10000) +
		"BEGIN { @c = \"last\"; }\n"
	return []hostile{
		// Numbers beyond 64 bits.
		script("int beyond u64", `BEGIN { $x = 99999999999999999999999; }`),
		script("u64 max plus one", `BEGIN { $x = 18446744073709551616; }`),
		script("hex beyond u64", `BEGIN { $x = 0x1ffffffffffffffff; }`),
		script("int of 10k digits", "BEGIN { $x = "+strings.Repeat("9", 10000)+"; }"),
		script("huge map key literal", `BEGIN { @m[123456789012345678901234567890] = 1; }`),
		script("huge lhist bound", `BEGIN { @h = lhist(1, 0, 99999999999999999999999, 1); }`),
		script("huge exit code", `BEGIN { exit(999999999999999999999999); }`),
		script("huge positional index", `BEGIN { printf("%d\n", $99999999999999999999); }`),
		script("exponent literal", `BEGIN { $x = 1e999999; }`),

		// Nesting ten thousand deep.
		script("10k parens", "BEGIN { $x = "+nest(10000, "(", "1", ")")+" + \"s\"; }"),
		script("10k unclosed parens", "BEGIN { $x = "+strings.Repeat("(", 10000)+"1; }"),
		script("10k nested ifs", "BEGIN { "+deepIf+" }"),
		script("10k unary minus", "BEGIN { $x = "+strings.Repeat("-", 10000)+"\"s\"; }"),
		script("10k unary not", "BEGIN { $x = "+strings.Repeat("!", 10000)+"nosuch; }"),
		script("10k unary tilde", "BEGIN { $x = "+strings.Repeat("~", 10000)+"\"s\"; }"),
		script("10k blocks", "BEGIN "+nest(10000, "{ ", "nosuch();", " }")),
		script("10k pointer derefs", "BEGIN { $x = "+strings.Repeat("*", 10000)+"1; }"),
		script("10k ternaries", "BEGIN { $x = "+strings.Repeat("1 ? 2 : ", 10000)+"\"s\"; }"),
		script("10k tuple nesting", "BEGIN { $x = "+nest(10000, "(1, ", "2", ")")+"; $x = 1; }"),
		script("10k chained plus", "BEGIN { $x = 1"+strings.Repeat(" + 1", 10000)+" + \"s\"; }"),
		script("10k field chain", "BEGIN { $x = curtask"+strings.Repeat("->nosuch", 10000)+"; }"),
		script("10k map index chain", "BEGIN { $x = @m"+strings.Repeat("[1]", 10000)+"; }"),
		script("10k call nesting", "BEGIN { $x = "+nest(10000, "str(", "1", ")")+"; }"),
		script("10k while nesting", "BEGIN { "+nest(10000, "while (1) { ", "nosuch();", " }")+" }"),

		// Sizes.
		script("10k clauses, error last", clauses),
		script("10k clauses, each wrong", strings.Repeat("BEGIN { @x = 1 + \"s\"; }\n", 10000)),
		script("10k statements", "BEGIN { "+strings.Repeat("$x = 1; ", 10000)+"$x = \"s\"; }"),
		script("10k probes in one clause", "BEGIN"+strings.Repeat(", END", 10000)+" { nosuch(); }"),
		script("10 MB string literal", "BEGIN { $x = \""+strings.Repeat("a", mb10)+"\" + 1; }"),
		script("10 MB unterminated string", "BEGIN { printf(\""+strings.Repeat("a", mb10)),
		script("10 MB comment then error", "/* "+strings.Repeat("x", mb10)+" */ BEGIN { nosuch(); }"),
		script("10 MB unterminated comment", "BEGIN { } /* "+strings.Repeat("x", mb10)),
		script("10 MB identifier", "BEGIN { "+strings.Repeat("a", mb10)+"(); }"),
		script("10 MB of whitespace then error", strings.Repeat(" \n\t", mb10/3)+"BEGIN { nosuch(); }"),
		script("string with 100k escapes", "BEGIN { $x = \""+strings.Repeat(`\x41\n\t\\`, 100000/4)+"\" + 1; }"),
		script("string with 100k bad escapes", "BEGIN { printf(\""+strings.Repeat(`\q`, 100000)+"\"); }"),
		script("printf with 100 args", `BEGIN { printf("%d %s\n", `+args(100, func(i int) string { return fmt.Sprint(i) })+"); }"),
		script("printf with 100 conversions, 1 arg", `BEGIN { printf("`+strings.Repeat("%d", 100)+`", 1); }`),
		script("map key of 1000 parts", "BEGIN { @m["+args(1000, func(i int) string { return fmt.Sprint(i) })+"] = 1; @m[1] = 2; }"),
		script("map key of 1000 strings", "BEGIN { @m["+args(1000, func(int) string { return `"s"` })+"] = 1; @m[1] = 1; }"),
		script("tuple of 10k", "BEGIN { $t = ("+args(10000, func(i int) string { return fmt.Sprint(i) })+"); $t = 1; }"),
		script("call with 10k args", "BEGIN { nosuch("+args(10000, func(i int) string { return fmt.Sprint(i) })+"); }"),
		script("10k variables", "BEGIN { "+strings.Repeat("$v = 1; ", 1)+args(10000, func(i int) string { return fmt.Sprintf("$v%d = 1", i) })+"; }"),

		// Bytes that are not text.
		script("invalid UTF-8 in string", "BEGIN { $x = \"\xff\xfe\xc3\" + 1; }"),
		script("invalid UTF-8 identifier", "BEGIN { $\xff\xfe = 1; }"),
		script("invalid UTF-8 map name", "BEGIN { @\xc3\x28 = 1; }"),
		script("invalid UTF-8 probe", "\xff\xfe:x { }"),
		script("invalid UTF-8 in comment", "// \xff\xfe\xfd\nBEGIN { nosuch(); }"),
		script("invalid UTF-8 in block comment", "/* \xc0\xaf */ BEGIN { nosuch(); }"),
		script("invalid UTF-8 function", "BEGIN { \xe2\x28\xa1(); }"),
		script("UTF-8 overlong and surrogates", "BEGIN { printf(\"\xed\xa0\x80\xc0\x80\"); $x = \"\xf8\x88\x80\x80\x80\" + 1; }"),
		script("NUL in code", "BEGIN { \x00 }"),
		script("NUL in string", "BEGIN { $x = \"a\x00b\" + 1; }"),
		script("NUL in comment", "// a\x00b\nBEGIN { nosuch(); }"),
		script("NUL before program", "\x00BEGIN { }"),
		script("only NULs", strings.Repeat("\x00", 1000)),
		script("control characters", "BEGIN { \x01\x02\x1b[31m }"),
		script("binary garbage", string(garbage(4096))),
		script("BOM then error", "\xef\xbb\xbfBEGIN { nosuch(); }"),
		script("CR line ends", "BEGIN {\r\n nosuch();\r\n}\r\n"),

		// Unterminated everything.
		script("unterminated string", `BEGIN { printf("abc); }`),
		script("unterminated escape", `BEGIN { printf("abc\`),
		script("unterminated block comment", `BEGIN { } /* abc`),
		script("unterminated block", `BEGIN { printf("x");`),
		script("unterminated paren", `BEGIN { $x = (1 + 2; }`),
		script("unterminated call", `BEGIN { printf("x"`),
		script("unterminated map key", `BEGIN { @m[1, 2 = 3; }`),
		script("unterminated predicate", `tracepoint:syscalls:sys_enter_getppid /pid == 1 { }`),
		script("unterminated probe list", `BEGIN,`),
		script("unterminated tuple", `BEGIN { $t = (1, 2; }`),
		script("unterminated if", `BEGIN { if (1) { `),
		script("unterminated ternary", `BEGIN { $x = 1 ? 2; }`),
		script("unterminated field", `BEGIN { $x = curtask->; }`),
		script("unterminated probe", `tracepoint:syscalls:`),
		script("unterminated uprobe path", `uprobe:`),
		script("unterminated include", "#include <linux/sched.h\nBEGIN { }"),
		script("unterminated ifdef", "#ifdef X\nBEGIN { }"),
		script("unterminated config", `config = { max_map_keys = `),
		script("unterminated struct", "struct S { int x;\nBEGIN { }"),
		script("unterminated cast", `BEGIN { $x = (struct task_struct *`),
		script("lone close brace", `}`),
		script("lone slash", `/`),

		// Wrong types everywhere.
		script("str plus int", `BEGIN { $x = "a" + 1; }`),
		script("map used as int and str", `BEGIN { @m = 1; @m = "s"; }`),
		script("map keys of two types", `BEGIN { @m[1] = 1; @m["a"] = 1; }`),
		script("map key arity", `BEGIN { @m[1] = 1; @m[1, 2] = 1; }`),
		script("map as scalar and keyed", `BEGIN { @m = 1; @m[1] = 1; }`),
		script("hist of string", `BEGIN { @h = hist("s"); }`),
		script("lhist of string", `BEGIN { @h = lhist("s", 0, 10, 1); }`),
		script("lhist non-constant bounds", `BEGIN { $a = 1; @h = lhist(1, $a, 10, 1); }`),
		script("lhist zero step", `BEGIN { @h = lhist(1, 0, 10, 0); }`),
		script("lhist min above max", `BEGIN { @h = lhist(1, 10, 0, 1); }`),
		script("sum of string", `BEGIN { @s = sum("s"); }`),
		script("count with args", `BEGIN { @c = count(1); }`),
		script("aggregation in variable", `BEGIN { $x = count(); }`),
		script("two aggregations in one map", `BEGIN { @m = count(); @m = sum(1); }`),
		script("aggregation then int", `BEGIN { @m = hist(1); @m = 1; }`),
		script("printf %d of string", `BEGIN { printf("%d\n", "s"); }`),
		script("printf %s of int", `BEGIN { printf("%s\n", 1); }`),
		script("printf too few args", `BEGIN { printf("%d %d\n", 1); }`),
		script("printf too many args", `BEGIN { printf("%d\n", 1, 2); }`),
		script("printf bad verb", `BEGIN { printf("%y\n", 1); }`),
		script("printf non-literal format", `BEGIN { $f = "%d"; printf($f, 1); }`),
		script("printf of map", `BEGIN { @m[1] = 1; printf("%d", @m); }`),
		script("variable type change", `BEGIN { $x = 1; $x = "s"; }`),
		script("variable used before assignment", `BEGIN { $y = $x + 1; }`),
		script("compare str and int", `BEGIN { if ("a" == 1) { } }`),
		script("ternary branches differ", `BEGIN { $x = 1 ? "a" : 2; }`),
		script("string condition", `BEGIN { if ("a") { } }`),
		script("tuple index out of range", `BEGIN { $t = (1, 2); $x = $t.5; }`),
		script("tuple index of int", `BEGIN { $x = 1; $y = $x.0; }`),
		script("field of int", `BEGIN { $x = 1; $y = $x->f; }`),
		script("deref of string", `BEGIN { $x = *"s"; }`),
		script("unknown function", `BEGIN { nosuch(); }`),
		script("builtin too many args", `BEGIN { exit(1, 2, 3); }`),
		script("str of string with length", `BEGIN { $x = str("a", "b"); }`),
		script("kstack huge limit", `BEGIN { @k = kstack(99999); }`),
		script("ustack negative limit", `BEGIN { @k = ustack(-1); }`),
		script("delete of variable", `BEGIN { $x = 1; delete($x); }`),
		script("clear of int", `BEGIN { clear(1); }`),
		script("print of nothing defined", `BEGIN { print(@nosuch); }`),
		script("reg unknown", `uprobe:/bin/sh:main { $x = reg("nosuch"); }`),
		script("args in BEGIN", `BEGIN { $x = args->nosuch; }`),
		script("retval in BEGIN", `BEGIN { $x = retval; }`),
		script("unknown tracepoint field", `tracepoint:syscalls:sys_enter_getppid { $x = args->nosuch; }`),
		script("cast to unknown struct", `BEGIN { $x = (struct nosuch_struct *)0; $y = $x->a; }`),
		script("assign to builtin", `BEGIN { pid = 1; }`),
		script("break outside loop", `BEGIN { break; }`),
		script("return value in probe", `BEGIN { return 1 + "s"; }`),
		script("signal unknown name", `BEGIN { signal("SIGNOSUCH"); }`),
		script("unknown config key", `config = { nosuch = 1 } BEGIN { }`),
		script("config negative", `config = { max_map_keys = -1 } BEGIN { }`),

		// Preprocessor and macros.
		script("include of /dev/zero", "#include \"/dev/zero\"\nBEGIN { nosuch(); }"),
		script("include of a directory", "#include \"/tmp\"\nBEGIN { nosuch(); }"),
		script("define recursion", "#define A A\nBEGIN { $x = A; }"),
		script("define mutual recursion", "#define A B\n#define B A\nBEGIN { $x = A + \"s\"; }"),
		script("define exponential", "#define A B B\n#define B C C\n#define C D D\n#define D E E\n#define E F F\n#define F G G\n#define G H H\n#define H I I\n#define I J J\n#define J K K\n#define K L L\n#define L M M\n#define M N N\n#define N O O\n#define O P P\n#define P Q Q\n#define Q R R\n#define R S S\n#define S T T\n#define T U U\n#define U 1 1\nBEGIN { $x = A; }"),
		script("macro recursion", "macro f(x) { f(x) }\nBEGIN { f(1); }"),
		script("macro mutual recursion", "macro f(x) { g(x) }\nmacro g(x) { f(x) }\nBEGIN { f(1); }"),
		script("10k ifdefs", strings.Repeat("#ifdef X\n", 10000)+"BEGIN { }"),
	}
}

// withEnv adds environment variables to a case.
func withEnv(h hostile, env ...string) hostile {
	h.env = env
	return h
}

// garbage is deterministic noise: bytes no program is made of.
func garbage(n int) []byte {
	b := make([]byte, n)
	x := uint32(2463534242)
	for i := range b {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		b[i] = byte(x)
	}
	return b
}

// hostileProbes point probes at files that are no binaries, at absent
// tracepoints and at absurd parameters.
func hostileProbes(t *testing.T) []hostile {
	dir := tempFiles(t)
	p := func(name, probe string) hostile { return script(name, probe+" { }") }
	in := func(f string) string { return filepath.Join(dir, f) }
	return []hostile{
		p("uprobe on a text file", "uprobe:/etc/passwd:foo"),
		p("uprobe on a directory", "uprobe:/tmp:foo"),
		p("uprobe on /proc status", "uprobe:/proc/self/status:x"),
		p("uprobe on /proc/kcore", "uprobe:/proc/kcore:x"),
		p("usdt on /proc/kcore", "usdt:/proc/kcore:x"),
		p("usdt on a text file", "usdt:/etc/passwd:p:x"),
		p("usdt on a directory", "usdt:/tmp:p:x"),
		p("uprobe on /dev/zero", "uprobe:/dev/zero:x"),
		p("usdt on /dev/zero", "usdt:/dev/zero:p:x"),
		p("uprobe on /dev/null", "uprobe:/dev/null:x"),
		p("uprobe on a fifo", "uprobe:"+in("fifo")+":x"),
		p("usdt on a fifo", "usdt:"+in("fifo")+":p:x"),
		p("uprobe on a symlink loop", "uprobe:"+in("loop1")+":x"),
		p("uretprobe on a dangling symlink", "uretprobe:"+in("dangling")+":x"),
		p("uprobe on an empty file", "uprobe:"+in("empty")+":x"),
		p("uprobe on a fake ELF", "uprobe:"+in("fake.elf")+":x"),
		p("usdt on a fake ELF", "usdt:"+in("fake.elf")+":p:x"),
		p("uprobe on ELF magic only", "uprobe:"+in("magic-only")+":x"),
		p("uprobe on a missing file", "uprobe:"+in("nosuch")+":x"),
		p("uprobe wildcard on a fake ELF", "uprobe:"+in("fake.elf")+":*"),
		p("uprobe with no matching symbol", "uprobe:/bin/sh:nosuch_symbol_at_all"),
		p("uprobe address beyond the file", "uprobe:/bin/sh:0xffffffffffffffff"),
		p("uprobe offset beyond the function", "uprobe:/bin/sh:main+999999999"),
		p("uprobe library not found", "uprobe:libnosuch:x"),
		p("tracepoint missing", "tracepoint:nosuch:nosuch"),
		p("tracepoint path traversal", "tracepoint:../../../etc:passwd"),
		p("tracepoint event traversal", "tracepoint:syscalls:../../../../etc/passwd"),
		p("tracepoint empty parts", "tracepoint::"),
		p("profile at 0 hz", "profile:hz:0"),
		p("profile at huge hz", "profile:hz:99999999999999999999"),
		p("profile bad unit", "profile:parsecs:1"),
		p("interval of 0", "interval:s:0"),
		p("interval negative", "interval:s:-1"),
		p("software event unknown", "software:nosuch:1"),
		p("hardware event unknown", "hardware:nosuch:1"),
		p("watchpoint bad address", "watchpoint:nosuch:8:w"),
		p("unknown provider", "nosuch:x:y"),
		p("BEGIN with parts", "BEGIN:x"),
	}
}

// hostileCommandLines are bad flags and parameters around good programs.
func hostileCommandLines(t *testing.T) []hostile {
	dir := tempFiles(t)
	good := `BEGIN { exit(); }`
	return []hostile{
		cli("pid that does not exist", "-p", "999999999", "-e", good),
		cli("pid beyond int64", "-p", "99999999999999999999", "-e", good),
		cli("pid negative", "-p", "-1", "-e", good),
		cli("pid zero", "-p", "0", "-e", good),
		cli("pid not a number", "-p", "abc", "-e", good),
		cli("positional not a number", "-e", `BEGIN { printf("%d\n", $1 + 1); exit(); }`, "abc"),
		cli("positional huge number", "-e", `BEGIN { printf("%d\n", $1 + 1); exit(); }`, "99999999999999999999999"),
		cli("script is /dev/zero", "/dev/zero"),
		cli("script is a directory", "/tmp"),
		cli("script is a symlink loop", filepath.Join(dir, "loop1")),
		cli("script is unreadable", "/proc/self/mem"),
		cli("script is a binary", "/bin/sh"),
		cli("10k-line script file, each line wrong", filepath.Join(dir, "big.bt")),
		withEnv(cli("BPFTRACE_STRLEN absurd", "-e", good), "BPFTRACE_STRLEN=99999999999999999999"),
		withEnv(cli("BPFTRACE_MAX_MAP_KEYS negative", "-e", good), "BPFTRACE_MAX_MAP_KEYS=-5"),
		withEnv(cli("BPFTRACE_MAX_MAP_KEYS beyond 32 bits", "-e", good), "BPFTRACE_MAX_MAP_KEYS=99999999999"),
		withEnv(cli("BPFTRACE_PERF_RB_PAGES huge", "-e", good), "BPFTRACE_PERF_RB_PAGES=999999999999"),
	}
}

// hostileLoads are well-typed programs beyond what BPF can hold: code
// generation or the verifier must refuse them with a message, not crash or
// hang. (They load with --dry-run, so none runs.)
func hostileLoads() []hostile {
	refused := func(name, program string) hostile {
		return hostile{name: name, args: []string{"--dry-run", "-"}, program: program, refused: true}
	}
	// tooBig: code generation knows the kernel's limits (512 bytes of
	// stack, 32 KiB per-CPU values): a script error at the probe, exit 1.
	tooBig := func(name, program string) hostile {
		return hostile{name: name, args: []string{"--dry-run", "-"}, program: program, located: true}
	}
	return []hostile{
		tooBig("10k helper operands", "BEGIN { $x = 1"+strings.Repeat(" + pid", 10000)+"; }"),
		tooBig("100k-byte string variable", `BEGIN { $s = "`+strings.Repeat("a", 100000)+`"; printf("%s", $s); }`),
		refused("infinite loop", `BEGIN { while (1) { @x = 1; } }`),
		refused("100 nested infinite loops", "BEGIN { "+nest(100, "while (1) { ", "@x = 1;", " }")+" }"),
	}
}
