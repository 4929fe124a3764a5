#!/bin/sh
# End-to-end: `tiersim plot` — data files that agree with the database,
# pictures when gnuplot is on PATH, the fallback without it, stale files
# removed, and bad input refused with nothing written.
# Usage: plot_cli.sh /abs/path/to/tiersim SCRATCH_DIR   (run from the repo root)
set -u
T=$1; D=$2
ROOT=$(pwd)
# The scripts of this tree, wherever the binary was built.
TIERSIM_PLOTS=$ROOT/plots; export TIERSIM_PLOTS
fails=0
check() { # check "what" command...: passes if the command succeeds
	c_what=$1; shift # not $what: bad() below has its own (sh has no locals)
	if "$@"; then echo "ok   $c_what"; else echo "FAIL $c_what"; fails=$((fails + 1)); fi
}
q() { sqlite3 "$1" "$2"; }
nonempty() { for f in "$@"; do [ -s "$f" ] || { echo "  missing or empty: $f"; return 1; }; done; }
absent() { for f in "$@"; do [ ! -e "$f" ] || { echo "  should not exist: $f"; return 1; }; done; }
# close A B TOL: |A - B| <= TOL * |B|
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; m = b < 0 ? -b : b; exit !(d <= t * m) }'; }
# bytes_match GOT WANT: equal within 1% (both 0 for a tier never written)
bytes_match() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(b == 0 ? a == 0 : d <= 0.01 * b) }'; }
# The integral of the bandwidth curve TITLE in FILE: sum of dt * rate
# (columns 2 and 3, s and GB/s), in bytes.
block_integral() { # FILE TITLE
	awk -F'\t' -v t="$2" '/^# \[[0-9]+\] / { sub(/^# \[[0-9]+\] /, ""); on = index($0, t "  ") == 1 || index($0, t ":") == 1; next }
		/^#/ || NF == 0 { next } on { s += $2 * $3 } END { printf "%.6f", s * 1e9 }' "$1"
}
# Every block of a CDF file ends at 1 and never decreases.
cdf_ok() {
	awk -F'\t' '/^#/ { next } NF == 0 { if (have && last != 1) bad = 1; have = 0; next }
		{ if (have && $2 < last) bad = 1; last = $2; have = 1; rows++ }
		END { if (have && last != 1) bad = 1; exit bad || rows == 0 }' "$1"
}
# Every curve's block has a data row: gnuplot does not count an empty
# block, and every legend entry after one named the next curve.
no_empty_block() {
	awk '/^# \[[0-9]+\] / { if (open && !rows) bad = 1; open = 1; rows = 0; next }
		/^#/ || NF == 0 { next } { rows++ } END { if (open && !rows) bad = 1; exit bad }' "$1"
}
have_gnuplot=0
command -v gnuplot >/dev/null 2>&1 && have_gnuplot=1
[ $have_gnuplot = 1 ] || echo "note: gnuplot is not on PATH; the picture checks are skipped"

# --- a queueing run and a tiered run with a trace ---
"$T" run scenarios/queueing.ini --out "$D/r.db" >"$D/out" 2>&1 || cat "$D/out"
if [ -e ../shared/traces/cloudphysics ]; then
	"$T" run scenarios/cloudphysics-tiers.ini --out "$D/r.db" >"$D/out" 2>&1 || cat "$D/out"
fi
runs=$(q "$D/r.db" "select count(*) from runs")
check "the runs were written" test "$runs" -ge 1

# --- the queueing run: jobs in system, response-time CDFs ---
cd "$D" && "$T" plot r.db --run 1 >"$D/out" 2>"$D/err"; s=$?; cd "$ROOT"
cat "$D/out" "$D/err"
check "plot --run 1 exits 0" test "$s" = 0
check "default directory plots-run1 holds the data files" nonempty "$D/plots-run1/in_system.dat" \
	"$D/plots-run1/latency_requests.dat" "$D/plots-run1/latency_resources.dat"
check "no scratch directory is left behind" test -z "$(ls -A "$D" | grep '\.tmp\.')"
check "the queueing run has no tier plots" absent "$D/plots-run1/bandwidth.dat" "$D/plots-run1/tiers.dat"
check "the output lists what was drawn and what was skipped" grep -q 'in_system .*jobs in system' "$D/out"
check "request latency CDF ends at 1 and never falls" cdf_ok "$D/plots-run1/latency_requests.dat"
check "resource CDFs end at 1" cdf_ok "$D/plots-run1/latency_resources.dat"
# the in-system samples are the series, unchanged
n_db=$(q "$D/r.db" "select count(*) from series where run = 1 and name like '%.in_system' and value is not null")
n_dat=$(grep -cv '^#\|^$' "$D/plots-run1/in_system.dat")
check "in_system.dat holds every sample ($n_db)" test "$n_db" = "$n_dat"
if [ $have_gnuplot = 1 ]; then
	for p in in_system latency_requests latency_resources; do
		check "$p: PNG and SVG drawn" nonempty "$D/plots-run1/$p.png" "$D/plots-run1/$p.svg"
	done
	check "the PNG is a PNG" sh -c "head -c 8 '$D/plots-run1/in_system.png' | od -An -c | grep -q 'P   N   G'"
	check "the SVG is an SVG" grep -q '<svg' "$D/plots-run1/in_system.svg"
