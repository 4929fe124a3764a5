#!/bin/sh
# azurite.sh — Azurite, Microsoft's Azure Storage emulator (npm package
# "azurite"), as the Blob endpoint for tests (DESIGN.md, "External parts").
#
#   sh scripts/azurite.sh install            install the pinned version into
#                                            $AZURITE_DIR (default build/azurite);
#                                            quick when already there
#   sh scripts/azurite.sh start PORT DATADIR start the Blob service on
#                                            127.0.0.1:PORT (0: a free port)
#                                            with its data in DATADIR; waits
#                                            until it answers; prints the
#                                            endpoint URL
#   sh scripts/azurite.sh stop DATADIR       stop the one started with DATADIR
#
# Version pinned: 3.35.0, the newest release whose package.json accepts
# Node.js 20 (3.36.0 wants Node >= 21, 3.37.0 Node >= 22; checked with
# `npm view azurite@3.36.0 engines`).  Loopback only, always.
set -eu

AZURITE_VERSION=3.35.0
DIR=${AZURITE_DIR:-build/azurite}
BIN="$DIR/node_modules/.bin/azurite-blob"

die() { echo "azurite.sh: $*" >&2; exit 1; }

installed_version() {
	pj="$DIR/node_modules/azurite/package.json"
	[ -f "$pj" ] || return 0
	sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pj" | head -1
}

cmd_install() {
	if [ "$(installed_version)" = "$AZURITE_VERSION" ] && [ -x "$BIN" ]; then
		return 0
	fi
	command -v node >/dev/null 2>&1 || die "Node.js (node) is not installed; install it (scripts/deps.sh does) to run the Azurite tests"
	command -v npm >/dev/null 2>&1 || die "npm is not installed; install it (scripts/deps.sh does) to run the Azurite tests"
	mkdir -p "$DIR"
	log="$DIR/npm-install.log"
	echo "azurite.sh: installing azurite@$AZURITE_VERSION into $DIR (npm)" >&2
	if ! npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error \
		"azurite@$AZURITE_VERSION" >"$log" 2>&1; then
		tail -20 "$log" >&2
		die "npm could not install azurite@$AZURITE_VERSION (no network or no registry access?); see $log"
	fi
	[ "$(installed_version)" = "$AZURITE_VERSION" ] && [ -x "$BIN" ] ||
		die "npm finished but $BIN (version $AZURITE_VERSION) is not there; see $log"
}

# Prints a free loopback TCP port (the kernel's choice).
free_port() {
	node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();});'
}

# 0 when something answers HTTP on 127.0.0.1:$1.
answers() {
	node -e '
const r=require("http").get({host:"127.0.0.1",port:+process.argv[1],path:"/devstoreaccount1?comp=list",timeout:500},
  res=>{res.resume();process.exit(0);});
r.on("error",()=>process.exit(1)); r.on("timeout",()=>{r.destroy();process.exit(1);});' "$1"
}

cmd_start() {
	[ $# -eq 2 ] || die "usage: azurite.sh start PORT DATADIR"
	port=$1 data=$2
	[ -x "$BIN" ] || die "Azurite is not installed in $DIR; run: sh scripts/azurite.sh install"
	case $port in *[!0-9]*|'') die "PORT must be a number (0: pick a free one)";; esac
	[ "$port" -eq 0 ] && port=$(free_port)
	mkdir -p "$data"
	if [ -f "$data/azurite.pid" ] && kill -0 "$(cat "$data/azurite.pid")" 2>/dev/null; then
		die "an Azurite already runs for $data (pid $(cat "$data/azurite.pid"))"
	fi
	# --silent: no access log (it would hold signatures); --loose: ignore
	# headers Azurite does not know; --skipApiVersionCheck: accept our
	# x-ms-version whatever Azurite's newest is; --disableTelemetry: no
	# traffic off this machine (Azurite reports usage by default);
	# --disableProductStyleUrl: the account is always the first path
	# segment, as in our endpoint URL.
	# AZURITE_CPUS=LIST (taskset's list): the emulator runs on those CPUs
	# only, so that a measurement can keep it off the client's (make
	# validate's cold case: a remote store does not share the client's
	# CPUs).
	pin=
	if [ -n "${AZURITE_CPUS:-}" ]; then
		command -v taskset >/dev/null 2>&1 || die "AZURITE_CPUS is set and taskset (util-linux) is not installed"
		pin="taskset -c $AZURITE_CPUS"
	fi
	$pin "$BIN" --blobHost 127.0.0.1 --blobPort "$port" --location "$data/store" \
		--silent --loose --skipApiVersionCheck --disableTelemetry --disableProductStyleUrl \
		>"$data/azurite.log" 2>&1 &
	pid=$!
	echo "$pid" >"$data/azurite.pid"
	echo "$port" >"$data/azurite.port"
	i=0
	while ! answers "$port"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			tail -20 "$data/azurite.log" >&2
			rm -f "$data/azurite.pid"
			die "Azurite exited before answering on 127.0.0.1:$port (log above)"
		fi
		i=$((i + 1))
		if [ $i -ge 150 ]; then
			kill "$pid" 2>/dev/null || true
			rm -f "$data/azurite.pid"
			die "Azurite did not answer on 127.0.0.1:$port within 30 s"
		fi
		sleep 0.2
	done
	echo "http://127.0.0.1:$port/devstoreaccount1"
}

cmd_stop() {
	[ $# -eq 1 ] || die "usage: azurite.sh stop DATADIR"
	pf="$1/azurite.pid"
	[ -f "$pf" ] || return 0
	pid=$(cat "$pf")
	if kill "$pid" 2>/dev/null; then
		i=0
		while kill -0 "$pid" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
		kill -9 "$pid" 2>/dev/null || true
	fi
	rm -f "$pf"
}

[ $# -ge 1 ] || die "usage: azurite.sh install | start PORT DATADIR | stop DATADIR"
sub=$1; shift
case $sub in
install) cmd_install "$@" ;;
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
version) echo "$AZURITE_VERSION" ;;
*) die "unknown command '$sub' (install, start, stop)" ;;
esac
