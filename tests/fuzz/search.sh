#!/bin/sh
# `make fuzz`: libFuzzer searches each harness for SECONDS, starting from
# its stored corpus.  New inputs that reach new code go to a scratch
# corpus (BUILD/corpus/NAME), not into the source tree; a crashing input
# is written to BUILD/crashes/NAME/ and the search of that harness stops.
# A dictionary, tests/fuzz/dict/NAME.dict (libFuzzer's format: the words
# of the input language, which random mutation seldom spells), is used
# when there is one.
# Usage: search.sh BUILD SECONDS NAME...
#        search.sh --check SECONDS NAME...   (the settings alone, before a build)
set -u
build=$1; secs=$2; shift 2
case $secs in ''|*[!0-9]*|0) echo "make fuzz: FUZZ_SECONDS must be a whole number of seconds above 0, not '$secs'" >&2; exit 2;; esac
for name in "$@"; do
	if [ ! -f "tests/fuzz/fuzz_$name.c" ]; then
		echo "make fuzz: FUZZ_TARGETS: no harness named '$name'; there are:" \
			$(ls tests/fuzz/fuzz_*.c | sed 's|tests/fuzz/fuzz_||; s|\.c$||') >&2
		exit 2
	fi
done
[ "$build" = --check ] && exit 0
found=0
for name in "$@"; do
	bin=$build/fuzz_$name
	work=$build/corpus/$name; crashes=$build/crashes/$name
	mkdir -p "$work" "$crashes"
	dict=tests/fuzz/dict/$name.dict
	[ -f "$dict" ] || dict=
	echo "== fuzz_$name: ${secs} s${dict:+, with $dict}"
	if UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 "$bin" ${dict:+"-dict=$dict"} -max_total_time="$secs" \
		-artifact_prefix="$crashes/" -print_final_stats=1 "$work" "tests/fuzz/corpus/$name" \
		>"$build/fuzz_$name.log" 2>&1; then
		grep -E '^stat::(number_of_executed_units|new_units_added)' "$build/fuzz_$name.log" |
			sed 's/^stat::/   /'
	elif grep -q '^ParseDictionaryFile' "$build/fuzz_$name.log"; then
		echo "make fuzz: $dict: $(grep '^ParseDictionaryFile' "$build/fuzz_$name.log")" >&2
		exit 2
	else
		found=$((found + 1))
		echo "   CRASH: input in $crashes/; the report is $build/fuzz_$name.log:"
		grep -E 'ERROR|SUMMARY|runtime error|harness check' "$build/fuzz_$name.log" | head -5 | sed 's/^/   /'
	fi
done
if [ "$found" -gt 0 ]; then
	echo "make fuzz: $found harnesses found a crashing input.  Fix the parser, then add the input"
	echo "to tests/fuzz/corpus/NAME/ so that \`make test\` keeps it fixed."
	exit 1
fi
echo "make fuzz: no crash found"
