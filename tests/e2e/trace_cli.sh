#!/bin/sh
# End-to-end test of `tiersim trace convert` and `tiersim trace inspect`:
# output formats, exit codes, bad input, --lenient, no half-written files.
# Usage (from the repository root): sh tests/e2e/trace_cli.sh TIERSIM SCRATCHDIR
#
# The small Mooncake trace below is worked by hand: 3 requests with block
# lists [0 1] [0 2 3] [0]: 6 block references, 4 distinct blocks, repeat
# share 1 - 4/6 = 0.333333; times 0, 1000, 4000 ms: inter-arrival mean 2 s.
set -eu
bin=$1
dir=$2
fails=0
traces=${TIERSIM_TRACES:-../shared/traces}

fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# expect_status WANT NAME ARGS...: runs tiersim, checks the exit status, and on
# failure that stderr says "tiersim trace: ..." and nothing went to stdout.
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
		grep -q '^tiersim trace: ' "$dir/err" || fail "$name: stderr lacks 'tiersim trace:' ($(cat "$dir/err"))"
		[ ! -s "$dir/out" ] || fail "$name: wrote to stdout on error"
	fi
}

cat >"$dir/small.jsonl" <<'J'
{"timestamp": 0, "input_length": 1000, "output_length": 5, "hash_ids": [0, 1]}
{"timestamp": 1000, "input_length": 1500, "output_length": 5, "hash_ids": [0, 2, 3]}
{"timestamp": 4000, "input_length": 10, "output_length": 5, "hash_ids": [0]}
J

# inspect, csv: one header row and one row of plain numbers.
expect_status 0 "inspect csv" trace inspect "$dir/small.jsonl" --format csv
[ "$(wc -l <"$dir/out")" -eq 2 ] || fail "inspect csv: want 2 lines, got $(cat "$dir/out")"
row=$(sed -n 2p "$dir/out")
case $row in
*",mooncake,6,block references,3,0,4000000000,4.000000000,4,"*) ;;
*) fail "inspect csv: unexpected row $row" ;;
esac
case $row in *",0.333333,2.000000000,"*) ;; *) fail "inspect csv: repeat share or mean inter-arrival wrong: $row" ;; esac

# inspect, json: parses, and carries the same numbers.
expect_status 0 "inspect json" trace inspect "$dir/small.jsonl" --format json
grep -q '"distinct_objects": 4' "$dir/out" || fail "inspect json: distinct_objects ($(cat "$dir/out"))"
grep -q '"skipped_records": 0' "$dir/out" || fail "inspect json: skipped_records"
if command -v python3 >/dev/null 2>&1; then
	python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$dir/out" || fail "inspect json: not JSON"
fi

# inspect, text.
expect_status 0 "inspect text" trace inspect "$dir/small.jsonl"
grep -q '^records *6 block references' "$dir/out" || fail "inspect text: records line ($(cat "$dir/out"))"
grep -q '^requests *3$' "$dir/out" || fail "inspect text: requests line"

# convert to native, plain and zstd; both inspect the same as the source.
for out in small.tst small.tst.zst; do
	expect_status 0 "convert $out" trace convert "$dir/small.jsonl" "$dir/$out"
	grep -q '^converted 6 records' "$dir/out" || fail "convert $out: summary ($(cat "$dir/out"))"
	[ ! -e "$dir/$out.tmp" ] || fail "convert $out: left $out.tmp"
	expect_status 0 "inspect $out" trace inspect "$dir/$out" --format csv
	sed -n 2p "$dir/out" | cut -d, -f3- >"$dir/native.row"
	echo "$row" | cut -d, -f3- >"$dir/src.row"
	cmp -s "$dir/native.row" "$dir/src.row" || fail "inspect $out differs: $(cat "$dir/native.row") vs $(cat "$dir/src.row")"
done
if command -v zstd >/dev/null 2>&1; then
	zstd -q -d -c "$dir/small.tst.zst" | cmp -s - "$dir/small.tst" || fail "zstd -d of the .zst is not the plain file"
fi

