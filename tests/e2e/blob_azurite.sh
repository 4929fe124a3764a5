#!/bin/sh
# End-to-end test of the Blob REST backend (refimpl/blob.c) against Azurite,
# Microsoft's Azure Storage emulator: installs the pinned Azurite into
# build/azurite (scripts/azurite.sh), starts it on a free loopback port with
# its data under SCRATCHDIR, runs tests/test_blob with TIERSIM_AZURITE_URL
# set (so its integration tests run rather than skip), checks that no
# credential reached any output or log, and stops Azurite (also on failure).
#
# Then `tierref probe --cold` against the same Azurite: it exits 0; the
# preset's [tier cold] has model = cold, ttfb = empirical(...),
# connection_bw, egress, ingress and the client's CPU per GET and PUT
# (cpu_read_op, cpu_read_wake, cpu_write_op, cpu_write_wake), every
# number commented, and no
# request-rate limit; no scratch blob is left (List Blobs, signed here
# independently of blob.c, in node); `tiersim validate hardware` loads the
# preset for a measured hot + cold run (tierref populate and run of a
# short trace) and its exact rows agree; a write-back of an object of
# several chunks into the Blob tier (its pieces) runs and agrees exactly;
# bad --cold input exits 2 without printing the key.
#
# Usage (from the repository root): sh tests/e2e/blob_azurite.sh TIERSIM SCRATCHDIR
# The test binary is $(dirname TIERSIM)/tests/test_blob and tierref is
# $(dirname TIERSIM)/tierref; they are built if missing.  Azurite is a
# required part: if npm cannot install it (no network), this test FAILS and
# says why; it does not skip.
set -eu
bin=$1
dir=$2
build=$(dirname "$bin")
test_bin="$build/tests/test_blob"
R="$build/tierref"
data="$dir/azurite"
# The emulator's documented development key (public), to look for in logs.
dev_key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

fail() {
	echo "FAIL: blob_azurite: $*"
	exit 1
}

for b in "$test_bin" "$R"; do
	if [ ! -x "$b" ]; then
		echo "blob_azurite: building $b"
		make --no-print-directory BUILD="$build" "$b" >"$dir/build.log" 2>&1 ||
			{ tail -20 "$dir/build.log"; fail "cannot build $b (log above)"; }
	fi
done

sh scripts/azurite.sh install || fail "Azurite could not be installed (reason above); it is required for this test"

trap 'sh scripts/azurite.sh stop "$data" || true' EXIT INT TERM
url=$(sh scripts/azurite.sh start 0 "$data") || fail "Azurite did not start (reason above)"
echo "blob_azurite: Azurite $(sh scripts/azurite.sh version) at $url"

set +e
TIERSIM_AZURITE_URL=$url "$test_bin" >"$dir/test.log" 2>&1
rc=$?
set -e
cat "$dir/test.log"
[ "$rc" -eq 0 ] || fail "test_blob exited $rc"
grep -q 'OK \] test_az_put_then_get_round_trips' "$dir/test.log" && ! grep -q "integration tests skipped" "$dir/test.log" ||
	fail "the Azurite integration tests did not run"

# Credentials never appear in output or logs (the key, or a signature header).
for f in "$dir/test.log" "$data/azurite.log"; do
	if grep -F -q -e "$dev_key" -e "SharedKey devstoreaccount1:" "$f"; then
		fail "a credential appears in $f"
	fi
done
echo "blob_azurite: test_blob ok"

