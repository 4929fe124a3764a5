#!/bin/sh
# End-to-end: `tiersim run`, its results database, determinism, and its
# answers to bad input.  Usage: run_cli.sh /path/to/tiersim SCRATCH_DIR
set -u
T=$1; D=$2
fails=0
check() { # check "what" command...: passes if the command succeeds
	what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
status() { "$@" >"$D/out" 2>"$D/err"; echo $?; }
q() { sqlite3 "$1" "$2"; }

# --- help and version ---
check "--help exits 0" test "$(status "$T" --help)" = 0
"$T" --version >"$D/out"; check "--version prints tiersim N.N.N" grep -Eq '^tiersim [0-9]+\.[0-9]+\.[0-9]+$' "$D/out"
check "run --help exits 0" test "$(status "$T" run --help)" = 0
check "no command is a usage error (2)" test "$(status "$T")" = 2
check "unknown command is a usage error (2)" test "$(status "$T" frobnicate)" = 2
check "unknown option is a usage error (2)" test "$(status "$T" run --bogus)" = 2

# --- a tandem scenario: M/M/1 then a pipe ---
cat >"$D/tandem.ini" <<'INI'
[run]
until = 20s
warmup = 2s
sample = 1s
steady_state = yes

[source clients]
interarrival = exp(2ms)       ; 500 jobs/s
size = const(1MB)
route = cpu disk

[queue cpu]
servers = 1
service = exp(1ms)            ; rho = 0.5

[pipe disk]
bandwidth = 1GB/s             ; 1 ms per job: rho = 0.5
latency = 100us
INI
check "tandem run exits 0" test "$(status "$T" run "$D/tandem.ini" --out "$D/a.db" --seed 7)" = 0
check "summary names the resources" grep -q 'queue.cpu' "$D/out"
check "summary gives units" grep -q 'mean wait (ms)' "$D/out"
check "one run row" test "$(q "$D/a.db" 'select count(*) from runs')" = 1
check "run row records the seed" test "$(q "$D/a.db" 'select seed from runs')" = 7
check "scenario text stored" test "$(q "$D/a.db" "select instr(scenario, '[queue cpu]') > 0 from runs")" = 1
# WAL while a run writes it (readers query meanwhile), one file after:
# no -wal or -shm beside it, and a reader needs no writable directory.
check "database back out of WAL mode after the run" test "$(q "$D/a.db" 'pragma journal_mode')" = delete
check "no -wal or -shm file left" test ! -e "$D/a.db-wal" -a ! -e "$D/a.db-shm"
# utilisation of the M/M/1 station is rho = 0.5 within sampling noise (18 s x 500/s = 9000 jobs)
u=$(q "$D/a.db" "select value from metrics where name='queue.cpu.utilisation'")
check "cpu utilisation near 0.5 ($u)" awk -v u="$u" 'BEGIN { exit !(u > 0.45 && u < 0.55) }'
check "histograms written" test "$(q "$D/a.db" "select count(*) > 0 from histograms where name='queue.cpu.wait'")" = 1
check "buckets sum to count" test "$(q "$D/a.db" "select (select sum(count) from histogram_buckets b where b.run=h.run and b.name=h.name) = h.count from histograms h where name='queue.cpu.response'")" = 1
check "series sampled every second" test "$(q "$D/a.db" "select count(*) from series where name='queue.cpu.in_system'")" -ge 20

# --- determinism: same seed, same database apart from wall-clock fields ---
"$T" run "$D/tandem.ini" --out "$D/b.db" --seed 7 >/dev/null
"$T" run "$D/tandem.ini" --out "$D/c.db" --seed 8 >/dev/null
for db in a b c; do
	sqlite3 "$D/$db.db" "update runs set started_at = '', wall_seconds = 0; vacuum into '$D/$db.norm.db'"
done
check "same seed: byte-identical database (wall-clock fields blanked)" cmp -s "$D/a.norm.db" "$D/b.norm.db"
check "different seed: different results" sh -c "! cmp -s '$D/a.norm.db' '$D/c.norm.db'"
# both pending-event sets run events in the same order: identical results
"$T" run "$D/tandem.ini" --out "$D/h.db" --seed 7 --queue heap >/dev/null
"$T" run "$D/tandem.ini" --out "$D/k.db" --seed 7 --queue calendar >/dev/null
for db in h k; do
	sqlite3 "$D/$db.db" "update runs set started_at = '', wall_seconds = 0, queue = ''; vacuum into '$D/$db.norm.db'"
done
check "heap and calendar queues: byte-identical results" cmp -s "$D/h.norm.db" "$D/k.norm.db"
check "unknown --queue is exit 2" test "$(status "$T" run "$D/tandem.ini" --queue splay)" = 2
# runs accumulate in one database
"$T" run "$D/tandem.ini" --out "$D/a.db" --seed 9 >/dev/null
check "runs accumulate" test "$(q "$D/a.db" 'select count(*) from runs')" = 2

# --- formats ---
check "csv exits 0" test "$(status "$T" run "$D/tandem.ini" --out "$D/f.db" --format csv)" = 0
check "csv header" test "$(head -1 "$D/out")" = "name,value,unit"
check "csv has the utilisation" grep -q '^queue.cpu.utilisation,' "$D/out"
check "json exits 0" test "$(status "$T" run "$D/tandem.ini" --out "$D/f.db" --format json)" = 0
check "json is valid" test "$(sqlite3 :memory: "select json_valid(readfile('$D/out'))")" = 1
check "unknown format is exit 2" test "$(status "$T" run "$D/tandem.ini" --format xml)" = 2

# --- the default scenario ---
check "default scenario runs" test "$(status "$T" run --out "$D/d.db" --plot "$D/dplots")" = 0
check "default scenario recorded as bundled" test "$(q "$D/d.db" 'select scenario_path from runs')" = "(bundled default)"
# A plot that cannot be drawn fails the command, but not the run: its
# results stay in the database it created (it was once deleted), and the
# only message is the plot's.
check "unwritable --plot: exit 1" test "$(status "$T" run "$D/tandem.ini" --out "$D/pl.db" --plot /proc/nope)" = 1
check "unwritable --plot: the run stays in the database" test "$(q "$D/pl.db" 'select count(*) from runs')" = 1
check "unwritable --plot: one message, the plot's" test "$(cat "$D/err")" = "tiersim plot: /proc/nope: cannot write beside it (in /proc): No such file or directory"
# A --plot that can never be made is a usage error found before the run.
check "--plot under no directory: exit 2" test "$(status "$T" run "$D/tandem.ini" --out "$D/np.db" --plot "$D/none/plots")" = 2
check "--plot under no directory: says so" grep -q "^tiersim run: --plot $D/none/plots: $D/none is not a directory to make it in" "$D/err"
check "--plot under no directory: no database" test ! -e "$D/np.db"
# The checkpoint-stall legend's max is the histogram's exact max (6.26 ms
# here), not the edge of its last bucket (with 8 ranks writing it said 50.1 ms for 49.94).
mx=$(q "$D/d.db" "select printf('%.3g ms', max / 1e6) from histograms where name = 'job.train.checkpoint_stall'")
check "checkpoint stall legend: max $mx, from the database" grep -q "max $mx, n=" "$D/dplots/checkpoint_stall.dat"
# An empty histogram has no mean or quantiles: blank in the csv, as NULL in
# the database (the csv once said 0).
"$T" run --out "$D/dcsv.db" --format csv >"$D/dcsv.csv" 2>/dev/null
n_empty=$(q "$D/dcsv.db" "select count(*) from histograms where count = 0 and mean is null and p50 is null")
n_blank=$(grep -c '\.mean,,' "$D/dcsv.csv")
check "empty histograms: $n_empty in the database, as many blank means in the csv ($n_blank)" test "$n_empty" -gt 0 -a "$n_blank" = "$n_empty"

# --- bad input: exit 2, file:line:key in the message, no database written ---
bad() { # bad NAME EXPECTED_MESSAGE_REGEX: $D/NAME.ini must fail cleanly
	rm -f "$D/bad.db"
	s=$(status "$T" run "$D/$1.ini" --out "$D/bad.db")
	check "$1: exit 2" test "$s" = 2
	check "$1: message /$2/" grep -Eq "$2" "$D/err"
	check "$1: no database written" test ! -e "$D/bad.db"
}
mk() { cat >"$D/$1.ini"; }
mk unknown_section <<'INI'
[run]
until = 1s
[sauce x]
a = 1
INI
bad unknown_section "unknown_section.ini:3: .*unknown section type 'sauce'"
mk unknown_key <<'INI'
[run]
until = 1s
[source s]
interarrival = exp(1ms)
route = q
[queue q]
service = exp(1ms)
servres = 2
INI
bad unknown_key "unknown_key.ini:8: .*queue q.*unknown key 'servres'"
mk bad_unit <<'INI'
[run]
until = 1s
[source s]
interarrival = exp(1ms)
route = p
[pipe p]
bandwidth = 10GX/s
INI
bad bad_unit 'bad_unit.ini:7: .*bandwidth.*"10GX/s"'
mk negative_rate <<'INI'
[run]
until = 1s
[source s]
interarrival = exp(1ms)
route = b
[bucket b]
rate = -5/s
INI
bad negative_rate 'negative_rate.ini:7: .*rate'
mk overloaded <<'INI'
[run]
until = 1s
steady_state = yes
[source s]
interarrival = exp(1ms)
route = q
[queue q]
servers = 1
service = exp(2ms)
INI
bad overloaded 'overloaded.ini:9: .*service.*offered load is 2.000 >= 1'
mk unknown_route <<'INI'
[run]
until = 1s
[source s]
interarrival = exp(1ms)
route = nowhere
INI
bad unknown_route "unknown_route.ini:5: .*route.*no resource named 'nowhere'"
mk zero_jobs <<'INI'
[run]
until = 1s
[source s]
interarrival = exp(1ms)
route = q
jobs = 0
[queue q]
service = exp(1ms)
INI
bad zero_jobs 'zero_jobs.ini:6: \[source s\] jobs: must be at least 1 \(leave it out for no limit\)'
mk syntax <<'INI'
[run
until = 1s
INI
bad syntax 'syntax.ini:1'
check "missing scenario file: exit 2" test "$(status "$T" run "$D/nope.ini" --out "$D/bad.db")" = 2
check "missing scenario file: names it" grep -q 'nope.ini' "$D/err"
check "bad --until: exit 2" test "$(status "$T" run "$D/tandem.ini" --until 5 --out "$D/bad.db")" = 2
check "bad --until: quotes the value" grep -q '"5"' "$D/err"
# A bad --out is a bad name (exit 2, as a bad --plot is): under no
# directory, or a directory itself (that said "unable to open database
# file", exit 1).
check "--out under no directory: exit 2" test "$(status "$T" run "$D/tandem.ini" --out /nonexistent/dir/x.db)" = 2
check "--out under no directory: names the path" grep -q '/nonexistent/dir/x.db' "$D/err"
check "--out a directory: exit 2" test "$(status "$T" run "$D/tandem.ini" --out "$D")" = 2
check "--out a directory: says so" grep -q "$D: a directory: name the database file" "$D/err"

# --- a signal ends a run where it is, and its results so far are written ---
# SIGTERM (a batch system's time limit) into a queueing run of 10^5 s of
# simulated time, a second after it starts: exit 128 + 15, one run in the
# database, marked, over less than the time asked for.
# signalled SIG NAME ARGS...: tiersim run ARGS --out $D/NAME.db, sent SIG
# a second after it starts; its exit status in $s.
signalled() {
	sig=$1; name=$2; shift 2
	"$T" run "$@" --out "$D/$name.db" >"$D/$name.out" 2>"$D/$name.err" &
	pid=$!
	sleep 1
	kill -"$sig" "$pid"
	[ -z "${TWICE:-}" ] || kill -"$sig" "$pid" 2>/dev/null
	wait "$pid"; s=$?
}
# timeout(1) and batch systems signal the process and then its group, so
# the same signal comes twice at once: the second once killed the run
# while it wrote its results (no summary, no database).
# Interrupted, a run draws no plots, and says how to draw them.
signalled TERM termp "$D/tandem.ini" --until 100000s --plot "$D/termp"
check "SIGTERM with --plot: says no plots, and how" grep -q "no plots drawn (interrupted); tiersim plot $D/termp.db --run 1 --out $D/termp draws them" "$D/termp.err"
TWICE=1 signalled TERM term2 "$D/tandem.ini" --until 100000s
check "SIGTERM twice at once: exit 143 ($s)" test "$s" = 143
check "SIGTERM twice at once: the run is written" \
	test "$(q "$D/term2.db" "select value from metrics where name = 'run.interrupted'")" = 15.0
signalled TERM term "$D/tandem.ini" --until 100000s
check "SIGTERM: exit 143 ($s)" test "$s" = 143
check "SIGTERM: says so, naming the database" grep -q "interrupted by SIGTERM at .* run 1 in $D/term.db" "$D/term.err"
check "SIGTERM: the run is written, marked run.interrupted = 15" \
	test "$(q "$D/term.db" "select value from metrics where name = 'run.interrupted'")" = 15.0
check "SIGTERM: over the time simulated, not the time asked for" \
	test "$(q "$D/term.db" "select count(*) from runs where sim_seconds > 2 and sim_seconds < 100000")" = 1
# SIGINT (Ctrl-C) into the default cluster with 500 epochs of training:
# the run is cut there, as --until would cut it, with what was in flight.
sed -e "s#^workload = data/#workload = $PWD/scenarios/data/#" -e "s#^trace = data/#trace = $PWD/scenarios/data/#" \
	-e 's/^epochs = .*/epochs = 500/' scenarios/default.ini >"$D/long.ini"
signalled INT int "$D/long.ini"
check "SIGINT: exit 130 ($s)" test "$s" = 130
check "SIGINT: the summary says where the run was cut" grep -q '^interrupted at .* by SIGINT: the results up to then are written; \([0-9]* requests\? in flight\|[0-9]* dirty chunks\? not yet written back\|no request was in flight\)' "$D/int.out"
check "SIGINT: run.interrupted = 2 and run.cut_inflight recorded" \
	test "$(q "$D/int.db" "select count(*) from metrics where (name = 'run.interrupted' and value = 2) or name = 'run.cut_inflight'")" = 2

# --- out of memory mid-run: exit 1, never a hang ---
# With these ceilings the bundled default runs out of memory part way (its
# series, histograms or data path); a run whose sampler kept sampling
# after its metrics ran out of memory once went on for weeks of simulated
# time.
for lim in 45MiB 60MiB 80MiB; do
	TIERSIM_MEMORY_LIMIT=$lim timeout 120 "$T" run scenarios/default.ini --out "$D/oom.db" >"$D/oom.out" 2>&1; s=$?
	check "TIERSIM_MEMORY_LIMIT=$lim: exit 1, not a hang ($s)" test "$s" = 1
	check "TIERSIM_MEMORY_LIMIT=$lim: says out of memory" grep -Eq 'out of memory|Cannot allocate memory' "$D/oom.out"
	check "TIERSIM_MEMORY_LIMIT=$lim: says how far the run got" grep -Eq '^tiersim run: at [0-9.]+ [a-z]+ of simulated time: ' "$D/oom.out"
	check "TIERSIM_MEMORY_LIMIT=$lim: no database left" test ! -e "$D/oom.db"
done

# --format json with --plot: stdout is the JSON alone, the plot's report
# goes to stderr (it once followed the JSON on stdout).
"$T" run scenarios/queueing.ini --out "$D/jp.db" --format json --plot "$D/jp" >"$D/jp.json" 2>"$D/jp.err"
check "json with --plot: stdout ends with the JSON, the report on stderr" sh -c \
	"test \"\$(grep -v '^\$' '$D/jp.json' | tail -1)\" = ']' && ! grep -q 'tiersim plot' '$D/jp.json' && grep -q '^tiersim plot: ' '$D/jp.err'"

# --- messages that say where in the scenario ---
printf '[cluster]\nnodes = 1\n[tier b]\nmodel = fixed\nlatency = 1ms\n[workload]\ntrace = missing.csv\n' >"$D/mt.ini"
check "a missing trace: exit 2" test "$(status "$T" run "$D/mt.ini" --out "$D/x.db")" = 2
check "a missing trace: names the scenario's line and key, and the file" grep -q 'mt.ini:7: \[workload\] trace: .*missing.csv: cannot open' "$D/err"
printf '[cluster]\nnodes = 1\n[workload]\ntrace = t.csv\n' >"$D/nt.ini"
check "no [tier]: exit 2" test "$(status "$T" run "$D/nt.ini" --out "$D/x.db")" = 2
check "no [tier]: says a tiered cluster needs one" grep -q 'nt.ini:1: \[cluster\]: a tiered cluster needs at least one \[tier NAME\]' "$D/err"

# --- steady_state's offered loads, worked by hand ---
# 10,000 jobs/s into a drop bucket of 1,000/s: 1,000/s reach the queue of
# 0.5 ms, rho 0.5 (it was 5.0, and refused).  A pipe of one slot held for
# 1 ms of transfer and 1 ms of latency, 600 jobs/s: rho 1.2 (it was 0.6,
# and accepted; the run's wait grew without end).
printf '[run]\nuntil = 2s\nsteady_state = yes\n[source s]\ninterarrival = exp(100us)\nroute = api q\n[bucket api]\nrate = 1k/s\nburst = 10\nmode = drop\n[queue q]\nservice = exp(500us)\n' >"$D/dropq.ini"
check "a drop bucket thins the load behind it: accepted" test "$(status "$T" run "$D/dropq.ini" --out "$D/dq.db")" = 0
check "a drop bucket thins the load behind it: queue rho 0.5" test "$(q "$D/dq.db" "select round(value, 6) from metrics where name = 'queue.q.offered_load'")" = 0.5
printf '[run]\nuntil = 2s\nsteady_state = yes\n[source s]\ninterarrival = exp(1667us)\nsize = const(1MB)\nroute = p\n[pipe p]\nbandwidth = 1GB/s\nlatency = 1ms\nconcurrency = 1\n' >"$D/pipec.ini"
check "a pipe's concurrency counts: refused" test "$(status "$T" run "$D/pipec.ini" --out "$D/pc.db")" = 2
check "a pipe's concurrency counts: rho 1.2" grep -q 'offered load is 1.200 >= 1' "$D/err"

# --- the clock's end, and a run's end ---
# A sampler tick past 2^64 ns once wrapped to "now" and sampled at one
# instant for ever; a start near the end wrapped the run's slices.
printf '[run]\nuntil = 5100000h\n[source s]\ninterarrival = const(1000h)\nroute = q\n[queue q]\nservice = const(1ms)\n' >"$D/long.ini"
timeout 60 "$T" run "$D/long.ini" --out "$D/long.db" >"$D/out" 2>&1; s=$?
check "until 5.1 million hours: ends ($s)" test "$s" = 0
check "until 5.1 million hours: 5,100 jobs done" test "$(q "$D/long.db" "select value from metrics where name = 'queue.q.completions'")" = 5100.0
printf 'time,id,size,op\n0,1,4096,read\n18446744073.65,2,4096,read\n' >"$D/late.csv"
printf '[run]\nsample = 1000000h\n[cluster]\nnodes = 1\n[tier b]\nmodel = fixed\nlatency = 1ms\n[workload]\ntrace = late.csv\n' >"$D/late.ini"
printf 'format = csv:id=id,size=size,op=op,header=yes,time=time,time-unit=s\nmode = open\n' >>"$D/late.ini"
timeout 60 "$T" run "$D/late.ini" --out "$D/late.db" >"$D/out" 2>&1; s=$?
check "a request 0.05 s before the clock's end: ends ($s)" test "$s" = 0
# A queueing run lasts `until` even when its work and its samples end
# first (the sampler stops at 2^20 samples): 100 jobs in 10 s are 10/s.
# It once ended at its last job, at 1.05 s, with 95 jobs/s.
printf '[run]\nuntil = 10s\nsample = 1us\n[source s]\ninterarrival = exp(1ms)\njobs = 100\nroute = q\n[queue q]\nservice = const(1ms)\n' >"$D/cap.ini"
"$T" run "$D/cap.ini" --out "$D/cap.db" >"$D/out" 2>&1
check "a queueing run lasts its until: 10 s" test "$(q "$D/cap.db" "select sim_seconds from runs")" = 10.0
check "a queueing run lasts its until: 10 jobs/s" test "$(q "$D/cap.db" "select value from metrics where name = 'queue.q.throughput'")" = 10.0
check "until 2^64 - 1 ns: refused" test "$(status "$T" run "$D/cap.ini" --until 18446744073709551615ns --out "$D/x.db")" = 2

echo "run_cli: $fails failed"
[ "$fails" -eq 0 ]
