#!/bin/sh
# repredict.sh -- predicts again, with the tiersim built now, every run a
# `make validate` set measured (its scratch folder keeps each run's
# measured database CASE.N.db and preset CASE.N.preset.ini), and prints
# each case's medians as make validate does (scripts/validate_medians.awk).
# The measurements stay what they were, so a model change is judged on the
# same runs, free of the set-to-set noise of measuring again.
#
#   sh scripts/repredict.sh SET_DIR [KEY=VALUE ...]
#
# KEY=VALUE pairs go into the presets' [client] section first (replacing
# the key where a preset has it), e.g. reap_batch=0 to predict without
# the event-loop model.  Writes only under a temporary folder, removed at
# the end.  Exit status: 0 every row of every case passes, 1 some row
# misses, 2 bad usage.
set -u

if [ $# -lt 1 ] || [ ! -d "$1" ]; then
	echo "usage: sh scripts/repredict.sh SET_DIR [KEY=VALUE ...] (SET_DIR: a make validate scratch folder)" >&2
	exit 2
fi
S=$1
shift
T=${TIERSIM:-build/tiersim}
[ -x "$T" ] || { echo "repredict: $T is not built (make)" >&2; exit 2; }
for kv in "$@"; do
	case $kv in
	*=*) ;;
	*) echo "repredict: '$kv' is not KEY=VALUE" >&2; exit 2 ;;
	esac
done
overrides="$*"
W=$(mktemp -d)
trap 'rm -rf "$W"' EXIT

missed=0
found=0
for c in $(for f in scenarios/validate/*.ini; do basename "$f" .ini; done); do
	n=0
	for db in "$S/$c.db" "$S/$c".[0-9]*.db; do
		[ -f "$db" ] || continue
		tag=$(basename "$db" .db)
		preset="$S/$tag.preset.ini"
		[ -f "$preset" ] || { echo "repredict: $preset is missing" >&2; continue; }
		# The overrides replace their keys in [client] and are added
		# right after its header.
		awk -v kvs="$overrides" '
			BEGIN { nk = split(kvs, kv, " "); for (i = 1; i <= nk; i++) { split(kv[i], p, "="); key[p[1]] = p[2] } }
			/^\[/ { sec = $0 }
			sec == "[client]" && $1 in key && $2 == "=" { next }
			{ print }
			$0 == "[client]" { for (k in key) print k " = " key[k] }
		' "$preset" >"$W/$tag.ini"
		"$T" validate hardware --measured "$db" --preset "$W/$tag.ini" --format csv >"$W/$tag.csv" 2>"$W/$tag.err"
		if [ ! -s "$W/$tag.csv" ]; then
			echo "repredict: $tag: $(head -1 "$W/$tag.err")" >&2
			missed=1
			continue
		fi
		n=$((n + 1))
	done
	[ "$n" -gt 0 ] || continue
	found=1
	echo; echo "=== case $c: medians of $n runs, predicted again"
	set --
	for f in "$W/$c".csv "$W/$c".[0-9]*.csv; do
		[ -f "$f" ] && set -- "$@" "$f"
	done
	awk -F, -v runs="$n" -f scripts/validate_medians.awk "$@" || missed=1
done
[ "$found" -eq 1 ] || { echo "repredict: no CASE.N.db in $S" >&2; exit 2; }
exit "$missed"
