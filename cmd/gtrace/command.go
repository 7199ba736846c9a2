package main

import "strings"

// splitCommand turns -c's text into the command's argv the way bpftrace
// 0.17 does: split at every single space, with no quoting. Two spaces in a
// row make an empty argument (`-c 'echo a  b'` prints "a  b"), and a tab is
// part of a word; only one space at the very end makes nothing, because
// bpftrace splits with getline, which yields no piece after a final
// delimiter. strings.Fields would differ from bpftrace on every one of
// these.
func splitCommand(s string) []string {
	if s == "" {
		return nil
	}
	args := strings.Split(s, " ")
	if args[len(args)-1] == "" {
		args = args[:len(args)-1]
	}
	return args
}
