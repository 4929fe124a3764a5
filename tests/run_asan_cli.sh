#!/bin/sh
# Runs the sanitizer build of tiersim on whole scenarios: leaks and
# undefined behaviour in code that only a full run reaches (teardown with
# requests in flight, the CLI) fail `make test`.  Usage: run_asan_cli.sh BIN
bin=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
pass=0; fail=0
for sc in "" scenarios/queueing.ini scenarios/cloudphysics-tiers.ini; do
	name=${sc:-default}
	if UBSAN_OPTIONS=halt_on_error=1 "$bin" run $sc --out "$dir/r.db" --plot "$dir/p" >"$dir/out" 2>"$dir/err"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "---- sanitizer run of tiersim on $name failed:"; tail -30 "$dir/err"
	fi
	rm -f "$dir/r.db"*
done
echo "asan-cli: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
