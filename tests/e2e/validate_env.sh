#!/bin/sh
# make validate's settings (scripts/validate.sh): a bad value is refused
# with exit 2 and a message naming the variable, before anything is made
# (no scratch folder, no Azurite, no run).
# Usage: sh tests/e2e/validate_env.sh TIERSIM TMPDIR
set -u
D=$2
B=$(dirname "$1")
fails=0
n=0
# refused VAR=VALUE WHAT: validate.sh exits 2, says VAR, makes no SCRATCH
refused() {
	n=$((n + 1))
	s=$D/scratch.$n
	out=$(env "$1" sh scripts/validate.sh "$B" "$s" 2>&1)
	rc=$?
	var=${1%%=*}
	if [ "$rc" -eq 2 ] && echo "$out" | grep -q "$var" && [ ! -e "$s" ]; then
		echo "ok   $2"
	else
		echo "FAIL $2 (exit $rc, scratch $([ -e "$s" ] && echo made || echo absent)): $out"
		fails=$((fails + 1))
	fi
}
ncpu=$(nproc 2>/dev/null || echo 1)
refused VALIDATE_RUNS=0 "no runs"
refused VALIDATE_RUNS=three "runs not a number"
refused VALIDATE_CASES=nosuchcase "an unknown case"
refused VALIDATE_SETTLE=5m "settle not whole seconds"
refused VALIDATE_MIN_FREE=-1 "min free not whole GiB"
refused VALIDATE_AZURITE_CPU=last "Azurite's CPU not a number"
refused VALIDATE_AZURITE_CPU="$ncpu" "Azurite's CPU beyond the machine's ($ncpu CPUs)"
[ "$fails" -eq 0 ]