fi

# --- the tiered run: bandwidth, tier CDFs, hit ratios ---
if [ "$runs" -ge 2 ]; then
	P=$D/tiered
	"$T" plot "$D/r.db" --out "$P" >"$D/out" 2>"$D/err"; s=$?
	cat "$D/out" "$D/err"
	check "plot (latest run) exits 0" test "$s" = 0
	check "the latest run is the one drawn" grep -q 'run 2 of r.db' "$D/out"
	for p in bandwidth latency_tiers latency_backends latency_metadata latency_requests tiers; do
		check "$p.dat written" nonempty "$P/$p.dat"
		[ $have_gnuplot = 1 ] && check "$p: PNG and SVG drawn" nonempty "$P/$p.png" "$P/$p.svg"
	done
	check "the .dat names its run and columns" grep -q '^# columns' "$P/bandwidth.dat"
	for tier in dram nvme warm cold; do
		for op in read write; do
			want=$(q "$D/r.db" "select value from metrics where run = 2 and name = 'tier.$tier.${op}_bytes'")
			got=$(block_integral "$P/bandwidth.dat" "$tier $op")
			check "$tier $op bandwidth integrates to the bytes moved ($want B) within 1%" bytes_match "$got" "$want"
		done
	done
	for p in latency_tiers latency_backends latency_metadata latency_requests; do
		check "$p: every CDF ends at 1 and never falls" cdf_ok "$P/$p.dat"
	done
	hit=$(q "$D/r.db" "select 100 * value from metrics where run = 2 and name = 'tier.warm.hit_ratio'")
	got=$(awk -F'\t' '$1 == "warm" { print $2 }' "$P/tiers.dat")
	check "warm hit ratio in tiers.dat ($got%) is the database's" close "$got" "$hit" 1e-6
	share=$(awk -F'\t' '!/^#/ && NF { s += $3 } END { print s }' "$P/tiers.dat")
	check "served shares add up to 100%" close "$share" 100 1e-6
	# the median the legend shows is the database's p50
	p50=$(q "$D/r.db" "select p50 from histograms where run = 2 and name = 'replay.latency'")
	check "the request CDF crosses 0.5 at the database's p50" awk -F'\t' -v p="$p50" \
		'!/^#/ && NF && $2 >= 0.5 { x = $1 * 1e6; exit !(x >= p * 0.99 && x <= p * 1.01) }' "$P/latency_requests.dat"

	# Plotting another run into the same directory removes what it lacks.
	"$T" plot "$D/r.db" --run 1 --out "$P" >/dev/null 2>&1
	check "a re-plot of run 1 into the same directory removes run 2's plots" \
		absent "$P/bandwidth.dat" "$P/bandwidth.png" "$P/tiers.svg"
	check "and writes run 1's" nonempty "$P/in_system.dat"
fi

# --- GPU jobs: AU series and checkpoint stalls (injected until the job
# models write them: rows as workload.h and the summary name them) ---
cp "$D/r.db" "$D/j.db"
sqlite3 "$D/j.db" "insert into series values (1, 'job.train.au', 'ratio', 1000000000, 0.5),
	(1, 'job.train.au', 'ratio', 2000000000, 0.9), (1, 'job.train.au', 'ratio', 3000000000, NULL);
	insert into histograms values (1, 'job.train.checkpoint_stall', 'ns', 3, 1000000000, 4000000000, 2e9, 0, 0, 0, 0);
	insert into histogram_buckets values (1, 'job.train.checkpoint_stall', 1000000000, 1007812499, 2),
	(1, 'job.train.checkpoint_stall', 3992977408, 4024434687, 1)"
"$T" plot "$D/j.db" --run 1 --out "$D/jobs" >"$D/out" 2>"$D/err"; s=$?
cat "$D/err"
check "jobs: exit 0" test "$s" = 0
check "AU in % over time, NULL samples left out" test "$(grep -v '^#' "$D/jobs/au.dat" | tr '\t\n' ' ')" = "1 50 2 90 "
check "checkpoint stalls: a CDF in seconds ending at 1" cdf_ok "$D/jobs/checkpoint_stall.dat"
check "checkpoint stalls: the first stall is at 1 s" awk -F'\t' '!/^#/ && NF { exit !($1 == 1) }' "$D/jobs/checkpoint_stall.dat"
[ $have_gnuplot = 1 ] && check "jobs: pictures drawn" nonempty "$D/jobs/au.png" "$D/jobs/checkpoint_stall.svg"

