#!/bin/sh
# make validate — the hardware rung of the validation ladder on this
# machine (DESIGN.md rung 4, issue 5): for each case in scenarios/validate
# (a read-heavy replay, a checkpoint burst with write-back, a KV-cache slice
# of the Mooncake trace), tierref populate and run measure it on real
# directories, and tiersim validate hardware predicts it with the preset
# that tierref probe measured just before (after the populate, so on the
# disk as the run finds it: on a shared virtual disk the cost of creating
# a file drifts by several times within a minute); the tables are printed.
#
# Usage: sh scripts/validate.sh BUILD_DIR [SCRATCH]   (from the repository root)
# Exit 0 when every case passes every row, 1 otherwise (the tables say why).
set -u
B=$(cd "$1" && pwd); T=$B/tiersim; R=$B/tierref
S=${2:-$(mktemp -d)}
mkdir -p "$S/hot" "$S/warm"
fails=0
echo "validate: scratch $S"
for ini in scenarios/validate/*.ini; do
	c=$(basename "$ini" .ini)
	echo; echo "=== case $c ($ini)"
	rm -rf "$S/hot/hot" "$S/warm/warm"
	# sync: the populate's dirty pages are written back before the measured
	# run starts; otherwise their writeback (up to the kernel's dirty limit,
	# gigabytes for the KV-cache case) competes with the run for the disk,
	# which is the populate's cost, not the scenario's.
	if ! "$R" populate "$ini" --hot "$S/hot" --warm "$S/warm" >"$S/$c.pop" 2>&1 || ! sync ||
	   ! "$R" probe --hot "$S/hot" --warm "$S/warm" --out "$S/$c.preset.ini" >"$S/$c.probe" 2>&1 || ! sync ||
	   ! "$R" run "$ini" --hot "$S/hot" --warm "$S/warm" --out "$S/$c.db" >"$S/$c.run" 2>&1; then
		cat "$S/$c.pop" "$S/$c.probe" "$S/$c.run" 2>/dev/null | tail -5
		echo "case $c: the measured run failed"; fails=$((fails + 1)); continue
	fi
	"$T" validate hardware --measured "$S/$c.db" --preset "$S/$c.preset.ini" --plot "$S/plot-$c" || fails=$((fails + 1))
done
echo; echo "validate: $fails of $(ls scenarios/validate/*.ini | wc -l) cases missed a goal; presets $S/*.preset.ini"
[ "$fails" -eq 0 ]
