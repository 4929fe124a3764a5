#!/bin/sh
# End-to-end test of `tiersim validate cache` (the analytic cache rung) and
# `tiersim mrc` (LRU miss-ratio curves): output formats, exit codes, and
# the mrc curve against `tiersim cache --policy lru`.
# Usage (from the repository root): sh tests/e2e/cache_validate.sh TIERSIM SCRATCHDIR
#
# The small trace below, unit sizes: a b c a b d a.  Stack distances
# ∞ ∞ ∞ 3 3 ∞ 3 (see tests/test_mrc.c), so an LRU cache of 2 misses all 7
# requests (1.000000) and one of 3 or more hits 3 (miss ratio 4/7 = 0.571429).
set -eu
bin=$1
dir=$2
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# expect_status WANT NAME CMDNAME ARGS...: runs tiersim, checks the exit
# status; on a usage error, that stderr says "tiersim CMDNAME: ..." and
# nothing went to stdout.
expect_status() {
	want=$1
	name=$2
	cmd=$3
	shift 3
	set +e
	"$bin" "$@" >"$dir/out" 2>"$dir/err"
	got=$?
	set -e
	[ "$got" -eq "$want" ] || fail "$name: exit $got, want $want ($(cat "$dir/err"))"
	if [ "$want" -eq 2 ]; then
		grep -q "^tiersim $cmd: " "$dir/err" || fail "$name: stderr lacks 'tiersim $cmd:' ($(cat "$dir/err"))"
		[ ! -s "$dir/out" ] || fail "$name: wrote to stdout on error"
	fi
}

# ---- validate cache ----
expect_status 0 "validate cache csv" validate validate cache --objects 20000 --requests 1000000 --format csv
head -1 "$dir/out" | grep -q '^policy,model,cache_pct,cache_objects,analytic_hit_ratio,simulated_hit_ratio,diff_pp,within_tolerance$' ||
	fail "validate cache csv header: $(head -1 "$dir/out")"
[ "$(grep -c '^lru,' "$dir/out")" -eq 5 ] || fail "validate cache: want 5 lru rows: $(cat "$dir/out")"
[ "$(grep -c '^fifo,' "$dir/out")" -eq 5 ] || fail "validate cache: want 5 fifo rows: $(cat "$dir/out")"
grep -q ',NO$' "$dir/out" && fail "validate cache: a row outside 2 points: $(cat "$dir/out")"
for pct in 1 2 5 10 20; do
	grep -q "^lru,Che,$pct,$((pct * 200))," "$dir/out" || fail "validate cache: no lru row at $pct%"
done

expect_status 0 "validate cache text" validate validate cache --objects 10000 --requests 300000 --alpha 1.0 --seed 3
grep -q 'analytic hit ratio' "$dir/out" || fail "validate cache text: no header: $(cat "$dir/out")"
grep -q 'every row is within 2 percentage points' "$dir/out" || fail "validate cache text: no verdict"

expect_status 0 "validate cache json" validate validate cache --objects 10000 --requests 200000 --format json
head -c 1 "$dir/out" | grep -q '\[' || fail "validate cache json does not start with ["
grep -q '"policy": "fifo"' "$dir/out" || fail "validate cache json: $(cat "$dir/out")"

expect_status 2 "validate cache bad option" "validate cache" validate cache --objects ten
grep -q -- "--objects: bad count" "$dir/err" || fail "validate cache bad option: the flag is not named: $(cat "$dir/err")"
expect_status 2 "validate cache too few objects" "validate cache" validate cache --objects 10
expect_status 2 "validate cache bad format" "validate cache" validate cache --format xml
expect_status 0 "validate cache help" validate validate cache --help

# ---- mrc: hand-worked trace ----
printf 'id,size\n1,1\n2,1\n3,1\n1,1\n2,1\n4,1\n1,1\n' >"$dir/seq.csv"
expect_status 0 "mrc csv" mrc mrc --trace "$dir/seq.csv" --size 2 --size 3 --size 10 --format csv
cat >"$dir/want.csv" <<'W'
size_bytes,miss_ratio,byte_miss_ratio
2,1.000000,1.000000
3,0.571429,0.571429
10,0.571429,0.571429
W
cmp -s "$dir/out" "$dir/want.csv" || fail "mrc csv: got $(cat "$dir/out")"

expect_status 0 "mrc text" mrc mrc --trace "$dir/seq.csv" --sizes 4
grep -q 'size (bytes)' "$dir/out" || fail "mrc text: no 'size (bytes)' header"
grep -Eq '^ *4 +0\.571429 +0\.571429 *$' "$dir/out" || fail "mrc text: no row for size 4: $(cat "$dir/out")"