# ---- tierref probe --cold ----
set +e # failures are counted by check
fails=0
check() {
	what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
TIERREF_BLOB_KEY=$dev_key
export TIERREF_BLOB_KEY
COLD=$url/probe-e2e
mkdir -p "$dir/hot"

# The blobs under a prefix of the container, counted by a List Blobs that
# node signs (SharedKey, "Authorize with Shared Key"), not blob.c.
list_count() {
	node -e '
const crypto = require("crypto"), http = require("http");
const [base, container, prefix] = process.argv.slice(1);
const u = new URL(base), account = u.pathname.replace(/^\//, "");
const path = `/${account}/${container}`, date = new Date().toUTCString(), ver = "2021-08-06";
const sts = "GET\n\n\n\n\n\n\n\n\n\n\n\n" + `x-ms-date:${date}\nx-ms-version:${ver}\n` +
  `/${account}${path}\ncomp:list\nprefix:${prefix}\nrestype:container`;
const sig = crypto.createHmac("sha256", Buffer.from(process.env.TIERREF_BLOB_KEY, "base64")).update(sts).digest("base64");
const q = `restype=container&comp=list&prefix=${encodeURIComponent(prefix)}`;
http.get({ host: u.hostname, port: u.port, path: `${path}?${q}`,
  headers: { "x-ms-date": date, "x-ms-version": ver, Authorization: `SharedKey ${account}:${sig}` } }, res => {
  let body = ""; res.on("data", d => body += d);
  res.on("end", () => { if (res.statusCode != 200) { console.log("HTTP " + res.statusCode); process.exit(1); }
    console.log((body.match(/<Blob>/g) || []).length); });
}).on("error", e => { console.log(e.message); process.exit(1); });' "$url" "$1" "$2"
}

"$R" probe --hot "$dir/hot" --cold "$COLD" --seconds 0.05 --scratch 16MiB --cold-scratch 16MiB --out "$dir/p.ini" >"$dir/probe" 2>&1; s=$?
cat "$dir/probe"
check "probe --cold exits 0" test "$s" = 0
sed -n '/^\[tier cold\]/,/^\[/p' "$dir/p.ini" >"$dir/cold.ini"
sed -n '/^; tier cold:/,$p' "$dir/p.ini"
check "preset has [tier cold] with model = cold" grep -q '^model = cold$' "$dir/cold.ini"
check "ttfb is an empirical distribution" grep -q '^ttfb = empirical(' "$dir/cold.ini"
check "put_ttfb (the PUTs' own) is an empirical distribution" grep -q '^put_ttfb = empirical(' "$dir/cold.ini"
for k in egress ingress connection_bw; do
	check "$k measured" grep -q "^$k = [0-9.e+]*MB/s$" "$dir/cold.ini"
done
check "account_rate and blob_rate are not set (the model's defaults stand)" sh -c "! grep -q -e '^account_rate' -e '^blob_rate' '$dir/cold.ini'"
for k in cpu_read_op cpu_read_wake cpu_write_op cpu_write_wake; do
	check "$k measured (the client's CPU per request)" grep -q "^$k = [0-9.e+]*us$" "$dir/cold.ini"
done
check "every measured number commented" sh -c "! awk '/^[a-z_]+ = / && \$1 != \"model\" && prev !~ /^;/ { bad = 1 } { prev = \$0 } END { exit !bad }' '$dir/cold.ini'"
sed -n '/^\[tier hot\]/,/^\[/p' "$dir/p.ini" >"$dir/hot.ini"
# discard_bw: the disk's rate where the scratch set's punches sent it
# discards, else 0 saying why (tmpfs, or a mount without discard).
check "hot discard_bw measured, or 0 with the reason" sh -c "grep -Eq '^discard_bw = ([0-9.e+]+MB/s|0)$' '$dir/hot.ini' && grep -q '^; discard_bw: ' '$dir/hot.ini'"
check "no preset line over cfg's 198 bytes" sh -c "! awk 'length(\$0) > 198 { bad = 1 } END { exit !bad }' '$dir/p.ini'"
n=$(list_count probe-e2e probe-); echo "scratch blobs left under probe-: $n"
check "no scratch blob is left (List Blobs under probe-)" test "$n" = 0
check "the probe printed no credential" sh -c "! grep -F -q -e '$dev_key' -e 'SharedKey devstoreaccount1:' '$dir/probe' '$dir/p.ini'"

# The preset's sections load into a measured hot + cold run.
TRACE=$(cd ../shared/traces/cloudphysics && pwd)/cloudPhysicsIO.oracleGeneral.bin
cat >"$dir/s.ini" <<INI
[run]
seed = 7
[cluster]
nodes = 1
chunk = 64KiB
[tier hot]
model = nvme
capacity = 2MiB
policy = lru
[tier cold]
model = cold
[workload]
trace = $TRACE
format = oracleGeneral
mode = closed
outstanding = 1
requests = 300
INI
args="--hot $dir/hot --cold $url/probe-e2e-run"
"$R" populate "$dir/s.ini" $args >"$dir/pop" 2>&1; s=$?
check "populate (hot + cold) exits 0" test "$s" = 0 || cat "$dir/pop"
"$R" run "$dir/s.ini" $args --out "$dir/r.db" >"$dir/run" 2>&1; s=$?
check "run (hot + cold) exits 0" test "$s" = 0 || cat "$dir/run"
# The measured run's 503s and retries are printed as the simulated run's
# are (the line once needed a cost, which only the model has).
check "run prints the Blob tier's 503s and retries" grep -q '^backend\.cold: [0-9]* answers 503 (throttled), [0-9]* retries, [0-9]* gave up$' "$dir/run"
n=$(list_count probe-e2e-run obj/)
check "the listing sees populated blobs ($n under obj/), so its 0 above means none" test "$n" -gt 0
"$bin" validate hardware --measured "$dir/r.db" --preset "$dir/p.ini" --format csv >"$dir/v.csv" 2>"$dir/v.err"; s=$?
cat "$dir/v.err"
check "validate hardware loads the preset's [tier cold] (exit 0 or 1, not 2)" test "$s" = 0 -o "$s" = 1
check "the cold tier's rows print" grep -q '^tier\.cold\.' "$dir/v.csv"
bad=$(grep ',exact,' "$dir/v.csv" | grep -v ',pass$')
check "every exact row agrees${bad:+: $bad}" test -z "$bad"
grep '^tier\.cold\.' "$dir/v.csv" | head -5

# Write-back into the Blob tier of an object larger than a chunk: its
# drains are pieces of one blob (blob.h, piece_bytes: Put Block and Put
# Block List each); the run succeeds, and its exact rows (4 MiB written
# to the cold tier, by 4 drains) agree with the simulation.
cat >"$dir/wb.ini" <<INI
[run]
seed = 1
[cluster]
nodes = 1
chunk = 1MiB
[tier hot]
model = nvme
capacity = 64MiB
policy = lru
write = back
dirty_budget = 32MiB
[tier cold]
model = cold
[job ckpt]
type = checkpoint
gpus_per_node = 1
checkpoint_bytes = 4MiB
checkpoints = 1
computation_time = 10ms
INI
mkdir -p "$dir/hot-wb"
"$R" populate "$dir/wb.ini" --hot "$dir/hot-wb" --cold "$url/probe-e2e-wb" >"$dir/wb.pop" 2>&1
"$R" run "$dir/wb.ini" --hot "$dir/hot-wb" --cold "$url/probe-e2e-wb" --out "$dir/wb.db" >"$dir/wb.out" 2>"$dir/wb.err"; s=$?
cat "$dir/wb.err"
check "write-back of a 4 MiB object into the Blob tier, in 1 MiB pieces: exit 0" test "$s" = 0
"$bin" validate hardware --measured "$dir/wb.db" --preset "$dir/p.ini" --format csv >"$dir/wb.csv" 2>"$dir/wb.verr"
bad=$(grep ',exact,' "$dir/wb.csv" | grep -v ',pass$')
check "... every exact row agrees with the simulation${bad:+: $bad}" test -z "$bad"
check "... 4 MiB reached the cold tier" grep -q '^tier\.cold\.write_bytes,exact,4194304,' "$dir/wb.csv"
# The same again, into the blob the run above wrote: the first commit
# finds it there (If-None-Match), Get Block List says it is made of
# pieces, and they are kept, so the run succeeds as before.
"$R" run "$dir/wb.ini" --hot "$dir/hot-wb" --cold "$url/probe-e2e-wb" --out "$dir/wb1.db" >"$dir/wb1.out" 2>"$dir/wb1.err"; s=$?
cat "$dir/wb1.err"
check "write-back again into the blob an earlier run wrote in pieces: exit 0" test "$s" = 0
# Drains go out of order as their writes finish, so either run may have
# staged a fill (zeros before a piece whose earlier slot is not yet
# written: blob.h), one request more each.
reqs() {
	sqlite3 "$1" "select cast(sum(case name when 'backend.cold.http.requests' then value else -value end) as int)
		from metrics where name in ('backend.cold.http.requests', 'backend.cold.fill.blocks')"
}
check "... with its two more requests (the refused commit, Get Block List), fills aside" test "$(reqs "$dir/wb1.db")" = "$(($(reqs "$dir/wb.db") + 2))"
# A container nobody created: refused before the run, once, with the
# service's answer, and nothing recorded (it once ran, every drain
# failing with 404).
"$R" run "$dir/wb.ini" --hot "$dir/hot-wb" --cold "$url/probe-e2e-none" --out "$dir/wb2.db" >"$dir/wb2.out" 2>"$dir/wb2.err"; s=$?
cat "$dir/wb2.err"
check "write-back into a missing container: exit 1 before the run, nothing recorded" test "$s" = 1 -a ! -e "$dir/wb2.db"
check "... saying so" grep -q 'HTTP 404 ContainerNotFound' "$dir/wb2.err"
# A chunk written back into a blob populate wrote whole: every request is
# served (the hot tier acknowledges), the drain fails (its commit would
# drop the rest of the blob); the run says so, exit 1, with the counts per
# tier and the Blob backend's reason, and is still recorded.
cat >"$dir/ww.ini" <<INI
[run]
seed = 1
[cluster]
nodes = 1
chunk = 64KiB
[tier hot]
model = nvme
capacity = 1MiB
policy = lru
write = back
dirty_budget = 512KiB
[tier cold]
model = cold
[workload]
trace = ww.csv
format = csv
mode = closed
outstanding = 1
INI
printf 'time,id,size,op\n0,5,196608,r\n1,5,65536,w\n' >"$dir/ww.csv"
mkdir -p "$dir/hot-ww"
"$R" populate "$dir/ww.ini" --hot "$dir/hot-ww" --cold "$url/probe-e2e-ww" >/dev/null 2>&1
"$R" run "$dir/ww.ini" --hot "$dir/hot-ww" --cold "$url/probe-e2e-ww" --out "$dir/ww.db" >"$dir/ww.out" 2>"$dir/ww.err"; s=$?
cat "$dir/ww.err"
check "a chunk written back into a whole blob: exit 1" test "$s" = 1
check "... naming the failed drain per tier and the reason" sh -c "grep -q 'operations failed in the tiers (hot 1 (1 drains lost), cold 1;' '$dir/ww.err' && grep -q 'written whole' '$dir/ww.err'"
check "... and the run is recorded" grep -q 'kind measured' "$dir/ww.out"
check "... the summary notes the tier's failed operations beside its hits" grep -q '^note: tier cold: 1 operation failed; its hits' "$dir/ww.out"

# ---- bad input: exit 2, a clear message, no key ----
"$R" probe --hot "$dir/hot" --cold "ftp://127.0.0.1/devstoreaccount1/c" --out "$dir/x.ini" >/dev/null 2>"$dir/err"; s=$?
check "probe --cold with a non-http URL: exit 2, says so" sh -c "test $s = 2 && grep -q 'not an http' '$dir/err'"
"$R" probe --hot "$dir/hot" --cold "$COLD" --cold-scratch 1MiB --out "$dir/x.ini" >/dev/null 2>"$dir/err"; s=$?
check "probe --cold-scratch under 4 MiB: exit 2, says so" sh -c "test $s = 2 && grep -q 'cold-scratch 1MiB: give at least 4MiB' '$dir/err'"
"$R" probe --hot "$dir/hot" --cold "${url%/devstoreaccount1}" --out "$dir/x.ini" >/dev/null 2>"$dir/err"; s=$?
check "probe --cold with no container: exit 2, says so" sh -c "test $s = 2 && grep -q 'no container' '$dir/err'"
"$R" probe --hot "$dir/hot" --cold "$COLD?sig=x" --out "$dir/x.ini" >/dev/null 2>"$dir/err"; s=$?
check "probe --cold with a query in the URL: exit 2, points to TIERREF_BLOB_SAS" sh -c "test $s = 2 && grep -q 'TIERREF_BLOB_SAS' '$dir/err'"
"$R" probe --hot "$dir/hot" --cold "$url/Bad_Name" --out "$dir/x.ini" >/dev/null 2>"$dir/err"; s=$?
check "probe --cold with an invalid container name: exit 2, names it" sh -c "test $s = 2 && grep -q 'Bad_Name' '$dir/err'"
env -u TIERREF_BLOB_KEY -u TIERREF_BLOB_SAS "$R" probe --hot "$dir/hot" --cold "$COLD" --out "$dir/x.ini" >/dev/null 2>"$dir/err"; s=$?
check "probe --cold without credentials: exit 2, names the variables" sh -c "test $s = 2 && grep -q TIERREF_BLOB_KEY '$dir/err'"
env -u TIERREF_BLOB_KEY TIERREF_BLOB_SAS="sv=1&sig=x
" "$R" probe --hot "$dir/hot" --cold "$COLD" --out "$dir/x.ini" >/dev/null 2>"$dir/err"; s=$?
check "probe with a SAS that ends in a line end: exit 2, names the variable" sh -c "test $s = 2 && grep -q 'TIERREF_BLOB_SAS holds white space' '$dir/err'"
"$R" probe --hot "$dir/hot" --cold "http://127.0.0.1:99999/devstoreaccount1/c1" --out "$dir/x.ini" >/dev/null 2>"$dir/err"; s=$?
check "probe --cold with port 99999: exit 2, says so" sh -c "test $s = 2 && grep -q 'port \"99999\" is not 1 to 65535' '$dir/err'"
check "no probe output was written on bad input" test ! -e "$dir/x.ini"
check "no message printed the key" sh -c "! grep -F -q '$dev_key' '$dir/err'"

[ "$fails" -eq 0 ] || fail "$fails probe checks failed"
echo "blob_azurite: ok"