# --- the scripts are found without $TIERSIM_PLOTS from the source tree ---
if [ $have_gnuplot = 1 ]; then
	env -u TIERSIM_PLOTS "$T" plot "$D/r.db" --run 1 --out "$D/found" >"$D/out" 2>&1; s=$?
	check "without \$TIERSIM_PLOTS, run from the repo root: the scripts are found" test "$s" = 0
	check "and the pictures drawn" nonempty "$D/found/in_system.png"
fi

# --- without gnuplot: the data files, a message, exit 0 ---
nognu=""
old_ifs=$IFS; IFS=:
for dir in $PATH; do [ -x "$dir/gnuplot" ] || nognu="${nognu:+$nognu:}$dir"; done
IFS=$old_ifs
PATH="$nognu" "$T" plot "$D/r.db" --run 1 --out "$D/nognu" >"$D/out" 2>"$D/err"; s=$?
cat "$D/err"
check "without gnuplot: exit 0" test "$s" = 0
check "without gnuplot: says so, naming the directory" \
	grep -q "gnuplot not found: wrote the data files to $D/nognu; install gnuplot-nox to draw them" "$D/err"
check "without gnuplot: the data files are written" nonempty "$D/nognu/in_system.dat"
check "without gnuplot: no pictures" absent "$D/nognu/in_system.png" "$D/nognu/in_system.svg"

# --- bad input: exit 2, a message naming the file, nothing written ---
bad() { # bad "what" DB [args]: exit 2, the file named on stderr, no output directory
	what=$1; db=$2; shift 2
	"$T" plot "$db" --out "$D/bad" "$@" >"$D/out" 2>"$D/err"; s=$?
	check "$what: exit 2" test "$s" = 2
	check "$what: the message names $db" grep -qF "$db" "$D/err"
	check "$what: nothing written" absent "$D/bad"
	check "$what: no scratch directory left" test -z "$(ls -A "$D" | grep '\.tmp\.')"
}
bad "a missing database" "$D/missing.db"
bad "a run the database lacks" "$D/r.db" --run 99
sqlite3 "$D/other.db" "create table t(x); insert into t values (1)"
bad "an SQLite file that is not tiersim's" "$D/other.db"
echo "not a database" >"$D/text.db"
bad "a file that is not SQLite" "$D/text.db"
# Damaged samples: gnuplot could not draw them (exit 1 before).
cp "$D/r.db" "$D/inf.db"
sqlite3 "$D/inf.db" "update series set value = 9e999 where rowid = (select min(rowid) from series where run = 1)"
bad "a series value that is not finite" "$D/inf.db" --run 1
cp "$D/r.db" "$D/neg.db"
sqlite3 "$D/neg.db" "update series set t_ns = -9223372036854775808 where rowid = (select min(rowid) from series where run = 1)"
bad "a series time before 0" "$D/neg.db" --run 1
"$T" plot >/dev/null 2>&1; check "no database: exit 2" test $? = 2
"$T" plot "$D/r.db" --run zero >/dev/null 2>&1; check "--run zero: exit 2" test $? = 2
"$T" plot --help >"$D/out"; check "--help exits 0 and shows the usage" grep -q '^usage: tiersim plot' "$D/out"

# A resource that never waits (a token bucket with tokens to spare): its
# response times are all 0 ns, drawn at the left edge of the log axis,
# not left out.
cat >"$D/zero.ini" <<INI
[run]
until = 2s
[source loader]
interarrival = exp(50us)
size = const(1MiB)
route = api nic
[bucket api]
rate = 1M/s
burst = 100
mode = wait
[link nic]
bandwidth = 800Gb/s
INI
"$T" run "$D/zero.ini" --out "$D/zero.db" --plot "$D/zp" >"$D/out" 2>&1
check "a curve of zeros: its block has rows, so the legend stays in step" no_empty_block "$D/zp/latency_resources.dat"
check "... and it is there" grep -q '^# \[0\] bucket api: p50 0 ns' "$D/zp/latency_resources.dat"

# A database another process holds locked past the 10 s busy wait: an
# environment failure (exit 1) that says so, not "not a tiersim results
# database" (exit 2).
cp "$D/zero.db" "$D/lk.db"
printf 'PRAGMA locking_mode=EXCLUSIVE;\nBEGIN EXCLUSIVE;\nDELETE FROM series;\n.shell sleep 13\nROLLBACK;\n' | sqlite3 "$D/lk.db" &
lk=$!
sleep 1
"$T" plot "$D/lk.db" --out "$D/lkp" >/dev/null 2>"$D/err"; s=$?
wait "$lk"
check "a locked database: exit 1, saying so ($s)" sh -c "test $s = 1 && grep -q 'locked by another process' '$D/err'"

echo "plot_cli: $fails failed"
[ "$fails" -eq 0 ]
