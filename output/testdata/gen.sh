#!/bin/sh
# Regenerates the *.out goldens from the *.bt programs with the reference
# bpftrace (v0.17, as root). A program named *.json.bt runs with -f json.
# Usage: sh gen.sh [name.bt ...]
cd "$(dirname "$0")"
[ $# -gt 0 ] || set -- *.bt
for f in "$@"; do
	flags=""
	case "$f" in *.json.bt) flags="-f json" ;; esac
	timeout 10 bpftrace $flags -e "$(cat "$f")" >"${f%.bt}.out" 2>/dev/null
done