# bad input: exit 2, naming the file, line and field; no output file left.
printf '{"timestamp": 0, "input_length": 1000, "hash_ids": [0, 1]}\n{"timestamp": 5, "input_length": 1000, "hash_ids": [0]}\n' >"$dir/badlen.jsonl"
expect_status 2 "wrong hash_ids length" trace inspect "$dir/badlen.jsonl"
grep -q 'badlen.jsonl:2: field "hash_ids"' "$dir/err" || fail "wrong hash_ids length: message ($(cat "$dir/err"))"
expect_status 2 "convert bad input" trace convert "$dir/badlen.jsonl" "$dir/bad.tst"
[ ! -e "$dir/bad.tst" ] && [ ! -e "$dir/bad.tst.tmp" ] || fail "convert bad input left a file"

printf '{"timestamp": 5, "input_length": 10, "hash_ids": [0]}\n{"timestamp": 4, "input_length": 10, "hash_ids": [0]}\n' >"$dir/back.jsonl"
expect_status 2 "timestamps backwards" trace inspect "$dir/back.jsonl"
grep -q 'back.jsonl:2: field "timestamp"' "$dir/err" || fail "timestamps backwards: message ($(cat "$dir/err"))"

printf '{"timestamp": 5, "input_length": 10, "hash_ids": [0]}\n{"timestamp": 6, "input_le' >"$dir/trunc.jsonl"
expect_status 2 "truncated JSON" trace inspect "$dir/trunc.jsonl"
grep -q 'trunc.jsonl:2: malformed JSON' "$dir/err" || fail "truncated JSON: message ($(cat "$dir/err"))"

head -c 300 "$dir/small.tst" >"$dir/cut.tst"
expect_status 2 "truncated native" trace inspect "$dir/cut.tst"
grep -q 'record 2 is truncated in field' "$dir/err" || fail "truncated native: message ($(cat "$dir/err"))"

# --lenient: skips and counts, and says so.
printf '{"timestamp": 0, "input_length": 1000, "hash_ids": [7, 8]}\n{"timestamp": 1, "input_length": 1000, "hash_ids": "x"}\n{"timestamp": 2, "input_length": 10, "hash_ids": [7]}\n' >"$dir/mixed.jsonl"
expect_status 2 "strict mixed" trace inspect "$dir/mixed.jsonl"
expect_status 0 "lenient inspect" trace inspect "$dir/mixed.jsonl" --lenient --format csv
sed -n 2p "$dir/out" | grep -q ',3,block references,2,.*,1,0$' || fail "lenient inspect: row $(sed -n 2p "$dir/out")"
grep -q 'skipped 1 bad record' "$dir/err" || fail "lenient inspect: no skip report on stderr"
expect_status 0 "lenient convert" trace convert "$dir/mixed.jsonl" "$dir/mixed.tst" --lenient
grep -q 'skipped 1 bad records' "$dir/out" || fail "lenient convert: summary ($(cat "$dir/out"))"

# usage errors.
expect_status 2 "no subcommand" trace
expect_status 2 "unknown subcommand" trace frobnicate x
expect_status 2 "unknown format" trace inspect "$dir/small.jsonl" --trace-format nosuch
expect_status 2 "missing file" trace inspect "$dir/nonexistent.jsonl"
expect_status 2 "bad --format" trace inspect "$dir/small.jsonl" --format xml
expect_status 0 "help" trace --help

# the real Mooncake trace, when present: the published counts.
mc=$traces/mooncake/conversation_trace.jsonl
if [ -r "$mc" ]; then
	expect_status 0 "conversation" trace inspect "$mc" --format csv
	sed -n 2p "$dir/out" | grep -q ',mooncake,288500,block references,12031,.*,182790,' ||
		fail "conversation: counts $(sed -n 2p "$dir/out")"
fi

# A NUL byte inside a Mooncake record (jansson once read it as the
# record's end): refused, naming the line and column; skipped with
# --lenient.
printf '{"timestamp": 1\000, "input_length": 1, "hash_ids": [7]}\n' >"$dir/nul.jsonl"
cat "$dir/small.jsonl" >>"$dir/nul.jsonl"
expect_status 2 "NUL byte" trace inspect "$dir/nul.jsonl" --trace-format mooncake
grep -q 'nul.jsonl:1: a NUL byte at column 16' "$dir/err" || fail "NUL byte: $(cat "$dir/err")"
expect_status 0 "NUL byte, lenient" trace inspect "$dir/nul.jsonl" --trace-format mooncake --lenient
grep -q '^requests *3$' "$dir/out" || fail "NUL byte, lenient: $(grep requests "$dir/out")"

