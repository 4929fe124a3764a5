#!/bin/sh
# End-to-end test of `tiersim cache`: output formats and exit codes.
# Usage (from the repository root): sh tests/e2e/cache_cli.sh TIERSIM SCRATCHDIR
#
# The small trace below is worked by hand, LRU, cache 5 bytes:
#   obj(size)  1(1) 2(2) 3(3) 1(1) 4(4) 1(1)
#   1 miss [1]; 2 miss [1 2] 3 B; 3 miss, 6 > 5 evicts 1: [2 3] 5 B;
#   1 miss, evicts 2: [3 1] 4 B; 4 miss, evicts 3: [1 4] 5 B; 1 hit.
#   6 requests, 5 misses: 0.833333; 12 bytes requested, 11 missed: 0.916667.
set -eu
bin=$1
dir=$2
fails=0

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# expect_status WANT NAME ARGS...: runs tiersim, checks the exit status, that
# stderr says "tiersim cache: ..." and that nothing went to stdout.
expect_status() {
	want=$1
	name=$2
	shift 2
	set +e
	"$bin" "$@" >"$dir/out" 2>"$dir/err"
	got=$?
	set -e
	[ "$got" -eq "$want" ] || fail "$name: exit $got, want $want ($(cat "$dir/err"))"
	if [ "$want" -ne 0 ]; then
		grep -q "^tiersim $1: " "$dir/err" || fail "$name: stderr lacks 'tiersim $1:' ($(cat "$dir/err"))"
		[ ! -s "$dir/out" ] || fail "$name: wrote to stdout on error"
	fi
}

printf 'id,size\n1,1\n2,2\n3,3\n1,1\n4,4\n1,1\n' >"$dir/small.csv"

# csv: a header row, then one row per size, ratios with 6 decimals.
expect_status 0 "csv output" cache --trace "$dir/small.csv" --policy lru --size 5 --size 100B --format csv
cat >"$dir/want.csv" <<'EOF'
size_bytes,requests,miss_ratio,byte_miss_ratio
5,6,0.833333,0.916667
100,6,0.666667,0.833333
EOF
cmp -s "$dir/out" "$dir/want.csv" || fail "csv output: got $(cat "$dir/out")"

# text: a title, aligned columns with units in the header.
expect_status 0 "text output" cache --trace "$dir/small.csv" --policy lru --size 5
grep -q 'size (bytes)' "$dir/out" || fail "text output: no 'size (bytes)' header"
grep -q 'byte miss ratio' "$dir/out" || fail "text output: no 'byte miss ratio' header"
grep -Eq '^ *5 +6 +0\.833333 +0\.916667 *$' "$dir/out" || fail "text output: no row for size 5: $(cat "$dir/out")"

# json: an array of objects keyed like the csv.
expect_status 0 "json output" cache --trace "$dir/small.csv" --policy lru --size 5 --format json
grep -q '"size_bytes": 5' "$dir/out" || fail "json output: $(cat "$dir/out")"
grep -q '"miss_ratio": 0.833333' "$dir/out" || fail "json output: $(cat "$dir/out")"
grep -q '"byte_miss_ratio": 0.916667' "$dir/out" || fail "json output: $(cat "$dir/out")"
head -c 1 "$dir/out" | grep -q '\[' || fail "json output does not start with ["

# Every policy runs; an explicit column map reads the same trace.
for p in fifo lru clock lfu arc sieve s3fifo; do
	expect_status 0 "policy $p" cache --trace "$dir/small.csv" --policy "$p" --size 1KiB --format csv
	grep -q '^1024,6,0.666667,0.833333$' "$dir/out" || fail "policy $p: $(cat "$dir/out")"
done
expect_status 0 "column map" cache --trace "$dir/small.csv" --trace-format 'csv:id=1,size=2' \
	--policy lru --size 5 --format csv
grep -q '^5,6,0.833333,0.916667$' "$dir/out" || fail "column map: $(cat "$dir/out")"
expect_status 0 "admission" cache --trace "$dir/small.csv" --policy lru --size 100 \
	--admission second-hit --format csv
grep -q '^100,6,0.833333,0.916667$' "$dir/out" || fail "second-hit admission: $(cat "$dir/out")"

# The real oracleGeneral trace, when the shared traces are there.
cp_bin=../shared/traces/cloudphysics/cloudPhysicsIO.oracleGeneral.bin
if [ -r "$cp_bin" ]; then
	expect_status 0 "cloudphysics" cache --trace "$cp_bin" --policy belady --size 64MiB --format csv
	grep -Eq '^67108864,113872,0\.[0-9]{6},0\.[0-9]{6}$' "$dir/out" || fail "cloudphysics: $(cat "$dir/out")"
fi

# Bad input: exit 2, a message, nothing on stdout.
printf '\001\000\000\000\001\000\000\000\000\000\000\000\001\000\000\000\377\377\377\377\377\377\377\377\001\002\003\004\005\006' \
	>"$dir/trunc.bin"
