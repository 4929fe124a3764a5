#!/bin/sh
# End-to-end: `tierref populate` and `tierref run` — a trace run for real
# through hot (a directory per node), warm (a shared directory) and cold
# (Azure Blob on Azurite) tiers, checked against `tiersim run` of the same
# scenario and trace: one node, closed loop at depth 1 (no two requests
# overlap), so hits, misses and bytes per tier must agree EXACTLY (issue 5).
# Also: every byte read verified; a corrupt blob and a corrupt warm file
# detected (exit 1, verify.mismatches > 0); no --hot / no --cold -> exit 2;
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

# --- run for real, and in simulation ---
"$R" run "$D/s.ini" $args --out "$D/r.db" >"$D/run" 2>&1; s=$?
cat "$D/run"
check "run exits 0" test "$s" = 0
check "kind = measured" test "$(q "$D/r.db" "select kind from runs")" = measured
check "every request completed (2000)" test "$(q "$D/r.db" "select cast(value as int) from metrics where name='replay.completed'")" = 2000
check "no request failed" test "$(q "$D/r.db" "select cast(value as int) from metrics where name='replay.failed'")" = 0
check "verify.mismatches = 0" test "$(q "$D/r.db" "select cast(value as int) from metrics where name='verify.mismatches'")" = 0
check "the scenario text is stored" test "$(q "$D/r.db" "select scenario like '%[tier cold]%' from runs")" = 1
check "the summary names the tiers" grep -q '^cold ' "$D/run"
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

# --- Azurite down: bounded retries, then exit 1, never a hang ---
sh scripts/azurite.sh stop "$data"
start=$(date +%s)
timeout 120 "$R" run "$D/s.ini" $args --cold-retries 2 --out "$D/d.db" >/dev/null 2>"$D/derr"; s=$?
took=$(( $(date +%s) - start ))
cat "$D/derr"
check "Azurite down: exit 1 (not a hang: $took s)" test "$s" = 1
check "Azurite down: a clear error" grep -q 'cold tier at .* does not answer' "$D/derr"
check "Azurite down: within 30 s" test "$took" -le 30

echo "tierref_run: $fails failed"
[ "$fails" -eq 0 ]
