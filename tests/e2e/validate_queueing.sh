#!/bin/sh
# End-to-end: `tiersim validate queueing` with its default settings puts
# every closed form inside the simulated 95% confidence interval, prints
# the table in each format, and refuses bad options.
# Usage: validate_queueing.sh /path/to/tiersim SCRATCH_DIR
set -u
T=$1; D=$2
fails=0
check() {
	what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
"$T" validate queueing >"$D/out" 2>"$D/err"; s=$?
cat "$D/out"
check "defaults: exit 0 (every row inside its interval)" test "$s" = 0
check "eight rows, all inside" test "$(grep -c ' yes ' "$D/out")" = 8
check "closing line says so" grep -q 'every closed form lies inside' "$D/out"
check "header carries units" grep -q 'theory (ms)' "$D/out"

"$T" validate queueing --reps 3 --customers 2000 --warmup 200 --format csv >"$D/csv"
check "csv header" test "$(head -1 "$D/csv")" = "model,servers,rho,theory_ms,simulated_ms,ci95_half_ms,error_pct,inside_ci,little_err_pct"
check "csv has 8 rows" test "$(wc -l <"$D/csv")" = 9
"$T" validate queueing --reps 3 --customers 2000 --warmup 200 --format json >"$D/json"
check "json is valid" test "$(sqlite3 :memory: "select json_valid(readfile('$D/json'))")" = 1
check "json has 8 rows" test "$(sqlite3 :memory: "select json_array_length(readfile('$D/json'))")" = 8

"$T" validate queueing --reps 1 >/dev/null 2>"$D/err"; s=$?
check "one replication: exit 2" test "$s" = 2
check "one replication: says so, once named" grep -qx 'tiersim validate queueing: --reps 1: need at least 2 replications' "$D/err"
"$T" validate queueing --reps 200000 >/dev/null 2>"$D/err"; s=$?
check "--reps past 100000: exit 2 (it was cut to 100000 in silence)" sh -c "test $s = 2 && grep -q 'reps 200000: at most 100000' '$D/err'"
"$T" validate queueing --reps x >/dev/null 2>"$D/err"; s=$?
check "non-numeric --reps: exit 2" test "$s" = 2
"$T" validate nonsense >/dev/null 2>"$D/err"; s=$?
check "unknown subject: exit 2" test "$s" = 2
echo "validate_queueing: $fails failed"
[ "$fails" -eq 0 ]
