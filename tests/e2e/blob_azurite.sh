#!/bin/sh
# End-to-end test of the Blob REST backend (refimpl/blob.c) against Azurite,
# Microsoft's Azure Storage emulator: installs the pinned Azurite into
# build/azurite (scripts/azurite.sh), starts it on a free loopback port with
# its data under SCRATCHDIR, runs tests/test_blob with TIERSIM_AZURITE_URL
# set (so its integration tests run rather than skip), checks that no
# credential reached any output or log, and stops Azurite (also on failure).
#
# Usage (from the repository root): sh tests/e2e/blob_azurite.sh TIERSIM SCRATCHDIR
# The test binary is $(dirname TIERSIM)/tests/test_blob; it is built if
# missing.  Azurite is a required part: if npm cannot install it (no
# network), this test FAILS and says why; it does not skip.
set -eu
bin=$1
dir=$2
build=$(dirname "$bin")
test_bin="$build/tests/test_blob"
data="$dir/azurite"
# The emulator's documented development key (public), to look for in logs.
dev_key='Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=='

fail() {
	echo "FAIL: blob_azurite: $*"
	exit 1
}

if [ ! -x "$test_bin" ]; then
	echo "blob_azurite: building $test_bin"
	make --no-print-directory BUILD="$build" "$test_bin" >"$dir/build.log" 2>&1 ||
		{ tail -20 "$dir/build.log"; fail "cannot build $test_bin (log above)"; }
fi

sh scripts/azurite.sh install || fail "Azurite could not be installed (reason above); it is required for this test"

trap 'sh scripts/azurite.sh stop "$data" || true' EXIT INT TERM
url=$(sh scripts/azurite.sh start 0 "$data") || fail "Azurite did not start (reason above)"
echo "blob_azurite: Azurite $(sh scripts/azurite.sh version) at $url"

set +e
TIERSIM_AZURITE_URL=$url "$test_bin" >"$dir/test.log" 2>&1
rc=$?
set -e
cat "$dir/test.log"
[ "$rc" -eq 0 ] || fail "test_blob exited $rc"
grep -q 'OK \] test_az_put_then_get_round_trips' "$dir/test.log" && ! grep -q "integration tests skipped" "$dir/test.log" ||
	fail "the Azurite integration tests did not run"

# Credentials never appear in output or logs (the key, or a signature header).
for f in "$dir/test.log" "$data/azurite.log"; do
	if grep -F -q -e "$dev_key" -e "SharedKey devstoreaccount1:" "$f"; then
		fail "a credential appears in $f"
	fi
done
echo "blob_azurite: ok"
