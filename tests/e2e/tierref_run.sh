#!/bin/sh
# End-to-end: `tierref populate` and `tierref run` — a trace run for real
# through hot (a directory per node), warm (a shared directory) and cold
# (Azure Blob on Azurite) tiers, checked against `tiersim run` of the same
# scenario and trace: one node, closed loop at depth 1 (no two requests
# overlap), so hits, misses and bytes per tier must agree EXACTLY (issue 5).
# Also: every byte read verified; a corrupt blob and a corrupt warm file
# detected (exit 1, verify.mismatches > 0); no --hot / no --cold -> exit 2;
# populate into a file system without room -> exit 1, nothing written;
# Azurite down -> bounded retries, then exit 1, no hang.
#
# Usage (from the repository root): sh tests/e2e/tierref_run.sh /abs/build/tiersim SCRATCH
# tierref is $(dirname TIERSIM)/tierref (built if missing).  Azurite is
# required (scripts/azurite.sh installs it); this test fails if it cannot.
set -u
T=$1; D=$2
build=$(dirname "$T")
R=$build/tierref
fails=0
check() {
	what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
q() { sqlite3 "$1" "$2"; }
TRACE=$(cd ../shared/traces/cloudphysics && pwd)/cloudPhysicsIO.oracleGeneral.bin
data=$D/azurite

if [ ! -x "$R" ]; then
	make --no-print-directory BUILD="$build" "$R" >"$D/build.log" 2>&1 || { tail -20 "$D/build.log"; echo "FAIL cannot build $R"; exit 1; }
fi
sh scripts/azurite.sh install || { echo "FAIL Azurite could not be installed (above); it is required"; exit 1; }
trap 'sh scripts/azurite.sh stop "$data" || true' EXIT INT TERM
url=$(sh scripts/azurite.sh start 0 "$data") || { echo "FAIL Azurite did not start"; exit 1; }
echo "tierref_run: Azurite at $url"
# The emulator's documented development key (public).
TIERREF_BLOB_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
export TIERREF_BLOB_KEY
COLD=$url/tierref-e2e

# Three tiers, each a cache of the one below; the first 2000 requests.
cat >"$D/s.ini" <<INI
[run]
seed = 7
[cluster]
nodes = 1
chunk = 64KiB
nic = 400Gb/s
[tier hot]
model = nvme
capacity = 2MiB
policy = lru
drives = 8
read_bw = 14GB/s
[tier warm]
model = warm
capacity = 6MiB
policy = lru
metadata = mds
frontends = 8
[tier cold]
model = cold
metadata = blobmeta
ttfb = lognormal(20ms, 1)
[metadata mds]
servers = 4
[metadata blobmeta]
servers = 1
threads = 64
[workload]
trace = $TRACE
format = oracleGeneral
mode = closed
outstanding = 1
requests = 2000
INI
mkdir -p "$D/hot" "$D/warm"
args="--hot $D/hot --warm $D/warm --cold $COLD"

# --- populate, twice (idempotent) ---
"$R" populate "$D/s.ini" $args >"$D/pop1" 2>&1; s=$?
cat "$D/pop1"
check "populate exits 0" test "$s" = 0
check "populate wrote objects" grep -Eq ' [1-9][0-9]* written' "$D/pop1"
"$R" populate "$D/s.ini" $args >"$D/pop2" 2>&1; s=$?
cat "$D/pop2"
check "populate again exits 0 and writes nothing (idempotent)" grep -q ': 0 written (0.000 GB), [1-9][0-9]* already there, 0 failed' "$D/pop2"
# The key from a file, after a blank line and an indent (once "empty").
printf '\n  %s\n' "$TIERREF_BLOB_KEY" >"$D/key"
env -u TIERREF_BLOB_KEY "$R" populate "$D/s.ini" $args --cold-key-file "$D/key" >"$D/pop3" 2>&1
check "--cold-key-file: the key is the file's first word" grep -q ': 0 written (0.000 GB), [1-9][0-9]* already there' "$D/pop3"
# Files that cannot hold a key say why (a directory was "empty", a longer
# file's key was cut at 511 bytes).
printf '\000\000' >"$D/keynul"
head -c 600 /dev/zero | tr '\0' A >"$D/keylong"
for k in "$D" "$D/keynul" "$D/keylong"; do
	env -u TIERREF_BLOB_KEY "$R" populate "$D/s.ini" $args --cold-key-file "$k" >/dev/null 2>"$D/kerr"; s=$?
	check "--cold-key-file $(basename "$k"): exit 2, saying why ($(cat "$D/kerr"))" sh -c \
		"test $s = 2 && grep -q 'Is a directory\|NUL byte\|longer than 511' '$D/kerr'"
done

# --- run for real, and in simulation ---
"$R" run "$D/s.ini" $args --out "$D/r.db" >"$D/run" 2>&1; s=$?
cat "$D/run"
check "run exits 0" test "$s" = 0
check "kind = measured" test "$(q "$D/r.db" "select kind from runs")" = measured
check "every request completed (2000)" test "$(q "$D/r.db" "select cast(value as int) from metrics where name='replay.completed'")" = 2000
check "no request failed" test "$(q "$D/r.db" "select cast(value as int) from metrics where name='replay.failed'")" = 0
check "verify.mismatches = 0" test "$(q "$D/r.db" "select cast(value as int) from metrics where name='verify.mismatches'")" = 0
# A bounded tier's files hold no more than its capacity: an evicted
# chunk's blocks are freed (backend.h, discard).  They once stayed: a
# 4 MiB hot tier left 13 MB on the disk, and make validate's KV-cache case
# 6.7 GB.  (Blocks of 512 bytes; a chunk whose object was in use when it
# left keeps its blocks, and a small allowance covers that.)
kib() { find "$1" -type f -printf '%b\n' | awk '{ s += $1 } END { print int(s / 2) }'; }
hk=$(kib "$D/hot"); wk=$(kib "$D/warm")
check "the hot tier's files hold about its 2 MiB ($hk KiB)" test "$hk" -le 2304
check "the warm tier's files hold about its 6 MiB ($wk KiB)" test "$wk" -le 6400
check "the hot tier freed what it evicted (backend.hot.node0.discards > 0)" test "$(q "$D/r.db" "select value > 0 from metrics where name='backend.hot.node0.discards'")" = 1
# Objects of several chunks, cycled through a tier of four: an eviction
# nearly always finds its object's fill still in flight.  Those discards
# wait for it (they were skipped for good: 5,120 KiB in a 1 MiB tier).
mkdir -p "$D/cyc/h" "$D/cyc/w"
{ echo 'time,id,size,op'; i=0; while [ $i -lt 400 ]; do echo "$i,$((i % 20)),262144,r"; i=$((i + 1)); done; } >"$D/cyc/t.csv"
printf '[run]\nseed = 1\n[cluster]\nnodes = 1\nchunk = 64KiB\n[tier hot]\nmodel = nvme\ncapacity = 1MiB\npolicy = lru\n[tier warm]\nmodel = warm\n[workload]\ntrace = t.csv\nformat = csv\nmode = closed\noutstanding = 1\n' >"$D/cyc/s.ini"
"$R" populate "$D/cyc/s.ini" --hot "$D/cyc/h" --warm "$D/cyc/w" >/dev/null 2>&1
"$R" run "$D/cyc/s.ini" --hot "$D/cyc/h" --warm "$D/cyc/w" --out "$D/cyc/m.db" >/dev/null 2>&1; s=$?
ck=$(kib "$D/cyc/h")
check "cycled objects: exit 0 ($s), and the 1 MiB hot tier's files hold 1 MiB ($ck KiB)" test "$s" = 0 -a "$ck" -le 1088
# The model discards what tierref punched, chunk for chunk, where each
# object is read once (50 of 2 MiB, 32 chunks, through the same 1 MiB
# tier: the first 16 chunks of each are evicted by the last 16 before
# their fills): a chunk evicted before its fill was written has no
# blocks, and neither discards it (the model once discarded 6,336 chunks of make validate's
# KV-cache case where tierref punched 2,496, and charged the disk for
# all).  Not with the cycled objects above: there tierref's punches wait
# for the object's fills, which lag behind the reads, and a re-fill of
# the chunk takes back most of them (88 punched of 1,584 evicted), where
# the model discards at each eviction.
{ echo 'time,id,size,op'; i=0; while [ $i -lt 50 ]; do echo "$i,$i,2097152,r"; i=$((i + 1)); done; } >"$D/cyc/t1.csv"
sed 's/^trace = t.csv$/trace = t1.csv/' "$D/cyc/s.ini" >"$D/cyc/s1.ini"
mkdir -p "$D/cyc/h1"
"$R" populate "$D/cyc/s1.ini" --hot "$D/cyc/h1" --warm "$D/cyc/w" >/dev/null 2>&1
"$R" run "$D/cyc/s1.ini" --hot "$D/cyc/h1" --warm "$D/cyc/w" --out "$D/cyc/m1.db" >"$D/cyc/m1.out" 2>&1
sed 's/^policy = lru$/policy = lru\ndiscard_bw = 1GB\/s/' "$D/cyc/s1.ini" >"$D/cyc/sd.ini"
"$T" run "$D/cyc/sd.ini" --out "$D/cyc/s1.db" >/dev/null 2>&1
mp=$(q "$D/cyc/m1.db" "select cast(value as int) from metrics where name='backend.hot.node0.discards'")
sp=$(q "$D/cyc/s1.db" "select cast(value as int) from metrics where name='backend.hot.node0.discards'")
rc=$(q "$D/cyc/s1.db" "select cast(value as int) from metrics where name='node0.raced'")
check "objects read once: fills raced their evictions ($rc)" test "${rc:-0}" -gt 0
check "objects read once: the model's discards are tierref's punches ($sp = $mp)" test -n "$mp" -a "${mp:-0}" -gt 0 -a "$sp" = "$mp"
# The hot tier's disk over the run (refimpl/realtiers.h), where its
# directory is on a block device: busy, and at least the bytes of the
# tier's direct writes (the block layer may merge two writes side by side
# into one request, so not their count; the journal's and anyone else's
# bytes come on top); the model's drive says its own busy time.
if [ -r "/sys/dev/block/$(stat -c '%Hd:%Ld' "$D/cyc/h1")/stat" ]; then
	dv() { q "$D/cyc/m1.db" "select value from metrics where name='backend.hot.node0.$1'"; }
	check "the run's disk was busy ($(dv device.busy) s)" test "$(q "$D/cyc/m1.db" "select value > 0 from metrics where name='backend.hot.node0.device.busy'")" = 1
	check "the disk wrote at least the tier's bytes ($(dv device.write_bytes) >= $(dv write.bytes))" test "$(q "$D/cyc/m1.db" "select (select value from metrics where name='backend.hot.node0.device.write_bytes') >= (select value from metrics where name='backend.hot.node0.write.bytes') and (select value from metrics where name='backend.hot.node0.write.bytes') > 0")" = 1
	check "the run says what its disk did" grep -q "^the disk of backend.hot.node0 meanwhile (its block device's counters, all its I/O): busy [0-9.]* s of the run's" "$D/cyc/m1.out"
fi
check "the model's drive says its busy time" test "$(q "$D/cyc/s1.db" "select value > 0 and unit = 's' from metrics where name='backend.hot.node0.transfer.busy'")" = 1
check "the scenario text is stored" test "$(q "$D/r.db" "select scenario like '%[tier cold]%' from runs")" = 1
check "the summary names the tiers" grep -q '^cold ' "$D/run"
check "the run says how fast the loop thread checked and generated bytes" grep -q "^the loop thread's content work (thread CPU time): backend.hot.node0: checked [1-9]" "$D/run"
check "the hot backend checked every byte it read (content.check_bytes = read.bytes)" test "$(q "$D/r.db" "select (select value from metrics where name='backend.hot.node0.content.check_bytes') = (select value from metrics where name='backend.hot.node0.read.bytes') and (select value from metrics where name='backend.hot.node0.read.bytes') > 0")" = 1
"$T" run "$D/s.ini" --out "$D/s.db" >"$D/sim" 2>&1 || cat "$D/sim"
n=0
for tier in hot warm cold; do
	for m in hits misses read_bytes write_bytes fill_bytes meta_ops; do
		real=$(q "$D/r.db" "select cast(value as int) from metrics where name='tier.$tier.$m'")
		sim=$(q "$D/s.db" "select cast(value as int) from metrics where name='tier.$tier.$m'")
		check "tier.$tier.$m: measured $real = simulated $sim" test -n "$real" -a "$real" = "$sim"
		n=$((n + 1))
	done
done
sq="attach '$D/s.db' as s; select count(*) from s.metrics where (name like 'tier.%' or name like 'node0.%' or name like 'replay.%') and name not in (select name from main.metrics)"
check "every simulated tier.*/node0.*/replay.* metric is measured too" test "$(q "$D/r.db" "$sq")" = 0
# --- a run cut at [run] until: the workload stops there ---
# The I/O in flight at the cut completes (tierref must wait for it), but
# nothing more is issued.  (The drain once ran the closed loop on, for up
# to 120 s: all 2000 requests.)
sed 's/^seed = 7$/seed = 7\nuntil = 150ms/' "$D/s.ini" >"$D/cut.ini"
"$R" run "$D/cut.ini" $args --out "$D/cut.db" >"$D/cutout" 2>&1; s=$?
check "cut run exits 0" test "$s" = 0 || cat "$D/cutout"
issued=$(q "$D/cut.db" "select cast(value as int) from metrics where name='replay.requests'")
done_=$(q "$D/cut.db" "select cast(value as int) from metrics where name='replay.completed'")
check "cut run: some requests, fewer than the trace's 2000 ($issued)" test "${issued:-0}" -gt 0 -a "${issued:-0}" -lt 2000
check "cut run: every request issued completed ($done_ of $issued)" test "$done_" = "$issued"

check "credentials never printed" sh -c "! grep -F -q -e '$TIERREF_BLOB_KEY' -e 'SharedKey devstoreaccount1:' '$D/pop1' '$D/run' '$data/azurite.log'"

# --- usage errors: exit 2 ---
"$R" run "$D/s.ini" --warm "$D/warm" --cold "$COLD" --out "$D/x.db" >/dev/null 2>"$D/err"; s=$?
check "no --hot: exit 2" test "$s" = 2
"$R" run "$D/s.ini" --hot "$D/hot" --warm "$D/warm" --out "$D/x.db" >/dev/null 2>"$D/err"; s=$?
check "no --cold: exit 2" test "$s" = 2
check "no --cold: the message names the tier and the flag" grep -q 'tier cold.*add --cold URL' "$D/err"
check "no database left by a usage error" test ! -e "$D/x.db"
"$R" --help >/dev/null && "$R" run --help >/dev/null && "$R" populate --help >/dev/null; s=$?
check "--help exits 0" test "$s" = 0
check "--version" sh -c "'$R' --version | grep -q '^tierref '"

# --- a corrupt blob is detected: flip a byte in Azurite's extent store ---
ext=$(ls -S "$data/store/__blobstorage__"/* 2>/dev/null | head -1)
if [ -n "$ext" ]; then
	size=$(wc -c <"$ext")
	python3 -c "
import sys
p, off = sys.argv[1], int(sys.argv[2]) // 2
with open(p, 'r+b') as f:
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 0xff]))" "$ext" "$size"
	rm -rf "$D/hot" "$D/warm"; mkdir -p "$D/hot" "$D/warm"
	"$R" run "$D/s.ini" $args --out "$D/c.db" >"$D/cout" 2>"$D/cerr"; s=$?
	cat "$D/cerr"
	check "corrupt blob: exit 1" test "$s" = 1
	check "corrupt blob: counted in verify.mismatches" test "$(q "$D/c.db" "select value > 0 from metrics where name='verify.mismatches'")" = 1
	check "corrupt blob: a clear message" grep -q 'failed verification' "$D/cerr"
else
	check "Azurite's extent store found" false
fi

# --- a corrupt warm file is detected (warm as the bottom tier) ---
cat >"$D/w.ini" <<INI
[cluster]
nodes = 1
[tier hot]
model = nvme
capacity = 2MiB
[tier warm]
model = warm
[workload]
trace = $TRACE
mode = closed
outstanding = 1
requests = 500
INI
mkdir -p "$D/h2" "$D/w2"
"$R" populate "$D/w.ini" --hot "$D/h2" --warm "$D/w2" >/dev/null 2>&1
f=$(find "$D/w2" -type f | sort | head -1)
printf 'X' | dd of="$f" bs=1 seek=0 conv=notrunc 2>/dev/null
"$R" run "$D/w.ini" --hot "$D/h2" --warm "$D/w2" --out "$D/w.db" >/dev/null 2>"$D/werr"; s=$?
cat "$D/werr"
check "corrupt warm file: exit 1" test "$s" = 1
check "corrupt warm file: counted in verify.mismatches" test "$(q "$D/w.db" "select value > 0 from metrics where name='verify.mismatches'")" = 1
check "corrupt warm file: the message names the file" grep -q 'wrong content' "$D/werr"

# --- an object that grows between requests ---
# Written at 48,128 bytes, read, then read at 69,632: its first 64 KiB
# chunk is held at hot with 48,128 bytes, so the second read must not hit
# there (it would read past what hot holds: once a "wrong content" and a
# failed request).  Measured and simulated agree, and every byte checks.
printf 'time,id,size,op\n0,7,48128,w\n1,7,48128,r\n2,7,69632,r\n' >"$D/grow.csv"
cat >"$D/grow.ini" <<INI
[cluster]
nodes = 1
chunk = 64KiB
[tier hot]
model = nvme
capacity = 4MiB
policy = lru
write = through
[tier warm]
model = warm
[workload]
trace = grow.csv
format = csv
mode = closed
outstanding = 1
INI
mkdir -p "$D/h4" "$D/w4"
"$R" populate "$D/grow.ini" --hot "$D/h4" --warm "$D/w4" >/dev/null 2>&1
"$R" run "$D/grow.ini" --hot "$D/h4" --warm "$D/w4" --out "$D/grow.db" >"$D/grow.out" 2>&1; s=$?
"$T" run "$D/grow.ini" --out "$D/grows.db" >/dev/null 2>&1
check "grown object: tierref exits 0 ($s)" test "$s" = 0
check "grown object: every byte read checks" grep -q 'verified every byte read: 0 mismatches' "$D/grow.out"
rows="select name || '=' || value from metrics where name in ('tier.hot.hits', 'tier.hot.misses', 'tier.hot.grown', 'tier.hot.fill_bytes') order by name"
# The second read is chunk 0 (65,536 bytes now, grown) and chunk 1 (4,096,
# new): two misses, both filled.
check "grown object: one hit, two misses (one grown), 65536 + 4096 bytes filled" \
	test "$(q "$D/grow.db" "$rows" | tr '\n' ' ')" = "tier.hot.fill_bytes=69632.0 tier.hot.grown=1.0 tier.hot.hits=1.0 tier.hot.misses=2.0 "
check "grown object: the simulation counts the same" test "$(q "$D/grow.db" "$rows")" = "$(q "$D/grows.db" "$rows")"

# --- Ctrl-C ends a run where it is, its results so far written ---
# A training job of 2,000 epochs over 8 small files (about 30 s here),
# sent SIGINT after 1.5 s: the workload stops, what is in flight
# completes, the run is recorded with run.interrupted = 2, exit 130.
cat >"$D/long.ini" <<INI
[cluster]
nodes = 1
chunk = 64KiB
[tier hot]
model = nvme
capacity = 256KiB
policy = lru
[tier warm]
model = warm
[job t]
type = training
workload = $PWD/scenarios/data/unet3d_h100.yaml
files = 8
gpus_per_node = 1
batch_size = 1
sample_bytes = 64KiB
sample_bytes_stdev = 0
epochs = 2000
computation_time = 1ms
INI
mkdir -p "$D/h5" "$D/w5"
"$R" populate "$D/long.ini" --hot "$D/h5" --warm "$D/w5" >/dev/null 2>&1
"$R" run "$D/long.ini" --hot "$D/h5" --warm "$D/w5" --out "$D/long.db" >"$D/long.out" 2>"$D/long.err" &
pid=$!
sleep 1.5
kill -INT "$pid"
wait "$pid"; s=$?
cat "$D/long.err"
check "SIGINT: tierref exits 130 ($s)" test "$s" = 130
check "SIGINT: says where the workload was stopped" grep -q '^interrupted at .* by SIGINT: the workload was stopped there' "$D/long.out"
check "SIGINT: the run is recorded, run.interrupted = 2, every byte read checked" \
	test "$(q "$D/long.db" "select count(*) from metrics where (name = 'run.interrupted' and value = 2) or (name = 'verify.mismatches' and value = 0)")" = 2

# --- populate into a file system without room: refused before writing ---
# 200 TB of model shards (16 of 12.5 TB, in 2 GiB chunks) into a warm
# directory on this machine's disk: more than it has free.
cat >"$D/big.ini" <<INI
[cluster]
nodes = 1
chunk = 2GiB
[tier hot]
model = nvme
capacity = 1MiB
[tier warm]
model = warm
[job load]
type = modelload
model_bytes = 200TB
shards = 16
INI
mkdir -p "$D/h3" "$D/w3"
"$R" populate "$D/big.ini" --hot "$D/h3" --warm "$D/w3" >/dev/null 2>"$D/bigerr"; s=$?
cat "$D/bigerr"
check "populate without room: exit 1" test "$s" = 1
check "populate without room: says what is free and what is needed" grep -q 'free, and the 16 objects still to write need 181.9 TiB; nothing was written' "$D/bigerr"
check "populate without room: wrote no file" test "$(find "$D/w3" -type f | wc -l)" = 0

sed -e "s#^trace = .*#trace = $TRACE#" scenarios/validate/cold.ini >"$D/gone.ini"
mkdir -p "$D/h6"
# --- a checkpoint restored later is written by the run, not populated ---
# (It was populated whole, and in a Blob tier the run's chunks could then
# not be committed over it.)
mkdir -p "$D/hc" "$D/wc"
"$R" populate scenarios/validate/checkpoint.ini --hot "$D/hc" --warm "$D/wc" >"$D/popc" 2>&1
check "populate of a checkpoint that is restored: nothing to write" grep -q 'holds the 0 objects .*: 0 written' "$D/popc"

# --- a container that is not there: refused before the run ---
# (404 ContainerNotFound once passed the check that the store answers,
# and the whole run failed request by request.)
"$R" run "$D/gone.ini" --hot "$D/h6" --cold "$COLD-nosuch" --out "$D/nosuch.db" >/dev/null 2>"$D/nosuch.err"; s=$?
cat "$D/nosuch.err"
check "no such container: exit 1 before the run" test "$s" = 1 -a ! -e "$D/nosuch.db"
check "no such container: says so" grep -q 'answered 404 for a blob, but not BlobNotFound (.*ContainerNotFound)' "$D/nosuch.err"

# --- Azurite gone mid-run: the run ends, exit 1, not hours later ---
# A replay that goes to the store one request at a time; the store stops
# a second in.  Three requests that give up without reaching it, each
# after its retries, take the tier as down, and what comes after fails at
# once (it once went on for hours, 4 connection attempts per request).
"$R" populate "$D/gone.ini" --hot "$D/h6" --cold "$COLD-gone" >/dev/null 2>&1
start=$(date +%s)
"$R" run "$D/gone.ini" --hot "$D/h6" --cold "$COLD-gone" --out "$D/gone.db" >"$D/gone.out" 2>"$D/gone.err" &
pid=$!
sleep 1
sh scripts/azurite.sh stop "$data"
wait "$pid"; s=$?
took=$(( $(date +%s) - start ))
cat "$D/gone.err"
check "Azurite gone mid-run: exit 1 ($s)" test "$s" = 1
check "Azurite gone mid-run: over within 60 s ($took s)" test "$took" -le 60
check "Azurite gone mid-run: says the endpoint was taken as down" grep -q 'the endpoint did not answer, or refused (HTTP 503 or 500), 3 requests in a row, each tried 4 times .*: taken as down' "$D/gone.err"

# --- Azurite down: bounded retries, then exit 1, never a hang ---
sh scripts/azurite.sh stop "$data"
start=$(date +%s)
timeout 120 "$R" run "$D/s.ini" $args --cold-retries 2 --out "$D/d.db" >/dev/null 2>"$D/derr"; s=$?
took=$(( $(date +%s) - start ))
cat "$D/derr"
check "Azurite down: exit 1 (not a hang: $took s)" test "$s" = 1
check "Azurite down: a clear error" grep -q 'cold tier at .* does not answer' "$D/derr"
check "Azurite down: within 30 s" test "$took" -le 30
# --cold-retries 0 tries once (0 once meant the default, 3 retries).
"$R" run "$D/s.ini" $args --cold-retries 0 --out "$D/d0.db" >/dev/null 2>"$D/d0err"
check "--cold-retries 0: no retry" grep -q 'gave up after 0 retries' "$D/d0err"

# probe checks --out before it measures (it once measured for 7-19 s,
# then failed); its preset is written whole or not at all (a temporary
# file renamed into place).
"$R" probe --hot "$D/phot" --out "$D/none/x.ini" >/dev/null 2>"$D/perr"; s=$?
check "probe --out in a missing directory: exit 2 at once ($s)" test "$s" = 2
check "probe --out in a missing directory: says which" grep -q "none: No such file or directory" "$D/perr"
# Ctrl-C in a probe: what is in flight completes, nothing is written, and
# the scratch set goes (1 GiB of it was left in DIR/probe).
mkdir -p "$D/pint"
"$R" probe --hot "$D/pint" --out "$D/pint.ini" >/dev/null 2>"$D/pinterr" &
pid=$!
i=0
while [ ! -d "$D/pint/probe" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.5
kill -INT "$pid"
wait "$pid"; s=$?
check "probe interrupted: exit 130 ($s)" test "$s" = 130
check "probe interrupted: says so" grep -q 'interrupted by SIGINT: no preset written, the scratch sets removed' "$D/pinterr"
check "probe interrupted: no preset, no scratch set" test ! -e "$D/pint.ini" -a ! -e "$D/pint/probe"

echo "tierref_run: $fails failed"
[ "$fails" -eq 0 ]