# A line the reader cannot hold (a 40 MB line under a 48 MiB memory
# ceiling, sim/memcap.h) is an error naming the file and line, exit 1; it
# once ended the trace there without a word (getline's ENOMEM taken for
# the end of the file).  The same for the KV-cache job's loader.
{
	cat "$dir/small.jsonl"
	printf '{"timestamp": 5000, "input_length": 1, "output_length": 1, "hash_ids": ['
	head -c 40000000 /dev/zero | tr '\0' '1'
	printf ']}\n'
} >"$dir/long.jsonl"
TIERSIM_MEMORY_LIMIT=48MiB expect_status 1 "long line" trace inspect "$dir/long.jsonl" --trace-format mooncake
unset TIERSIM_MEMORY_LIMIT # dash keeps an assignment made before a function call
grep -q 'long.jsonl:4: out of memory reading the line' "$dir/err" || fail "long line: $(cat "$dir/err")"
printf '[tier store]\nmodel = fixed\nscope = node\n[job kv]\ntype = kvcache\ntrace = long.jsonl\n' >"$dir/kv.ini"
set +e
TIERSIM_MEMORY_LIMIT=48MiB "$bin" run "$dir/kv.ini" --out "$dir/kv.db" >"$dir/out" 2>"$dir/err"
got=$?
set -e
[ "$got" -eq 1 ] || fail "long line, kvcache job: exit $got, want 1 ($(cat "$dir/err"))"
grep -q 'long.jsonl:4: out of memory reading the line' "$dir/err" || fail "long line, kvcache job: $(cat "$dir/err")"
[ ! -e "$dir/kv.db" ] || fail "long line, kvcache job: wrote a database"
rm -f "$dir/long.jsonl"

# The Alibaba GPU trace's sizes are GPU counts: shown as GPUs, summed as
# awk sums the num_gpu column, not as bytes.
ali=../shared/traces/alibaba_gpu_v2023/openb_pod_list_default.csv
gpus=$(awk -F, 'NR > 1 { s += $4 } END { print s }' "$ali")
expect_status 0 "inspect alibaba" trace inspect "$ali"
grep -q "^GPUs  *$gpus over all tasks" "$dir/out" || fail "inspect alibaba: not $gpus GPUs: $(cat "$dir/out")"
! grep -q '^bytes' "$dir/out" || fail "inspect alibaba: GPU counts shown as bytes"
expect_status 0 "inspect alibaba, json" trace inspect "$ali" --format json
grep -q "\"bytes\": $gpus, \"working_set_bytes\": $gpus, \"size_unit\": \"GPUs\"" "$dir/out" || fail "inspect alibaba, json: size unit: $(cat "$dir/out")"
# ...and cache or mrc over GPU tasks is refused: byte ratios of GPU counts.
for c in "cache --policy lru --size 10" mrc; do
	set +e
	"$bin" $c --trace "$ali" >"$dir/out" 2>"$dir/err"; got=$?
	set -e
	[ "$got" -eq 2 ] && grep -q 'an alibaba_gpu trace lists GPU tasks, not object requests' "$dir/err" || fail "${c%% *} on alibaba: exit $got ($(cat "$dir/err"))"
done

# Bytes past 2^64 in all (a huge kv-bytes-per-token): an error naming the
# trace and record, not a total that wrapped to a small number.
expect_status 2 "bytes past 2^64" trace inspect scenarios/data/mooncake_conversation_3min.jsonl --trace-format mooncake:kv-bytes-per-token=8TiB
grep -q "mooncake_conversation_3min.jsonl: record [0-9]*: the records' bytes pass 2^64 (16 EiB) in all" "$dir/err" || fail "bytes past 2^64: $(cat "$dir/err")"

