#!/bin/sh
# Runs every tests/e2e/*.sh with the tiersim binary as $1 and a scratch
# directory as $2; fails if any fails.
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
pass=0; fail=0; failed=""
for t in tests/e2e/*.sh; do
	[ -e "$t" ] || continue
	dir=$(mktemp -d)
	if sh "$t" "$bin" "$dir" >"$dir/log" 2>&1; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1)); failed="$failed $t"
		echo "---- $t failed; its checks that failed:"; grep '^FAIL' "$dir/log"
		echo "---- and the end of its output:"; tail -30 "$dir/log"
	fi
	rm -rf "$dir"
done
echo "e2e: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
