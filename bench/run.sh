#!/bin/sh
# Runs every benchmark built under BUILDDIR/bench, one after another (they
# time themselves, so never in parallel), and prints their output.  Called
# from the repository root by `make bench` as: sh bench/run.sh BUILDDIR
# Exits non-zero if a benchmark fails or none is found; the others still run.
set -u

if [ $# -ne 1 ]; then
	echo "usage: sh bench/run.sh BUILDDIR" >&2
	exit 2
fi
dir=$1/bench

ran=0; failed=""
for b in "$dir"/*; do
	if [ ! -f "$b" ] || [ ! -x "$b" ]; then continue; fi
	echo "== ${b##*/}"
	if "$b"; then :; else failed="$failed ${b##*/}"; fi
	ran=$((ran + 1))
done

if [ "$ran" -eq 0 ]; then
	echo "bench: no benchmarks in $dir (build them with make bench)" >&2
	exit 1
fi
if [ -n "$failed" ]; then
	echo "bench: failed:$failed" >&2
	exit 1
fi
