#!/bin/sh
# Runs each fuzz harness (built with tests/fuzz/driver.c) over its stored
# corpus, tests/fuzz/corpus/NAME/: the seeds and every input that once
# crashed a parser.  Usage: replay.sh BINDIR NAME...
# A harness without a corpus fails: it would test nothing.
set -u
bindir=$1; shift
log=$(mktemp)
trap 'rm -f "$log"' EXIT
pass=0; fail=0; inputs=0
for name in "$@"; do
	dir=tests/fuzz/corpus/$name
	n=$(find "$dir" -maxdepth 1 -type f 2>/dev/null | wc -l)
	if [ "$n" -eq 0 ]; then
		echo "---- fuzz harness $name has no corpus in $dir"
		fail=$((fail + 1))
		continue
	fi
	if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$bindir/fuzz_$name" --quiet "$dir" >"$log" 2>&1; then
		pass=$((pass + 1)); inputs=$((inputs + n))
	else
		fail=$((fail + 1))
		echo "---- fuzz harness $name failed on its corpus (last input named first):"
		grep '^fuzz driver: ' "$log" | tail -1
		grep -v '^fuzz driver: ' "$log" | head -40
	fi
done
echo "fuzz-replay: $pass harnesses passed over $inputs stored inputs, $fail failed"
[ "$fail" -eq 0 ]
