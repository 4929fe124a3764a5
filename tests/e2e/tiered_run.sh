#!/bin/sh
# End-to-end: `tiersim run` on tiered clusters replaying the real
# CloudPhysics trace (../shared/traces/cloudphysics: 113,872 requests).
# Usage: tiered_run.sh /path/to/tiersim SCRATCH_DIR   (run from the repo root)
set -u
T=$1; D=$2
fails=0
check() {
	what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
q() { sqlite3 "$1" "$2"; }
TRACE=$(cd ../shared/traces/cloudphysics && pwd)/cloudPhysicsIO.oracleGeneral.bin

# --- the bundled example: four nodes, DRAM -> NVMe -> warm -> cold ---
"$T" run scenarios/cloudphysics-tiers.ini --out "$D/t.db" >"$D/out" 2>"$D/err"; s=$?
cat "$D/out" "$D/err"
check "example exits 0" test "$s" = 0
check "every trace request completes (113872, the trace's count)" test "$(q "$D/t.db" "select cast(value as int) from metrics where name='replay.completed'")" = 113872
check "no request failed" test "$(q "$D/t.db" "select cast(value as int) from metrics where name='replay.failed'")" = 0
check "served shares add up to 1" test "$(q "$D/t.db" "select round(sum(value), 9) from metrics where name like 'tier.%.served_share'")" = 1.0
# conservation: every node delivered exactly the bytes it was asked for
check "bytes delivered = bytes requested, on every node" test "$(q "$D/t.db" "select count(*) from metrics r join metrics d on d.run = r.run and d.name = replace(r.name, 'requested', 'delivered') where r.name like 'node%.read.requested_bytes' and r.value != d.value")" = 0
check "four nodes reported" test "$(q "$D/t.db" "select count(*) from metrics where name like 'node%.read.requested_bytes'")" = 4
# a fill follows a read from below, unless the chunk was evicted meanwhile
check "warm fills <= cold reads" test "$(q "$D/t.db" "select (select value from metrics where name='tier.warm.fill_bytes') <= (select value from metrics where name='tier.cold.read_bytes')")" = 1
# (tier.T.capacity is summed over the 4 nodes for a node tier, once for
# a shared one.)
for tier in dram nvme; do
	check "$tier never over capacity on any node" test "$(q "$D/t.db" "select count(*) from metrics u join metrics c on c.run = u.run and c.name = 'tier.$tier.capacity' where u.name like 'node%.$tier.used_bytes' and u.value > c.value / 4")" = 0
done
check "shared warm never over capacity" test "$(q "$D/t.db" "select max(u.value) <= c.value from metrics u join metrics c on c.name = 'tier.warm.capacity' where u.name like 'node%.warm.used_bytes'")" = 1
check "warm metadata operations counted" test "$(q "$D/t.db" "select value > 0 from metrics where name='tier.warm.meta_ops'")" = 1
check "cold costs summed" test "$(q "$D/t.db" "select value > 0 from metrics where name='backend.cold.cost.requests'")" = 1

# --- a run cut at --until stops there ---
# The trace replays 113,872 requests over about 23 s at 100x; cut at 2 s,
# fewer complete, none is counted past 2 s, and the run says it was cut.
# (A drain after the cut once ran the closed loop's whole trace and
# reported it as the first 2 s.)
"$T" run scenarios/cloudphysics-tiers.ini --until 2s --out "$D/cut.db" >"$D/out" 2>"$D/err"; s=$?
check "cut run exits 0" test "$s" = 0
check "cut run: says it was cut" grep -q "^cut at 2 s (until): the workload had not ended" "$D/out"
check "cut run: sim_seconds is 2" test "$(q "$D/cut.db" "select sim_seconds from runs")" = 2.0
check "cut run: run.cut_inflight recorded, as printed" grep -q "; $(q "$D/cut.db" "select cast(value as int) from metrics where name='run.cut_inflight'") requests\? in flight" "$D/out"
check "a run that ended has no run.cut_inflight" test "$(q "$D/t.db" "select count(*) from metrics where name='run.cut_inflight'")" = 0
done_cut=$(q "$D/cut.db" "select cast(value as int) from metrics where name='replay.completed'")
check "cut run: some but not all requests complete ($done_cut of 113872)" test "$done_cut" -gt 0 -a "$done_cut" -lt 113872
issued_cut=$(q "$D/cut.db" "select cast(value as int) from metrics where name='replay.requests'")
check "cut run: issued ($issued_cut) >= completed" test "$issued_cut" -ge "$done_cut"
"$T" run scenarios/cloudphysics-tiers.ini --until 4s --out "$D/cut4.db" >/dev/null 2>&1
done_cut4=$(q "$D/cut4.db" "select cast(value as int) from metrics where name='replay.completed'")
check "cut run: more complete by 4 s ($done_cut4) than by 2 s" test "$done_cut4" -gt "$done_cut" -a "$done_cut4" -lt 113872
# The bundled default's jobs, cut at 30 s: each job's wall time is 30 s.
"$T" run --until 30s --out "$D/cutdef.db" >/dev/null 2>&1
check "cut default: training wall 30 s" test "$(q "$D/cutdef.db" "select value from metrics where name='job.train.wall_s'")" = 30.0
check "cut default: KV-cache wall 30 s" test "$(q "$D/cutdef.db" "select value from metrics where name='job.infer.wall_s'")" = 30.0
# Up to the cut, a cut run is the run that was not cut: every series
# sample at or before 30 s equals the full run's, the last one included
# (it once read 0: sampled again at the sampler's own instant, a probe of
# the period since its last call measured an empty period).  But for a
# tier's bytes at 30 s itself: the full run counts there the part before
# 30 s of the transfers in flight then, which the cut run leaves out.
"$T" run --out "$D/fulldef.db" >/dev/null 2>&1
n_cut=$(q "$D/cutdef.db" "select count(*) from series where t_ns < 30e9 or (t_ns = 30e9 and name not like 'tier.%_bytes')")
same=$(q "$D/cutdef.db" "attach '$D/fulldef.db' as f; select count(*) from series c join f.series s on s.name = c.name and s.t_ns = c.t_ns where (c.t_ns < 30e9 or (c.t_ns = 30e9 and c.name not like 'tier.%_bytes')) and s.value = c.value")
check "cut default: its $n_cut series samples equal the full run's ($same)" test "$n_cut" -gt 100 -a "$same" = "$n_cut"
lower=$(q "$D/cutdef.db" "attach '$D/fulldef.db' as f; select count(*) from series c join f.series s on s.name = c.name and s.t_ns = c.t_ns where c.t_ns = 30e9 and c.name like 'tier.%_bytes' and c.value <= s.value")
check "cut default: tier bytes at the cut no more than the full run's ($lower of 8)" test "$lower" = 8

# --- an open-loop replay stretched past the clock, or over years ---
# time_scale 1e12 puts the trace's 30 minutes past 2^64 ns: an error (the
# times once wrapped, and every request arrived at once).  time_scale 1e6
# stretches them over 57 years: the series stop at 2^20 samples with a
# warning, and the run ends (it once sampled once a second for ever).
for ts in 1e12 1e6; do
	printf '[cluster]\nnodes = 1\n[tier nvme]\nmodel = nvme\ncapacity = 1GiB\npolicy = lru\n[tier warm]\nmodel = warm\n[workload]\ntrace = %s\nformat = oracleGeneral\nmode = open\ntime_scale = %s\nrequests = 20000\n' "$TRACE" "$ts" >"$D/ts.ini"
	rm -f "$D/ts.db"
	timeout 120 "$T" run "$D/ts.ini" --out "$D/ts.db" >"$D/out" 2>"$D/err"; s=$?
	if [ "$ts" = 1e12 ]; then
		check "time_scale 1e12: exit 2" test "$s" = 2
		check "time_scale 1e12: past the clock's end, naming the trace and record" grep -q "$TRACE: record [0-9]*: .* is past the clock's end (2^64 ns, 584 years): use a smaller time_scale" "$D/err"
	else
		check "time_scale 1e6: exit 0" test "$s" = 0
		check "time_scale 1e6: warns the series stopped" grep -q "warning: the series stop at .* after 1048576 samples, one every 1 s" "$D/err"
		check "time_scale 1e6: every request completes" test "$(q "$D/ts.db" "select cast(value as int) from metrics where name='replay.completed'")" = 20000
	fi
done

# --- an object store bills and counts its HEADs ---
# The path HEADs an object before its GET (PATH_META_OBJECT): the HEAD
# passes the store's [metadata] service and then the account itself, so
# with a HEAD priced at $1000 per 10,000 the request cost is
# reads x 0.0044 / 10^4 + heads x 1000 / 10^4 (it was reads alone).
sed -e "s#^trace = .*#trace = $TRACE#" -e 's/^ttfb = .*/&\nprice_head_10k = 1000/' bench/three_tiers.ini >"$D/head.ini"
"$T" run "$D/head.ini" --out "$D/head.db" >/dev/null 2>&1
heads=$(q "$D/head.db" "select cast(value as int) from metrics where name = 'meta.blobmeta.head.ops'")
check "HEADs: the store sees as many as its metadata service ($heads)" test "$heads" -gt 0 -a "$(q "$D/head.db" "select cast(value as int) from metrics where name = 'backend.cold.head.ops'")" = "$heads"
check "HEADs: they count against the account's request rate" test "$(q "$D/head.db" "select (select value from metrics where name = 'backend.cold.account.arrivals') = (select value from metrics where name = 'backend.cold.read.ops') + $heads")" = 1
check "HEADs: billed, reads x 0.0044 + heads x 1000 per 10^4" test "$(q "$D/head.db" "select abs((select value from metrics where name = 'backend.cold.cost.requests') - ((select value from metrics where name = 'backend.cold.read.ops') * 0.0044 + $heads * 1000) / 1e4) < 1e-6")" = 1

# --- a write-back drain longer than its workload ---
# 100 writes of 100 MiB at t = 0 into a write-back hot tier, acknowledged
# at 10 us, drained to a cold tier with 8 Gb/s (1 GB/s) of ingress: the
# 10.49 GB take at least 10.49 s.  Rates are over the run and its drain
# (over the workload's 10 us, the ingress was once "busy" 1,048,576 times
# over); --until 1s cuts the drain, with at most 1 GB through.  The store
# answers in 1 us: an object's pieces are committed in phases (cold.c), and
# with its default time to first byte (lognormal, 20 ms) the link waits
# for each phase's slowest Put Block and its commit (12.4 s, 85% busy),
# which is not what this checks.
{ echo 'time,id,size,op'; i=0; while [ $i -lt 100 ]; do echo "0,$i,104857600,w"; i=$((i + 1)); done; } >"$D/burst.csv"
printf '[cluster]\nnodes = 1\nchunk = 16MiB\n[tier hot]\nmodel = fixed\nscope = node\ncapacity = 100GB\nwrite = back\ndirty_budget = 100GB\ndrain_depth = 8\nlatency = 10us\n[tier cold]\nmodel = cold\ningress = 8Gb/s\negress = 8Gb/s\nttfb = const(1us)\n[workload]\ntrace = burst.csv\nformat = csv\nmode = open\n' >"$D/burst.ini"
"$T" run "$D/burst.ini" --out "$D/burst.db" >"$D/out" 2>&1
check "drain: the summary says the workload ended at 10 us and the drain took longer" grep -q '^the workload ended at 10 us; its fills and write-back drains took .* more' "$D/out"
check "drain: sim_seconds covers the drain (10.49 to 11 s)" test "$(q "$D/burst.db" "select sim_seconds between 10.4858 and 11 from runs")" = 1
check "drain: run.drain_seconds recorded" test "$(q "$D/burst.db" "select count(*) from metrics where name = 'run.drain_seconds' and value > 10.4")" = 1
check "drain: the cold ingress busy at most all the time" test "$(q "$D/burst.db" "select value <= 1 and value > 0.95 from metrics where name = 'backend.cold.ingress.utilisation'")" = 1
check "drain: cold write bandwidth at most 1 GB/s" test "$(q "$D/burst.db" "select value <= 1e9 from metrics where name = 'tier.cold.write_bandwidth'")" = 1
check "drain: every byte reached cold" test "$(q "$D/burst.db" "select cast(value as int) from metrics where name = 'tier.cold.write_bytes'")" = 10485760000
"$T" run "$D/burst.ini" --until 1s --out "$D/burst1.db" >"$D/out" 2>&1
check "drain cut by --until: says so" grep -q '^cut at 1 s (until): the workload ended at 10 us, its fills and write-back drains had not' "$D/out"
check "drain cut by --until: at most 1 GB reached cold by 1 s" test "$(q "$D/burst1.db" "select value <= 1e9 from metrics where name = 'tier.cold.write_bytes'")" = 1
check "drain cut by --until: sim_seconds 1, run.cut_inflight recorded" test "$(q "$D/burst1.db" "select (select sim_seconds from runs) = 1 and count(*) = 1 from metrics where name = 'run.cut_inflight'")" = 1

# Nothing was read: no hit-ratio plot of tiers at 0% (it was blank bars).
"$T" plot "$D/burst.db" --out "$D/burstplots" >"$D/out" 2>&1
check "writes only: the tiers plot is skipped, saying why" grep -q 'tiers *skipped: no tier was read from' "$D/out"

# --- an open-loop trace whose time goes backwards: exit 2, naming it ---
printf 'time,id,size,op\n5,1,100,r\n3,2,100,r\n' >"$D/back.csv"
printf '[cluster]\nnodes = 1\n[tier nvme]\nmodel = nvme\ncapacity = 1GiB\npolicy = lru\n[tier warm]\nmodel = warm\n[workload]\ntrace = back.csv\nformat = csv\nmode = open\n' >"$D/back.ini"
"$T" run "$D/back.ini" --out "$D/back.db" >"$D/out" 2>"$D/err"; s=$?
check "time going backwards: exit 2" test "$s" = 2
check "time going backwards: names the trace and the record" grep -q "$D/back.csv: record 2: time goes backwards (3000000000 ns after 5000000000 ns)" "$D/err"

# --- determinism ---
"$T" run scenarios/cloudphysics-tiers.ini --out "$D/u.db" >/dev/null 2>&1
for db in t u; do sqlite3 "$D/$db.db" "update runs set started_at = '', wall_seconds = 0; vacuum into '$D/$db.n.db'"; done
check "same seed: byte-identical database" cmp -s "$D/t.n.db" "$D/u.n.db"

# --- the timed path agrees exactly with the cache simulator ---
# One node, one LRU cache tier over an ideal store, one request at a time
# (closed loop, depth 1: no two requests overlap, so nothing coalesces).
cat >"$D/one.ini" <<INI
[cluster]
nodes = 1
chunk = 1GiB
[tier cache]
model = dram
capacity = 64MiB
policy = lru
[tier store]
model = fixed
latency = 1ms
[workload]
trace = $TRACE
mode = closed
outstanding = 1
INI
"$T" run "$D/one.ini" --out "$D/one.db" >"$D/out" 2>&1 || cat "$D/out"
sim=$(q "$D/one.db" "select printf('%.6f', value) from metrics where name='tier.cache.hit_ratio'")
cache=$("$T" cache --trace "$TRACE" --policy lru --size 64MiB --format csv | awk -F, 'NR == 2 { printf "%.6f", 1 - $3 }')
check "timed LRU hit ratio ($sim) = tiersim cache's ($cache)" test "$sim" = "$cache"
check "closed loop at depth 1 takes 1 ms per store read" test "$(q "$D/one.db" "select round((select value from metrics where name='tier.store.hits') * 0.001, 3) <= (select sim_seconds from runs) and (select sim_seconds from runs) < 120")" = 1

# --- the client's threads (models/client.h) ---
# The same run with one client thread that spends 1 ms per store read:
# each of those takes 1 ms of CPU, then the store's 1 ms, one request at a
# time, so the run lasts at least 2 ms per store read and the thread is
# busy a little under half of it (the cache's reads cost it nothing).
sed -e 's/^latency = 1ms$/latency = 1ms\ncpu_read_op = 1ms/' "$D/one.ini" >"$D/cl.ini"
printf '[client]\nthreads = 1\n' >>"$D/cl.ini"
"$T" run "$D/cl.ini" --out "$D/cl.db" >"$D/out" 2>&1 || cat "$D/out"
check "client: 2 ms per store read" test "$(q "$D/cl.db" "select (select value from metrics where name='tier.store.hits') * 0.002 <= (select sim_seconds from runs)")" = 1
check "client: busy just under a half" test "$(q "$D/cl.db" "select value > 0.45 and value <= 0.5 from metrics where name='client.cpu.busy'")" = 1
check "client: the summary says how busy" grep -q '^client threads: busy [0-9]*% of the run' "$D/out"

# --- bad input: exit 2 naming file, line and key ---
bad() { # bad NAME REGEX: $D/NAME.ini must fail cleanly
	rm -f "$D/bad.db"
	"$T" run "$D/$1.ini" --out "$D/bad.db" >/dev/null 2>"$D/err"; s=$?
	check "$1: exit 2" test "$s" = 2
	check "$1: message /$2/" grep -Eq "$2" "$D/err"
	check "$1: no database written" test ! -e "$D/bad.db"
}
printf '[tier a]\nmodel = tape\n[workload]\ntrace = x\n' >"$D/badmodel.ini"
bad badmodel "badmodel.ini:2: \[tier a\] model: unknown model 'tape'"
printf '[tier a]\nmodel = dram\n[tier b]\nmodel = fixed\n[workload]\ntrace = x\n' >"$D/nocap.ini"
bad nocap "nocap.ini:1: \[tier a\]: missing key 'capacity'"
printf '[tier a]\nmodel = warm\ncapacity = 1GiB\nwrite = back\ndirty_budget = 1MiB\n[tier b]\nmodel = fixed\n[workload]\ntrace = x\n' >"$D/sharedwb.ini"
bad sharedwb "sharedwb.ini:4: .*write-back needs scope = node"
# Keys that would be accepted and do nothing are refused, naming the key.
printf '[tier a]\nmodel = dram\ncapacity = 1GiB\ndirty_budget = 1MiB\n[tier b]\nmodel = fixed\n[workload]\ntrace = x\n' >"$D/wtbudget.ini"
bad wtbudget "wtbudget.ini:4: \[tier a\] dirty_budget: only with write = back \(this tier writes through\)"
printf '[tier a]\nmodel = dram\ncapacity = 1GiB\nwrite = around\ndrain_depth = 4\n[tier b]\nmodel = fixed\n[workload]\ntrace = x\n' >"$D/wadepth.ini"
bad wadepth "wadepth.ini:5: \[tier a\] drain_depth: only with write = back \(this tier writes around\)"
printf '[tier a]\nmodel = dram\ncapacity = 1GiB\n[tier b]\nmodel = fixed\nwrite = back\n[workload]\ntrace = x\n' >"$D/bottomwb.ini"
bad bottomwb "bottomwb.ini:6: \[tier b\] write: the bottom tier stores every write itself"
printf '[tier b]\nmodel = fixed\n[workload]\ntrace = x\nmode = open\noutstanding = 4\n' >"$D/openout.ini"
bad openout "openout.ini:6: \[workload\] outstanding: only with mode = closed"
printf '[tier b]\nmodel = fixed\n[workload]\ntrace = x\nmode = closed\ntime_scale = 0.5\n' >"$D/closedts.ini"
bad closedts "closedts.ini:6: \[workload\] time_scale: only with mode = open"
printf '[tier a]\nmodel = dram\ncapacity = 1GiB\npolicy = mru\n[tier b]\nmodel = fixed\n[workload]\ntrace = x\n' >"$D/badpol.ini"
bad badpol "badpol.ini:4: .*unknown policy 'mru'"
printf '[tier b]\nmodel = fixed\n[workload]\ntrace = nope.bin\n' >"$D/notrace.ini"
bad notrace "nope.bin"
printf '[tier b]\nmodel = fixed\nlatncy = 1ms\n[workload]\ntrace = x\n' >"$D/typo.ini"
bad typo "typo.ini:3: .*unknown key 'latncy'"
printf '[tier b]\nmodel = fixed\ncpu_read_op = 1us\n[workload]\ntrace = x\n' >"$D/nocl.ini"
bad nocl "nocl.ini:1: \[tier b\]: cpu_\* keys .*no \[client\] section"
printf '[client]\nthreads = many\n[tier b]\nmodel = fixed\n[workload]\ntrace = x\n' >"$D/badcl.ini"
bad badcl "badcl.ini:2: .*threads"
printf '[tier b]\nmodel = fixed\n[workload]\ntrace = x\nformat = tape\n' >"$D/badfmt.ini"
bad badfmt "badfmt.ini:5: \[workload\] format: unknown trace format \"tape\""
printf '[tier b]\nmodel = fixed\n[workload]\ntrace = x\nformat = csv:nope=1\n' >"$D/badopt.ini"
bad badopt "badopt.ini:5: \[workload\] format: unknown csv option \"nope\""
head -c 100 "$TRACE" >"$D/short.bin"
printf '[tier b]\nmodel = fixed\n[workload]\ntrace = short.bin\n' >"$D/trunc.ini"
bad trunc "short.bin"

# --- the bandwidth series: bytes counted over the time they moved ---
# A herd of 2,000 reads of 1 MiB at time 0 from an object store with a
# 1 GB/s egress and no time to first byte: the flows share the link
# evenly and all end together, at 2.1 s.  Booked when each read ended,
# every byte fell in the last 100 ms (a rate of 21 GB/s through a 1 GB/s
# link); spread over each read's time (metrics.h, met_spread), every
# interval shows the link's rate, the run's mean to 1%.
printf '[run]\nsample = 100ms\n[cluster]\nchunk = 1MiB\n[tier cold]\nmodel = cold\negress = 8Gb/s\nttfb = const(0us)\n[workload]\ntrace = herd.csv\nformat = csv\n' >"$D/herd.ini"
{ echo "time,id,size,op"; i=1; while [ $i -le 2000 ]; do echo "0,$i,1048576,read"; i=$((i + 1)); done; } >"$D/herd.csv"
"$T" run "$D/herd.ini" --out "$D/herd.db" >/dev/null 2>&1
check "herd: bytes per 100 ms interval within 1% of the mean rate, none above the link" test "$(q "$D/herd.db" "
	with s as (select t_ns, value, lag(t_ns) over (order by t_ns) pt, lag(value) over (order by t_ns) pv
		   from series where name = 'tier.cold.read_bytes'),
	r as (select (value - pv) / ((t_ns - pt) / 1e9) rate from s where pt is not null and t_ns > pt),
	mean as (select max(value) / (max(t_ns) / 1e9) m from series where name = 'tier.cold.read_bytes')
	select count(*) > 20 and max(abs(rate / m - 1)) < 0.01 and max(rate) <= 1e9 from r, mean")" = 1

# --- a tier whose policy keeps no whole chunk: warned of ---
printf '[cluster]\nchunk = 1MiB\n[tier hot]\nmodel = fixed\ncapacity = 9MiB\npolicy = s3fifo\nlatency = 10us\n[tier cold]\nmodel = fixed\nlatency = 1ms\n[workload]\ntrace = herd.csv\nformat = csv\n' >"$D/s3w.ini"
"$T" run "$D/s3w.ini" --out "$D/s3w.db" >/dev/null 2>"$D/s3w.err"
check "s3fifo tier under 10 chunks: warned of" grep -q 'warning: \[tier hot\]: policy s3fifo keeps no object over 943717 bytes' "$D/s3w.err"

# --- a cluster too large for the memory it may use (sim/memcap.h) ---
# Ten million nodes under a 256 MiB ceiling: out of memory from malloc,
# exit 1, the cause and the ceiling named, no database left behind; a
# bad ceiling is refused with exit 2.  (Not under AddressSanitizer, which
# sets no ceiling: its shadow needs the address space.)
cp bench/three_tiers.ini "$D/huge.ini"
sed -i "s|^nodes = 1\$|nodes = 10000000|; s|^trace = .*|trace = $TRACE|" "$D/huge.ini"
TIERSIM_MEMORY_LIMIT=256MiB "$T" run "$D/huge.ini" --out "$D/huge.db" >"$D/out" 2>"$D/err"; s=$?
cat "$D/err"
check "too large: exit 1" test "$s" = 1
check "too large: names the file and the node count" grep -q "huge.ini: a cluster of 10000000 nodes: .*out of memory" "$D/err"
check "too large: names the ceiling and its source" grep -q "memory is limited to 256.0 MiB (TIERSIM_MEMORY_LIMIT)" "$D/err"
check "too large: no database" test ! -e "$D/huge.db"
TIERSIM_MEMORY_LIMIT=lots "$T" run "$D/huge.ini" --out "$D/huge.db" >"$D/out" 2>"$D/err"; s=$?
check "bad TIERSIM_MEMORY_LIMIT: exit 2" test "$s" = 2
check "bad TIERSIM_MEMORY_LIMIT: named" grep -q '^tiersim: TIERSIM_MEMORY_LIMIT=lots: bad size' "$D/err"
TIERSIM_MEMORY_LIMIT=off "$T" run "$D/one.ini" --out "$D/off.db" >/dev/null 2>&1
check "TIERSIM_MEMORY_LIMIT=off runs" test "$?" = 0

echo "tiered_run: $fails failed"
[ "$fails" -eq 0 ]
