#!/bin/sh
# scripts/validate_medians.awk (make validate VALIDATE_RUNS=N): the medians
# of hand-made `validate hardware --format csv` tables, worked out by hand.
#   throughput errors +5%, +20%, -1%   -> median +5.00%, range -1 to +20: pass (+/-10%)
#   p99 errors -40%, -35%, +10%        -> median -35.00%: FAIL (+/-30%)
#   AU errors +1, +4, +2 pt            -> median +2.00 pt: pass (+/-3 pt)
#   an exact row that missed in run 2  -> FAIL though its median is 0
# Usage: sh tests/e2e/validate_medians.sh TIERSIM TMPDIR
set -u
D=$2
fails=0
check() {
	what=$1; shift
	if "$@"; then echo "ok   $what"; else echo "FAIL $what"; fails=$((fails + 1)); fi
}
h=metric,kind,measured,predicted,unit,error,goal,result
for r in 1 2 3; do
	case $r in
	1) t=+5.00%; p=-40.00%; a="+1.00 pt"; x=pass; xe=+0.00% ;;
	2) t=+20.00%; p=-35.00%; a="+4.00 pt"; x=FAIL; xe=+1.00% ;;
	3) t=-1.00%; p=+10.00%; a="+2.00 pt"; x=pass; xe=+0.00% ;;
	esac
	{
		echo "$h"
		echo "tier.hot.read_bandwidth,throughput,1,1,MB/s,$t,+/-10%,x"
		echo "tier.hot.read_latency.p99,p99,1,1,ms,$p,+/-30%,x"
		echo "job.train.au,points,0.5,0.5,ratio,$a,+/-3 pt,x"
		echo "tier.hot.hits,exact,1,1,chunks,$xe,equal,$x"
	} >"$D/c.$r.csv"
done
awk -F, -v runs=3 -f scripts/validate_medians.awk "$D"/c.[0-9].csv >"$D/out"; s=$?
cat "$D/out"
check "exit 1: rows miss" test "$s" = 1
check "throughput: median +5.00%, range -1 to +20, pass" sh -c "grep '^tier.hot.read_bandwidth ' '$D/out' | grep -q '+5.00%.*-1.00 to.*+20.00%.*pass'"
check "p99: median -35.00%, FAIL" sh -c "grep '^tier.hot.read_latency.p99 ' '$D/out' | grep -q -- '-35.00%.*FAIL'"
check "AU: median +2.00 pt, pass" sh -c "grep '^job.train.au ' '$D/out' | grep -q '+2.00pt.*pass'"
check "exact row that missed once: FAIL" sh -c "grep '^tier.hot.hits ' '$D/out' | grep -q 'FAIL'"
check "summary: 2 of 4 rows" grep -q '^2 of 4 rows meet their goal on the median of 3 runs' "$D/out"
[ "$fails" -eq 0 ]
