#!/bin/sh
# make validate — the hardware rung of the validation ladder on this
# machine (DESIGN.md rung 4, issue 5): for each case in scenarios/validate
# (a training epoch, a checkpoint burst with write-back, a KV-cache slice
# of the Mooncake trace, a read-heavy replay), tierref populate and run
# measure it on real directories, and tiersim validate hardware predicts it
# with the preset that tierref probe measured just before (after the
# populate, so on the disk as the run finds it: on a shared virtual disk
# the cost of creating a file drifts by several times within a minute); the
# tables are printed.
#
# Usage: sh scripts/validate.sh BUILD_DIR [SCRATCH]   (from the repository root)
#   VALIDATE_RUNS=N (default 1) measures and predicts each case N times and
#   then prints, per case, every row's median error over the N runs, its
#   range, and whether the median meets the goal (exact rows must agree in
#   every run).  On a noisy machine one run can miss or meet a goal by
#   chance; the median of several is the figure to quote.
#   VALIDATE_CASES="replay kvcache" (default: every case) runs only those
#   cases of scenarios/validate, in that order.
# Exit 0 when every case passes every row (its medians, with N > 1), 1
# otherwise (the tables say why).
set -u
B=$(cd "$1" && pwd); T=$B/tiersim; R=$B/tierref
N=${VALIDATE_RUNS:-1}
case $N in ''|*[!0-9]*|0) echo "validate: VALIDATE_RUNS=$N: give a whole number of runs, 1 or more" >&2; exit 2 ;; esac
cases=${VALIDATE_CASES:-$(for f in scenarios/validate/*.ini; do basename "$f" .ini; done)}
for c in $cases; do
	[ -f "scenarios/validate/$c.ini" ] ||
		{ echo "validate: VALIDATE_CASES: no case '$c' (scenarios/validate/$c.ini)" >&2; exit 2; }
done
S=${2:-$(mktemp -d)}
mkdir -p "$S/hot" "$S/warm"
fails=0; ncases=0
echo "validate: scratch $S, $N run(s) per case"

for c in $cases; do
	ini=scenarios/validate/$c.ini
	ncases=$((ncases + 1))
	missed=0
	run=1
	while [ "$run" -le "$N" ]; do
		tag=$c; [ "$N" -gt 1 ] && tag=$c.$run
		echo; echo "=== case $c ($ini)$([ "$N" -gt 1 ] && echo ", run $run of $N")"
		rm -rf "$S/hot/hot" "$S/warm/warm"
		# sync: the populate's dirty pages are written back before the
		# measured run starts; otherwise their writeback (up to the
		# kernel's dirty limit, gigabytes for the KV-cache case) competes
		# with the run for the disk, which is the populate's cost, not
		# the scenario's.
		if ! "$R" populate "$ini" --hot "$S/hot" --warm "$S/warm" >"$S/$tag.pop" 2>&1 || ! sync ||
		   ! "$R" probe --hot "$S/hot" --warm "$S/warm" --out "$S/$tag.preset.ini" >"$S/$tag.probe" 2>&1 || ! sync ||
		   ! "$R" run "$ini" --hot "$S/hot" --warm "$S/warm" --out "$S/$tag.db" >"$S/$tag.run" 2>&1; then
			cat "$S/$tag.pop" "$S/$tag.probe" "$S/$tag.run" 2>/dev/null | tail -5
			echo "case $c: the measured run failed"; missed=1; break
		fi
		"$T" validate hardware --measured "$S/$tag.db" --preset "$S/$tag.preset.ini" --plot "$S/plot-$tag" || missed=1
		if [ "$N" -gt 1 ]; then
			"$T" validate hardware --measured "$S/$tag.db" --preset "$S/$tag.preset.ini" --format csv \
				>"$S/$tag.csv" 2>/dev/null
		fi
		run=$((run + 1))
	done
	if [ "$N" -gt 1 ] && [ "$run" -gt "$N" ]; then
		echo; echo "=== case $c: medians of $N runs"
		if awk -F, -v runs="$N" -f scripts/validate_medians.awk "$S/$c".[0-9]*.csv; then missed=0; else missed=1; fi
	fi
	fails=$((fails + missed))
done
echo; echo "validate: $fails of $ncases cases missed a goal; presets $S/*.preset.ini"
[ "$fails" -eq 0 ]
