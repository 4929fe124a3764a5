#!/bin/sh
# End-to-end: GPU jobs through `tiersim run`: the bundled default, training
# AU against closed forms, and the KV-cache job on the bundled Mooncake
# slice.  Usage: jobs_run.sh /path/to/tiersim SCRATCH_DIR (from the repo root)
set -u
T=$1; D=$2
fails=0
check() {
	what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
q() { sqlite3 "$1" "$2"; }
metric() { q "$1" "select value from metrics where name = '$2'"; }
near() { awk -v a="$1" -v b="$2" -v tol="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= tol) }'; }
SLICE=$(pwd)/scenarios/data/mooncake_conversation_3min.jsonl

# --- the bundled default ---
"$T" run --out "$D/def.db" --plot "$D/plots" >"$D/out" 2>"$D/err"; s=$?
cat "$D/out" "$D/err"
check "default run exits 0" test "$s" = 0
check "summary shows the jobs' AU" grep -q '^train ' "$D/out"
check "the model load has a row, with no AU and its stall" grep -Eq '^load +[0-9.]+ +[0-9.]+$' "$D/out"
# More than 128 jobs: the message names the first one past the limit.
awk 'BEGIN { print "[tier b]\nmodel = fixed"; for (i = 0; i < 129; i++) printf "[job j%d]\ntype = modelload\nmodel_bytes = 1MB\nshards = 1\n", i }' >"$D/j129.ini"
"$T" run "$D/j129.ini" --out "$D/j129.db" >/dev/null 2>"$D/err"; s=$?
check "129 jobs: exit 2, naming the line of the 129th" sh -c "test $s = 2 && grep -q 'j129.ini:515: \[job j128\]: 129 jobs; at most 128' '$D/err'"
# One name per unit: the per-node metrics said bytes and count where the
# tiers' totals said B and chunks, and jobs' errors requests or operations.
check "metrics' units are the README's (no bytes, count, operations)" \
	test "$(q "$D/def.db" "select count(*) from metrics where unit in ('bytes', 'count', 'operations')")" = 0
check "summary shows metadata load" grep -q 'metadata services' "$D/out"
check "summary shows the object store's cost" grep -q 'cost \$' "$D/out"
check "the default run draws its plots" test -s "$D/plots/au.png" -a -s "$D/plots/bandwidth.png"
# the slice holds 556 requests (scenarios/data/README.md)
check "every inference request got a TTFT (556)" test "$(q "$D/def.db" "select count from histograms where name = 'job.infer.ttft'")" = 556
refs=$(grep -o '"hash_ids": \[[^]]*\]' "$SLICE" | tr -cd ',]\n' | awk '{ n += length($0) } END { print n }')
check "KV block references = the slice's hash_ids ($refs)" test "$(printf '%.0f' "$(metric "$D/def.db" job.infer.block_refs)")" = "$refs"
au=$(metric "$D/def.db" job.train.au)
check "training AU in (0, 1] ($au)" awk -v a="$au" 'BEGIN { exit !(a > 0 && a <= 1) }'
check "AU series sampled" test "$(q "$D/def.db" "select count(*) > 10 from series where name = 'job.train.au'")" = 1
check "a checkpoint stall per checkpoint" test "$(q "$D/def.db" "select count from histograms where name = 'job.train.checkpoint_stall'")" = "$(printf '%.0f' "$(metric "$D/def.db" job.train.checkpoints)")"

# --- training AU against closed forms ---
# Infinitely fast storage, on the node (no network): the GPUs never wait,
# AU = 100% exactly.
cat >"$D/fast.ini" <<'INI'
[cluster]
nodes = 2
[tier store]
model = fixed
scope = node
[job train]
type = training
gpus_per_node = 8
files = 256
sample_bytes = 64MiB
batch_size = 4
computation_time = 100ms
epochs = 2
INI
"$T" run "$D/fast.ini" --out "$D/fast.db" >"$D/out" 2>&1 || cat "$D/out"
check "infinitely fast storage: AU = 1" test "$(metric "$D/fast.db" job.train.au)" = 1.0
# Storage-bound: one NVMe drive per node reading B = 10.737418 GB/s, all
# requests sharing it, against a demand of D = 8 GPUs x 4 x 64 MiB / 0.1 s
# = 21.474836 GB/s: the loader runs flat out and AU = B/D = 0.5 (within 2%).
cat >"$D/slow.ini" <<'INI'
[cluster]
nodes = 1
chunk = 64MiB
[tier store]
model = nvme
drives = 1
read_bw = 10.737418GB/s
read_iops = 1M/s
parallelism = 64
read_latency = const(10us)
[job train]
type = training
gpus_per_node = 8
files = 2048
sample_bytes = 64MiB
batch_size = 4
computation_time = 100ms
epochs = 1
checkpoint = no
INI
"$T" run "$D/slow.ini" --out "$D/slow.db" >"$D/out" 2>&1 || cat "$D/out"
au=$(metric "$D/slow.db" job.train.au)
check "storage-bound: AU = B/D = 0.5 within 2% ($au)" near "$au" 0.5 0.01

# --- workload files: an unknown key is a warning (named), a wrong type an error ---
sed 's/^  batch_size: 7$/  batch_size: 7\n  bogus_key: 3/' scenarios/data/unet3d_h100.yaml >"$D/warn.yaml"
sed 's/^  batch_size: 7$/  batch_size: seven/' scenarios/data/unet3d_h100.yaml >"$D/bad.yaml"
for f in warn bad; do
	printf '[tier store]\nmodel = fixed\nscope = node\n[job t]\ntype = training\nworkload = %s.yaml\nsteps = 2\n' "$f" >"$D/$f.ini"
done
"$T" run "$D/warn.ini" --out "$D/warn.db" >/dev/null 2>"$D/err"; s=$?
check "unknown YAML key: the run goes on (exit 0)" test "$s" = 0
check "unknown YAML key: warned with file, line and key" grep -q "warn.yaml:25: unknown key 'reader.bogus_key'" "$D/err"
"$T" run "$D/bad.ini" --out "$D/bad.db" >/dev/null 2>"$D/err"; s=$?
cat "$D/err"
check "wrong YAML type: exit 2" test "$s" = 2
check "wrong YAML type: names file, line and key" grep -Eq "bad.yaml:24.*batch_size" "$D/err"
check "wrong YAML type: no database" test ! -e "$D/bad.db"

# --- an object of more than 2^24 chunks: refused when the job is built ---
# (with 4 KiB chunks, 2^24 chunks are 64 GiB), naming the key and the
# least chunk that would do: ceil(bytes / 2^24).
big() { # big NAME JOB-KEYS REGEX
	printf '[cluster]\nchunk = 4KiB\n[tier store]\nmodel = fixed\nscope = node\n[job j]\n%b' "$2" >"$D/$1.ini"
	rm -f "$D/$1.db"
	"$T" run "$D/$1.ini" --out "$D/$1.db" >/dev/null 2>"$D/err"; s=$?
	cat "$D/err"
	check "$1: exit 2" test "$s" = 2
	check "$1: names the key and the chunk" grep -Eq "$3" "$D/err"
	check "$1: no database" test ! -e "$D/$1.db"
}
big bigshard 'type = modelload\nmodel_bytes = 129GiB\nshards = 2\n' \
	"bigshard.ini:8: \\[job j\\] model_bytes: a shard of 69256347648 bytes is 16908288 chunks of 4096 bytes, .*at least 4128 bytes"
big bigckpt 'type = checkpoint\ncheckpoint_bytes = 65GiB\ncheckpoints = 1\n' \
	"bigckpt.ini:8: \\[job j\\] checkpoint_bytes: a checkpoint shard of 69793218560 bytes is"
big bigfile 'type = training\nfiles = 8\nsamples_per_file = 1024\nsample_bytes = 65MiB\nsteps = 1\n' \
	"bigfile.ini:9: \\[job j\\] samples_per_file: a dataset file of 69793218560 bytes is"
big bigblock "type = kvcache\ntrace = $PWD/scenarios/data/mooncake_conversation_3min.jsonl\nlayers = 1\nkv_heads = 1\nhead_dim = 1\ndtype_bytes = 1\nblock_tokens = 34359738369\n" \
	"bigblock.ini:13: \\[job j\\] block_tokens: a KV block of 68719476738 bytes is"

# --- a trace beside a job: their objects are apart ---
# The trace reads objects 0-15 before the job starts; the job reads its
# 16 files (one 1 s fetch each, then 100 ms of compute).  With the
# trace's ids in a range of their own (README, "Object ids") the job
# takes as long as it does alone; when trace object i was job file i,
# the job found its files in the cache and took 11.1 s instead of 16.1.
jobini() {
	printf '[cluster]\nnodes = 1\nchunk = 1MiB\nnic = 100000Tb/s\n[tier cache]\nmodel = fixed\nscope = node\n'
	printf 'capacity = 1GiB\nlatency = 1ms\n[tier store]\nmodel = fixed\nlatency = 1s\n%b' "$1"
	printf '[job t]\ntype = training\nstart = 5s\ngpus_per_node = 1\nfiles = 16\nsample_bytes = 1MiB\n'
	printf 'batch_size = 1\nread_threads = 1\nprefetch = 1\ncomputation_time = 100ms\nepochs = 1\n'
}
{ echo 'time,id,size,op'; for i in $(seq 0 15); do echo "0,$i,1048576,read"; done; } >"$D/alias.csv"
jobini "[workload]\ntrace = $D/alias.csv\nformat = csv\nmode = open\n" >"$D/alias.ini"
jobini "" >"$D/alone.ini"
"$T" run "$D/alias.ini" --out "$D/alias.db" >/dev/null 2>&1
"$T" run "$D/alone.ini" --out "$D/alone.db" >/dev/null 2>&1
wa=$(metric "$D/alias.db" job.t.wall_s); wb=$(metric "$D/alone.db" job.t.wall_s)
check "a job beside a trace takes as long as alone ($wa s, $wb s)" test -n "$wa" -a "$wa" = "$wb"

# --- a training job that would run past the clock's end ---
# Steps of 4,000,000 h: the second one's end would wrap past 2^64 ns, and
# the executor clamps such a time to now: a job once reported AU 137%
# and never ended.  A start past 2^62 ns is refused as it is read.
printf '[cluster]\nnodes = 1\n[tier store]\nmodel = fixed\nlatency = 1ms\n[job t]\ntype = training\n' >"$D/late.ini"
printf 'files = 8\nsamples_per_file = 1\nsample_bytes = 1MiB\nepochs = 5\ncomputation_time = 4000000h\n' >>"$D/late.ini"
timeout 120 "$T" run "$D/late.ini" --out "$D/late.db" >/dev/null 2>"$D/err"; s=$?
cat "$D/err"
check "a step past the clock's end: exit 2 ($s)" test "$s" = 2
check "a step past the clock's end: says so" grep -q "past the clock's end" "$D/err"
check "a step past the clock's end: no database" test ! -e "$D/late.db"
sed 's/^files = 8$/start = 5124095.5h\nfiles = 8/' "$D/late.ini" >"$D/later.ini"
timeout 120 "$T" run "$D/later.ini" --out "$D/later.db" >/dev/null 2>"$D/err"; s=$?
cat "$D/err"
check "a start past 2^62 ns: exit 2 ($s)" test "$s" = 2
check "a start past 2^62 ns: names the key" grep -q "later.ini:[0-9]*: \[job t\] start: at most 2^62 ns" "$D/err"

# sample_bytes replaces a workload file's mean size; its stdev stays, and
# a run says so (a 1 MiB mean kept a 68 MB stdev without a word).
jobini '' | sed 's|^sample_bytes = 1MiB$|workload = '"$(pwd)"'/scenarios/data/unet3d_h100.yaml\nsample_bytes = 1MiB\nsteps = 2|' >"$D/sd.ini"
"$T" run "$D/sd.ini" --out "$D/sd.db" >/dev/null 2>"$D/err"; s=$?
check "sample_bytes without sample_bytes_stdev beside a file's stdev: runs ($s)" test "$s" = 0
check "... and warns, naming the stdev" grep -q "record_length_stdev (68341808 bytes) still applies; set sample_bytes_stdev" "$D/err"
printf 'sample_bytes_stdev = 0\n' >>"$D/sd.ini"
"$T" run "$D/sd.ini" --out "$D/sd.db" >/dev/null 2>"$D/err"
check "... and not when the job sets its own" sh -c "! grep -q 'still applies' '$D/err'"

echo "jobs_run: $fails failed"
[ "$fails" -eq 0 ]
