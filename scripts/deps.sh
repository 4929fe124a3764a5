#!/bin/sh
# Install the Debian packages tiersim builds, tests and plots with.
# Called by `make deps` (and so by `make run` and `make test`); `make fuzz`
# calls it as `deps.sh fuzz`, which adds clang (for libFuzzer).  As root it
# installs what is missing through apt-get; as anyone else it names the
# packages to install and fails, so nothing is left half set up.
set -eu

PKGS="build-essential pkg-config libgsl-dev libsqlite3-dev sqlite3 libcmocka-dev
      libinih-dev gnuplot-nox libyaml-dev libjansson-dev libzstd-dev
      liburing-dev libcurl4-openssl-dev libssl-dev fio"
# Node.js runs Azurite, the Blob endpoint of the tests.  A machine may have
# it from elsewhere (Debian's npm conflicts with other Node builds): take
# Debian's only when there is none.
command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"
[ "${1:-}" = fuzz ] && PKGS="$PKGS clang"

missing=""
for p in $PKGS; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
        || missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
    echo "tiersim: missing Debian packages:$missing" >&2
    echo "tiersim: install them with: sudo apt-get install$missing" >&2
    exit 1
fi
echo "tiersim: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || apt-get update
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
