#!/bin/sh
# make validate — the hardware rung of the validation ladder on this
# machine (DESIGN.md rung 4, issue 5): for each case in scenarios/validate
# (a read-heavy replay, a checkpoint burst with write-back, a KV-cache slice
# of the Mooncake trace), tierref populate and run measure it on real
# directories, and tiersim validate hardware predicts it with the preset
# that one tierref probe measured; the tables are printed.
#
# Usage: sh scripts/validate.sh BUILD_DIR [SCRATCH]   (from the repository root)
# Exit 0 when every case passes every row, 1 otherwise (the tables say why).
set -u
B=$(cd "$1" && pwd); T=$B/tiersim; R=$B/tierref
S=${2:-$(mktemp -d)}
mkdir -p "$S/hot" "$S/warm"
fails=0
echo "validate: scratch $S"
"$R" probe --hot "$S/hot" --warm "$S/warm" --out "$S/preset.ini" || exit 1
for ini in scenarios/validate/*.ini; do
	c=$(basename "$ini" .ini)
	echo; echo "=== case $c ($ini)"
	rm -rf "$S/hot/hot" "$S/warm/warm"
	if ! "$R" populate "$ini" --hot "$S/hot" --warm "$S/warm" >"$S/$c.pop" 2>&1 ||
	   ! "$R" run "$ini" --hot "$S/hot" --warm "$S/warm" --out "$S/$c.db" >"$S/$c.run" 2>&1; then
		cat "$S/$c.pop" "$S/$c.run" 2>/dev/null | tail -5
		echo "case $c: the measured run failed"; fails=$((fails + 1)); continue
	fi
	"$T" validate hardware --measured "$S/$c.db" --preset "$S/preset.ini" --plot "$S/plot-$c" || fails=$((fails + 1))
done
echo; echo "validate: $fails of $(ls scenarios/validate/*.ini | wc -l) cases missed a goal; preset $S/preset.ini"
[ "$fails" -eq 0 ]
