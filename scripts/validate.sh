#!/bin/sh
# make validate — the hardware rung of the validation ladder on this
# machine (DESIGN.md rung 4, issue 5): for each case in scenarios/validate
# (a training epoch, a checkpoint burst with write-back, a KV-cache slice
# of the Mooncake trace, a read-heavy replay, the same replay over a Blob
# container on Azurite, the checkpoint burst draining into one), tierref
# populate and run measure it on real
# directories (and the container), and tiersim validate hardware predicts it
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
#   VALIDATE_MIN_FREE=G (default 16, enough for the KV-cache case's 9 GiB)
#   GiB free on the scratch disk under which the trash of earlier runs is
#   emptied, and VALIDATE_SETTLE=S (default 370) seconds the next
#   populate (and so its probe and run) then waits (see the loop below).
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
settle=${VALIDATE_SETTLE:-370}
case $settle in ''|*[!0-9]*) echo "validate: VALIDATE_SETTLE=$settle: give whole seconds" >&2; exit 2 ;; esac
ncpu=$(nproc 2>/dev/null || echo 1)
acpu=${VALIDATE_AZURITE_CPU:-}
case $acpu in
'') ;;
*[!0-9]*) echo "validate: VALIDATE_AZURITE_CPU=$acpu: give a CPU number" >&2; exit 2 ;;
*) [ "$acpu" -lt "$ncpu" ] ||
	{ echo "validate: VALIDATE_AZURITE_CPU=$acpu: this machine's CPUs are 0 to $((ncpu - 1))" >&2; exit 2; } ;;
esac
min_free_gib=${VALIDATE_MIN_FREE:-16}
case $min_free_gib in ''|*[!0-9]*) echo "validate: VALIDATE_MIN_FREE=$min_free_gib: give whole GiB" >&2; exit 2 ;; esac
# Seconds since boot (/proc/uptime: CLOCK_BOOTTIME, which no clock
# adjustment moves), whole.
uptime_s() { awk '{ printf "%d\n", $1 }' /proc/uptime; }
# Sleeps until $settle s have passed since uptime $1.
settle() {
	left=$(($1 + settle - $(uptime_s)))
	[ "$left" -le 0 ] || sleep "$left"
}
# Drops the cached pages of every file under $1 (see the loop below).
drop_cached() {
	find "$1" -type f -exec sh -c 'for f; do dd if="$f" iflag=nocache count=0 status=none; done' sh {} + 2>/dev/null || true
}
# Reads every file under $1 once (see the loop below: the page cache
# the probe measured).  Missing is fine: a case with no warm files.
warm_touch() {
	[ -d "$1" ] || return 0
	find "$1" -type f -exec cat {} + >/dev/null
}
S=${2:-$(mktemp -d)}
case $S in *[[:space:]]*) echo "validate: SCRATCH '$S': give a path without spaces" >&2; exit 2 ;; esac
mkdir -p "$S/hot" "$S/warm" "$S/bin"
# The binaries the set runs, copied: a rebuild during the set (make
# replaces build/tierref) would otherwise fail the run that starts while
# the linker writes it ("Permission denied"), or mix two builds in a set.
cp "$T" "$R" "$S/bin/" || { echo "validate: cannot copy $T and $R into $S/bin" >&2; exit 2; }
T=$S/bin/tiersim; R=$S/bin/tierref
fails=0; ncases=0; trash=0; deleted=-100000
echo "validate: scratch $S, $N run(s) per case"
# A case with a cold tier ([tier cold]) reads a Blob container on
# Azurite, Microsoft's emulator (scripts/azurite.sh installs the pinned
# version from npm), started afresh for each of its runs (below) and
# stopped after.  With two CPUs or more it runs on one only, and that
# case's tierref (probe and run) on the others: a remote store does not
# share the client's CPUs.  Unpinned, the emulator's CPU for each request
# competed with the client's kernel work (creates, writes) in the run
# but not in the probe's hot-tier sweep, which runs while the emulator
# is idle; the cold case met 21-25 of its 32 rows in four sets so, and
# 30 and 31 in two sets with both pinned (HARDWARE.md).  Its CPU is the
# last, or VALIDATE_AZURITE_CPU.  (This VM's disk interrupts all land on
# the last CPU.  Azurite on the other, with the client beside the
# interrupts, was tried in two sets of the cold case: its GETs' p50
# came within 8% each time, but its hot-tier rows missed more, and the
# sets met 29 and 28 rows against 30 in one set run the usual way between
# them; HARDWARE.md.)  Its account key is the emulator's documented,
# public development key.
cold_url=
for c in $cases; do
	grep -q '^\[tier cold\]' "scenarios/validate/$c.ini" || continue
	sh scripts/azurite.sh install || { echo "validate: case $c needs Azurite (above)" >&2; exit 2; }
	pin=; others=
	if [ "$ncpu" -ge 2 ]; then
		pin=${acpu:-$((ncpu - 1))}
		others=$(awk -v n="$ncpu" -v p="$pin" 'BEGIN { for (i = 0; i < n; i++) if (i != p) s = s (s == "" ? "" : ",") i; print s }')
	fi
	trap 'sh scripts/azurite.sh stop "$S/azurite" || true' EXIT INT TERM
	cold_url=started
	echo "validate: Azurite $(sh scripts/azurite.sh version) for the cold cases, a fresh one for each run${pin:+, on CPU $pin}"
	TIERREF_BLOB_KEY='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='
	export TIERREF_BLOB_KEY
	break