expect_status 2 "unknown policy" cache --trace "$dir/small.csv" --policy nosuch --size 5
grep -q 'unknown policy' "$dir/err" || fail "unknown policy: $(cat "$dir/err")"
expect_status 2 "unknown format" cache --trace "$dir/small.csv" --policy lru --size 5 --format xml
expect_status 2 "unknown trace format" cache --trace "$dir/small.csv" --trace-format vscsi --policy lru --size 5
expect_status 2 "bad size unit" cache --trace "$dir/small.csv" --policy lru --size 5XB
grep -q 'XB' "$dir/err" || fail "bad size unit: $(cat "$dir/err")"
expect_status 2 "zero size" cache --trace "$dir/small.csv" --policy lru --size 0
expect_status 2 "truncated trace" cache --trace "$dir/trunc.bin" --policy lru --size 5
grep -q 'trunc.bin: record 2 is truncated' "$dir/err" || fail "truncated trace: $(cat "$dir/err")"
expect_status 2 "missing file" cache --trace "$dir/nosuch.bin" --policy lru --size 5
grep -q 'nosuch.bin' "$dir/err" || fail "missing file: $(cat "$dir/err")"
printf 'id,size\n1,1\n2\n' >"$dir/short.csv"
expect_status 2 "wrong column count" cache --trace "$dir/short.csv" --policy lru --size 5
grep -q 'short.csv:3: field 2 (size) is missing' "$dir/err" || fail "wrong column count: $(cat "$dir/err")"
expect_status 2 "belady without next access" cache --trace "$dir/small.csv" --policy belady --size 5
expect_status 2 "missing --trace" cache --policy lru --size 5
expect_status 2 "missing --size" cache --trace "$dir/small.csv" --policy lru
expect_status 2 "bad admission" cache --trace "$dir/small.csv" --policy lru --size 5 --admission maybe
# A trace of no records is bad input in every format (it was a table of
# blanks and exit 0 for a CSV header alone, or an empty binary).
printf 'time,id,size,op\n' >"$dir/hdr.csv"
: >"$dir/empty.bin"
for f in hdr.csv empty.bin; do
	expect_status 2 "cache: $f has no records" cache --trace "$dir/$f" --policy lru --size 1MB
	grep -qx "tiersim cache: $dir/$f: no records" "$dir/err" || fail "cache: $f: $(cat "$dir/err")"
	expect_status 2 "mrc: $f has no records" mrc --trace "$dir/$f" --size 1MB
	grep -qx "tiersim mrc: $dir/$f: no records" "$dir/err" || fail "mrc: $f: $(cat "$dir/err")"
	expect_status 2 "inspect: $f has no records" trace inspect "$dir/$f"
	grep -q "$dir/$f: no records" "$dir/err" || fail "inspect: $f: $(cat "$dir/err")"
done
# An object a policy entry cannot hold, at a size that could: refused,
# naming the record and what to do.
printf 'id,size\n1,10\n2,5368709120\n' >"$dir/huge.csv"
expect_status 2 "a 5 GiB object" cache --trace "$dir/huge.csv" --policy lru --size 10GiB
grep -q "huge.csv: record 2: object 2: size 5368709120 bytes is more than a policy entry holds .*tiersim mrc" "$dir/err" || fail "a 5 GiB object: $(cat "$dir/err")"
expect_status 0 "a 5 GiB object, in a smaller cache" cache --trace "$dir/huge.csv" --policy lru --size 1GiB
# Nothing counted: the ratios are unknown (blank, null), not 0.
printf 'id,size\n1,0\n' >"$dir/zero.csv"
expect_status 0 "zero-byte trace" cache --trace "$dir/zero.csv" --policy lru --size 1MB --format csv
grep -qx '1000000,1,1.000000,' "$dir/out" || fail "zero-byte trace: byte ratio not blank: $(cat "$dir/out")"
# SHARDS at a rate that samples nothing has no curve: an error, not 0s.
expect_status 2 "mrc --sample too small" mrc --trace "$dir/small.csv" --sample 1e-7
grep -q 'sampled none of the .* requests of .*small.csv, so there is no curve to estimate: use a larger rate' "$dir/err" || fail "mrc --sample too small: $(cat "$dir/err")"
# A rate below SHARDS' finest (2^-24) is refused; it was raised to it in silence.
expect_status 2 "mrc --sample below 2^-24" mrc --trace "$dir/small.csv" --sample 1e-9
grep -q -- '--sample 1e-9: below the finest rate, 2^-24' "$dir/err" || fail "mrc --sample below 2^-24: $(cat "$dir/err")"
# Objects of 0 bytes have no byte ratios: the SHARDS footer says so (it said "byte nan").
printf 'id,size\n1,0\n2,0\n1,0\n' >"$dir/zero2.csv"
expect_status 0 "mrc on 0-byte objects" mrc --trace "$dir/zero2.csv" --sample 1
grep -q 'no bytes requested: no byte ratios' "$dir/out" || fail "mrc on 0-byte objects: $(cat "$dir/out")"
expect_status 0 "help" cache --help
grep -q '^usage: tiersim cache' "$dir/out" || fail "help: $(cat "$dir/out")"

# An object that shrinks: the stack's curve is no LRU replay's, and the
# footer says so instead of claiming exactness.
printf 'id,size\n1,4\n2,4\n3,4\n3,1\n1,4\n' >"$dir/shrink.csv"
"$bin" mrc --trace "$dir/shrink.csv" --size 10 >"$dir/out" 2>&1
grep -q '1 request found its object at another size, so the exact curve is not an LRU replay' "$dir/out" &&
	! grep -q 'exact against an LRU replay' "$dir/out" || fail "mrc of a shrinking object: $(cat "$dir/out")"

if [ "$fails" -ne 0 ]; then
	echo "cache_cli: $fails failure(s)"
	exit 1
fi
echo "cache_cli: ok"
