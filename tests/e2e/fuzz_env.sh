#!/bin/sh
# make fuzz's settings (tests/fuzz/search.sh --check, the recipe's first
# step, before clang is installed or anything is built): a bad value is
# refused with exit 2 and a message naming the variable; good ones pass.
# Usage: sh tests/e2e/fuzz_env.sh TIERSIM TMPDIR
set -u
fails=0
# check EXPECTED_RC WHAT SECONDS TARGET...: the exit status, and for a
# refusal the variable's name in the message
check() {
	want=$1; what=$2; shift 2
	out=$(sh tests/fuzz/search.sh --check "$@" 2>&1)
	rc=$?
	if [ "$rc" -eq "$want" ] && { [ "$want" -eq 0 ] || echo "$out" | grep -q "FUZZ_"; }; then
		echo "ok   $what"
	else
		echo "FAIL $what (exit $rc, wanted $want): $out"
		fails=$((fails + 1))
	fi
}
check 2 "seconds not a number" 1m units
check 2 "zero seconds" 0 units
check 2 "an unknown harness" 60 units no_such_parser
check 0 "good settings" 60 units trace_csv
# The dictionaries, in libFuzzer's format: comments, blank lines, or one
# quoted ASCII word (escapes \\ \" \xHH), optionally named (kw="...").
for d in tests/fuzz/dict/*.dict; do
	bad=$(LC_ALL=C grep -nvE '^(#.*|[[:space:]]*|([A-Za-z0-9_]+=)?"([^"\\[:cntrl:]]|\\\\|\\"|\\x[0-9A-Fa-f]{2})*")$' "$d" | head -3)
	if [ -n "$bad" ] || LC_ALL=C grep -q '[^ -~]' "$d"; then
		echo "FAIL $d: not libFuzzer's dictionary format: ${bad:-a byte outside printable ASCII}"
		fails=$((fails + 1))
	else
		echo "ok   $d"
	fi
done
[ "$fails" -eq 0 ]