done
# When this script last emptied a trash (uptime seconds, in the build
# folder): a make validate started soon after another measures the
# slower creates of that deletion, so its first populate waits too.
stamp=$B/validate.deleted
last=$(cat "$stamp" 2>/dev/null || true)
case $last in
''|*[!0-9]*) ;;
*) if [ "$last" -le "$(uptime_s)" ] && [ $((last + settle)) -gt "$(uptime_s)" ]; then
	deleted=$last
	echo "validate: the last make validate emptied its trash $(($(uptime_s) - last)) s ago: the first populate waits until $settle s have passed"
   fi ;;
esac

for c in $cases; do
	ini=scenarios/validate/$c.ini
	ncases=$((ncases + 1))
	missed=0
	run=1
	while [ "$run" -le "$N" ]; do
		tag=$c; [ "$N" -gt 1 ] && tag=$c.$run
		echo; echo "=== case $c ($ini)$([ "$N" -gt 1 ] && echo ", run $run of $N")"
		# The last run's trees and the probe's scratch sets are renamed
		# into the trash, not deleted: on ext4 without a journal, every
		# create scans past the inodes deleted in the last minute (six
		# while the inode table block that holds them is dirty, as the
		# creates that follow make it; fs/ext4/ialloc.c,
		# recently_deleted), which made the replay case's creates several
		# times slower than the probe's.  The trash is emptied at the end,
		# or now if the disk is short, and then the populate (with the
		# probe and the run after it) waits until $settle s have passed.
		# The probe keeps its scratch set, so it deletes nothing just
		# before the run either.
		trash=$((trash + 1))
		mkdir -p "$S/trash/$trash"
		# The last run's Azurite too: each run of a cold case meets a
		# fresh one.  In set 39 the cold case ran after cold-checkpoint
		# had written 576 MiB into the same emulator, and its GETs were
		# 30% slower in the runs than in the probes (throughput +47%).
		[ -n "$cold_url" ] && sh scripts/azurite.sh stop "$S/azurite"
		for d in hot/hot warm/warm hot/probe warm/probe azurite; do
			[ -e "$S/$d" ] && mv "$S/$d" "$S/trash/$trash/$(echo "$d" | tr / -)"
		done
		# The trash's pages leave the page cache (their files stay): a
		# full set's earlier runs had filled it, and the third KV-cache
		# run of set 25 met the kernel reclaiming 2.5 GB in the
		# background, its own warm set with it (2.8 GB read from the
		# disk, +103%).  dd with iflag=nocache and count=0 drops a
		# file's clean cached pages (GNU coreutils).
		drop_cached "$S/trash/$trash"
		free_kib=$(df -Pk "$S" | awk 'NR == 2 { print $4 }')
		if [ "$free_kib" -lt $((min_free_gib * 1048576)) ]; then
			echo "validate: $((free_kib / 1048576)) GiB free, under $min_free_gib: emptying the trash and waiting $settle s"
			rm -rf "$S/trash"
			sync
			deleted=$(uptime_s)
			echo "$deleted" >"$stamp" 2>/dev/null || true
		fi
		# sync: the populate's dirty pages are written back before the
		# measured run starts; otherwise their writeback (up to the
		# kernel's dirty limit, gigabytes for the KV-cache case) competes
		# with the run for the disk, which is the populate's cost, not
		# the scenario's.  The wait for the deletion comes before the
		# populate, not between it and the run: this machine's kernel
		# pages out memory nobody touched for a minute (DAMON's pageout
		# scheme, kdamond; /sys/kernel/mm/damon/admin), and a 370 s wait
		# there cost the KV-cache case 1.3 GB of its warm set, which its
		# run then read from the disk at a third of the speed.  The 3 s
		# after the probe: this VM hands memory freed for 2 s back to the
		# hypervisor (free page reporting), and a page handed back costs
		# about 10 times more to fill with new data (2.3 against 0.2 ms
		# per MiB of page cache); a run started at once wrote its first
		# hundreds of MiB into the probe's freed memory, fast, and the
		# probe measures the run's appends as they are once that is gone.
		# Then the warm tier's files are read once, just before the run:
		# the probe measured a warm tier held in the page cache, and the
		# kernel's DAMON pageout (above) takes idle physical regions by
		# the region, not the page, so files populated under a minute
		# before had been put out to the disk by the run in some runs
		# (KV-cache, sets 22 and 23: the four runs that read 97-312 MiB
		# again missed by +23% to +43%; the two that read none, +0.7%
		# and -21.3%).  A read marks them used, and DAMON leaves regions
		# in use alone for a minute.
		# The tiers the case has: a directory for warm, a container of
		# its own per run for cold (the probe's in another).
		tiers="--hot $S/hot"; probe_cold=; cpin=
		grep -q '^\[tier warm\]' "$ini" && tiers="$tiers --warm $S/warm"
		if grep -q '^\[tier cold\]' "$ini"; then
			if ! cold_url=$(AZURITE_CPUS=$pin sh scripts/azurite.sh start 0 "$S/azurite"); then
				echo "case $c: Azurite did not start (above)"; missed=1; break
			fi
			ctr=$(echo "$tag" | tr . -)
			tiers="$tiers --cold $cold_url/run-$ctr"; probe_cold="--cold $cold_url/probe-$ctr"
			[ -n "$pin" ] && cpin="taskset -c $others" # the client off Azurite's CPU (above)
		fi
		if ! settle "$deleted" ||
		   ! "$R" populate "$ini" $tiers >"$S/$tag.pop" 2>&1 || ! sync ||
		   ! $cpin "$R" probe --keep-scratch ${tiers%% --cold *} $probe_cold --out "$S/$tag.preset.ini" \
			>"$S/$tag.probe" 2>&1 || ! sync || ! sleep 3 || ! warm_touch "$S/warm/warm" ||
		   ! $cpin "$R" run "$ini" $tiers --out "$S/$tag.db" >"$S/$tag.run" 2>&1; then
			cat "$S/$tag.pop" "$S/$tag.probe" "$S/$tag.run" 2>/dev/null | tail -5
			echo "case $c: the measured run failed"; missed=1; break
		fi
		grep -E "^(the host's (memory|CPUs)|free memory handed back|the loop thread's content work)" "$S/$tag.run" || true # a slow run says why (refimpl/hoststat.h)
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
# The last run's trees go too (the KV-cache case's are 9 GiB); the
# databases, presets, logs and plots stay.
rm -rf "$S/trash" "$S/hot/hot" "$S/warm/warm" "$S/hot/probe" "$S/warm/probe"
if [ -n "$cold_url" ]; then
	sh scripts/azurite.sh stop "$S/azurite"
	rm -rf "$S/azurite"
fi
uptime_s >"$stamp" 2>/dev/null || true
echo; echo "validate: $fails of $ncases cases missed a goal; presets $S/*.preset.ini"
[ "$fails" -eq 0 ]