expect_status 0 "mrc json" mrc mrc --trace "$dir/seq.csv" --size 3 --format json
grep -q '"miss_ratio": 0.571429' "$dir/out" || fail "mrc json: $(cat "$dir/out")"

expect_status 0 "mrc shards" mrc mrc --trace "$dir/seq.csv" --sample 0.5 --size 3 --format csv
head -1 "$dir/out" | grep -q '^size_bytes,miss_ratio,byte_miss_ratio,exact_miss_ratio,exact_byte_miss_ratio,abs_error$' ||
	fail "mrc shards header: $(head -1 "$dir/out")"

# ---- mrc against tiersim cache on the CloudPhysics trace (rung 2) ----
cp_bin=../shared/traces/cloudphysics/cloudPhysicsIO.oracleGeneral.bin
cp_csv=../shared/traces/cloudphysics/cloudPhysicsIO.csv
if [ -r "$cp_bin" ]; then
	# sizes vary (512 B .. 68 KiB): exact at sizes >= the largest object
	sizes="--size 69632 --size 10MB --size 256MiB --size 1GiB --size 3GB"
	expect_status 0 "mrc cloudphysics" mrc mrc --trace "$cp_bin" $sizes --format csv
	cp "$dir/out" "$dir/mrc.csv"
	expect_status 0 "cache cloudphysics" cache cache --trace "$cp_bin" --policy lru $sizes --format csv
	cut -d, -f1,3,4 "$dir/out" >"$dir/cache.csv"
	cmp -s "$dir/mrc.csv" "$dir/cache.csv" || fail "mrc != cache lru (bytes): $(cat "$dir/mrc.csv") vs $(cat "$dir/cache.csv")"
	# unit sizes (no size column): exact at every size
	f="csv:id=lbn,size=none"
	sizes="--size 1 --size 100 --size 5000 --size 20000 --size 60000"
	expect_status 0 "mrc cloudphysics unit" mrc mrc --trace "$cp_csv" --trace-format "$f" $sizes --format csv
	cp "$dir/out" "$dir/mrc.csv"
	expect_status 0 "cache cloudphysics unit" cache cache --trace "$cp_csv" --trace-format "$f" --policy lru $sizes --format csv
	cut -d, -f1,3,4 "$dir/out" >"$dir/cache.csv"
	cmp -s "$dir/mrc.csv" "$dir/cache.csv" || fail "mrc != cache lru (unit): $(cat "$dir/mrc.csv") vs $(cat "$dir/cache.csv")"
	expect_status 0 "mrc cloudphysics shards" mrc mrc --trace "$cp_bin" --sample 0.1
	grep -q 'SHARDS rate 0.1 vs exact: mean absolute error' "$dir/out" || fail "mrc shards: no error line: $(cat "$dir/out")"
else
	echo "skip: $cp_bin not readable"
fi

# ---- mrc: bad input exits 2 ----
expect_status 2 "mrc no trace" mrc mrc --sizes 4
expect_status 2 "mrc missing file" mrc mrc --trace "$dir/nope.bin"
expect_status 2 "mrc bad size unit" mrc mrc --trace "$dir/seq.csv" --size 4XB
expect_status 2 "mrc zero size" mrc mrc --trace "$dir/seq.csv" --size 0
expect_status 2 "mrc bad rate" mrc mrc --trace "$dir/seq.csv" --sample 2
expect_status 2 "mrc zero points" mrc mrc --trace "$dir/seq.csv" --sizes 0
expect_status 2 "mrc bad format" mrc mrc --trace "$dir/seq.csv" --format xml
expect_status 2 "mrc exact-check without sample" mrc mrc --trace "$dir/seq.csv" --exact-check
printf 'id,size\n1,1\n2\n' >"$dir/bad.csv"
expect_status 2 "mrc bad csv line" mrc mrc --trace "$dir/bad.csv" --size 1
printf '0123456789012345678901234567890' >"$dir/trunc.bin"
expect_status 2 "mrc truncated binary" mrc mrc --trace "$dir/trunc.bin" --trace-format oracleGeneral --size 1

# A table that cannot be written says so (exit 1 alone also means a row
# out of its tolerance).
set +e
"$bin" validate cache --objects 1000 --requests 100000 >/dev/full 2>"$dir/err"
got=$?
set -e
[ "$got" -eq 1 ] && grep -q 'cannot write the table' "$dir/err" || fail "validate cache > /dev/full: $(cat "$dir/err")"

if [ "$fails" -ne 0 ]; then
	echo "$fails failure(s)"
	exit 1
fi
echo "cache_validate: all passed"
