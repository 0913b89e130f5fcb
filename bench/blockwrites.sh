#!/usr/bin/env bash
# blockwrites.sh - what two server builds cost the writes when their
# schemas differ (so bench/paired.sh, which seeds one file for both sides,
# cannot compare them): each binary gets a data set seeded by its own
# build's seeder, and runs alternate A, B, B, A, ... (BLOCKWRITES_PAIRS
# pairs), each from its side's seeded file put back:
#   delete   BatchDeleteSubJobs of 10 IDs, durable, 32 connections, once
#            through the seeded delete groups (bench/run.sh's row)
#   claim    claim -> finish on the internal API, 8 connections
#            (bench/claim.lua)
# Each run prints requests (claim: finished sub-jobs) per second, the
# server's CPU per request (sub-job) and the bytes its write syscalls
# passed per request (the WAL frames, and the answers' bytes on the
# sockets).  Hold the bench lock around it (flock).
#
#   bench/blockwrites.sh BIN_A BIN_B
#
# Env: BLOCKWRITES_SUBJOBS (300000), BLOCKWRITES_DURATION (3 s),
# BLOCKWRITES_PAIRS (3), BLOCKWRITES_ROWS ("delete claim").
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
SUBJOBS=${BLOCKWRITES_SUBJOBS:-300000}
DUR=${BLOCKWRITES_DURATION:-3}
PAIRS=${BLOCKWRITES_PAIRS:-3}
ROWS=${BLOCKWRITES_ROWS:-delete claim}
[ $# -eq 2 ] || { echo "usage: bench/blockwrites.sh BIN_A BIN_B" >&2; exit 2; }
BIN_A=$(readlink -f "$1")
BIN_B=$(readlink -f "$2")

WORK=$(mktemp -d /tmp/wksjobs-blockwrites.XXXXXX)
SERVER_PID=''
WATCHDOG_PID=''
log() { printf '%s blockwrites: %s\n' "$(date +%T)" "$*" >&2; }
trap 'stop_pid "$SERVER_PID" TERM; scratch_end' EXIT
trap 'log "interrupted"; exit 1' INT TERM
watchdog blockwrites $((600 + PAIRS * 60))

# seed SIDE BIN: $WORK/SIDE/data and its seeded copy
seed() {
	local d=$WORK/$1
	mkdir -p "$d"
	"$2" init --data "$d/data" --json >"$d/creds.json" 2>/dev/null
	"$(dirname "$2")/bench/wksjobs-seed" --data "$d/data" \
	    --subjobs "$SUBJOBS" --big $((SUBJOBS / 10)) --huge 200000 \
	    2>"$d/seed.log"
	sync "$d/data/wksjobs.db"
	cp "$d/data/wksjobs.db" "$d/seeded.db"
}

restore() {	# restore SIDE: its seeded file back, no WAL
	local d=$WORK/$1
	rm -f "$d/data/wksjobs.db" "$d/data/wksjobs.db-wal" \
	    "$d/data/wksjobs.db-shm"
	dd if="$d/seeded.db" of="$d/data/wksjobs.db" bs=4096 status=none
	sync "$d/data/wksjobs.db"
}

wchar() { awk '/^wchar:/ {print $2}' "/proc/$1/io"; }

# run SIDE BIN ROW PAIR: one timed run
run() {
	local side=$1 bin=$2 row=$3 pair=$4 d=$WORK/$1 ak sk c0 c1 w0 w1 line n
	restore "$side"
	ak=$(sed 's/.*"access_key":"\([^"]*\)".*/\1/' "$d/creds.json")
	sk=$(sed 's/.*"secret_key":"\([^"]*\)".*/\1/' "$d/creds.json")
	serve_start "$d/serve.out" "$d/serve.err" "$d/data" \
	    --rate-limit 0 --max-inflight 0 -- "$bin"
	if [ "$row" = delete ]; then
		# shellcheck disable=SC1091
		. "$d/data/seed.env"
		"$(dirname "$bin")/bench/wksjobs-benchreq" --ak "$ak" --sk "$sk" \
		    --host "$PUB" --out "$d/del.req" --method POST \
		    --path-fmt "/v2/%s/workspace-sub-jobs/batch-delete" \
		    --ids "$d/data/deletable.txt" --count "$SEED_DELETE_GROUPS"
	fi
	c0=$(cpu_ticks "$SERVER_PID") w0=$(wchar "$SERVER_PID")
	if [ "$row" = delete ]; then
		line=$(timeout $((DUR + 30)) wrk -t2 -c32 -d"${DUR}s" \
		    --timeout 10s -s "$HERE/replay.lua" "http://$PUB" -- \
		    "$d/del.req" 2 once | sed -n 's/^BENCH //p')
	else
		line=$(timeout $((DUR + 30)) wrk -t2 -c8 -d"${DUR}s" \
		    --timeout 10s -s "$HERE/claim.lua" "http://$INT" -- \
		    "$ak" "$sk" | sed -n 's/^BENCH //p')
	fi
	c1=$(cpu_ticks "$SERVER_PID") w1=$(wchar "$SERVER_PID")
	stop_pid "$SERVER_PID" TERM
	SERVER_PID=''
	# per request; claim -> finish: per finished sub-job (claim + finish)
	if [ "$row" = delete ]; then
		n=$(printf '%s' "$line" | sed 's/.*"requests":\([0-9]*\).*/\1/')
	else
		n=$(printf '%s' "$line" | sed 's/.*"cycles":\([0-9]*\).*/\1/')
	fi
	awk -v s="$side" -v r="$row" -v p="$pair" -v t=$((c1 - c0)) \
	    -v hz="$hz" -v n="$n" -v w=$((w1 - w0)) -v d="$DUR" 'BEGIN {
		printf "%s %s pair=%s per_s=%.0f cpu_us=%.0f write_bytes=%.0f\n",
		    s, r, p, n / d, t / hz * 1e6 / n, w / n }'
}

log "seeding"
seed A "$BIN_A"
seed B "$BIN_B"
for row in $ROWS; do
	for p in $(seq "$PAIRS"); do
		if [ $((p % 2)) = 1 ]; then
			run A "$BIN_A" "$row" "$p"
			run B "$BIN_B" "$row" "$p"
		else
			run B "$BIN_B" "$row" "$p"
			run A "$BIN_A" "$row" "$p"
		fi
	done
done