# The same from convert, naming the input (it named no file), and from
# cache and mrc, whose sums wrapped: a 16 EiB object hit a 100-byte cache.
printf 'time,id,size\n1,1,18446744073709551615\n2,2,10\n3,1,18446744073709551615\n' >"$dir/max.csv"
expect_status 2 "convert: bytes past 2^64" trace convert "$dir/max.csv" "$dir/max.tst"
grep -q "^tiersim trace: $dir/max.csv: record 2: the records' bytes pass 2^64" "$dir/err" || fail "convert: bytes past 2^64: $(cat "$dir/err")"
[ ! -e "$dir/max.tst" ] && [ ! -e "$dir/max.tst.tmp" ] || fail "convert: bytes past 2^64 left a file"
for c in "cache --policy lru" mrc; do
	set +e
	"$bin" $c --trace "$dir/max.csv" --size 100 >"$dir/out" 2>"$dir/err"; got=$?
	set -e
	[ "$got" -eq 2 ] && grep -q "^tiersim ${c%% *}: $dir/max.csv: record 2: the requests' bytes pass 2^64" "$dir/err" || fail "${c%% *}: bytes past 2^64: exit $got ($(cat "$dir/out" "$dir/err"))"
done

# Converting into a directory is bad input, said so (it was exit 1,
# ".tmp: cannot rename to dir/").
mkdir -p "$dir/outdir"
expect_status 2 "convert into a directory" trace convert "$dir/max.csv" "$dir/outdir/"
grep -q "outdir/: a directory: name the file to write" "$dir/err" || fail "convert into a directory: $(cat "$dir/err")"

# A pipe's format is not guessed: the guess consumed the pipe's start (a
# binary trace read 8 KiB out of step, a CSV without its header), and a
# FIFO whose writer had gone hung.  Named, it reads whole.
python3 -c "import struct,sys; sys.stdout.buffer.write(b''.join(struct.pack('<IQIq', i, o, 1, -1) for i, o in enumerate([1, 2, 3, 1, 4, 1, 2, 5, 1, 2])))" >"$dir/s1.bin"
set +e
"$bin" cache --trace /dev/stdin --policy lru --size 2 <"$dir/s1.bin" >"$dir/out" 2>"$dir/err"; got=$?
set -e
[ "$got" -eq 0 ] || fail "a redirected file is a regular file: exit $got ($(cat "$dir/err"))"
set +e
cat "$dir/s1.bin" | "$bin" cache --trace /dev/stdin --policy lru --size 2 >"$dir/out" 2>"$dir/err"; got=$?
set -e
[ "$got" -eq 2 ] && grep -q '/dev/stdin: not a regular file .* name its format with --trace-format' "$dir/err" || fail "pipe: exit $got ($(cat "$dir/err"))"
set +e
cat "$dir/s1.bin" | "$bin" cache --trace /dev/stdin --trace-format oracleGeneral --policy lru --size 2 --format csv >"$dir/out" 2>"$dir/err"; got=$?
set -e
# LRU of 2 unit objects over 1 2 3 1 4 1 2 5 1 2: hits only at the 6th request.
[ "$got" -eq 0 ] && grep -qx '2,10,0.900000,0.900000' "$dir/out" || fail "pipe with its format: exit $got ($(cat "$dir/out" "$dir/err"))"
rm -f "$dir/fifo"
mkfifo "$dir/fifo"
cat "$dir/s1.bin" >"$dir/fifo" &
set +e
timeout 20 "$bin" cache --trace "$dir/fifo" --policy lru --size 2 >"$dir/out" 2>"$dir/err"; got=$?
set -e
[ "$got" -eq 2 ] || fail "fifo: exit $got ($(cat "$dir/err"))"
cat "$dir/fifo" >/dev/null # the writer, if it is still there
wait

# A statistics table that cannot be written fails, saying so (text once
# exited 0); times going back are counted.
printf 'time,id,size\n5,1,10\n3,2,10\n' >"$dir/back.csv"
set +e
"$bin" trace inspect "$dir/back.csv" >/dev/full 2>"$dir/err"
got=$?
set -e
[ "$got" -eq 1 ] && grep -q 'cannot write the statistics' "$dir/err" || fail "inspect > /dev/full: $(cat "$dir/err")"
"$bin" trace inspect "$dir/back.csv" >"$dir/out" 2>&1
grep -q '^times going back   1 request earlier than the one before' "$dir/out" || fail "times going back: $(cat "$dir/out")"

if [ "$fails" -ne 0 ]; then
	echo "trace_cli: $fails failure(s)"
	exit 1
fi
echo "trace_cli: ok"
