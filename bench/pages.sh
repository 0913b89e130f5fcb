#!/usr/bin/env bash
# pages.sh - paired runs of rendered ListItaSubJobs pages: every request a
# different page, so the memo of rendered answers (src/api/memo.c) serves
# none of them.  Runs A, B, B, A, A, B, ... (PAIRS pairs) against one
# seeded data directory and prints, per run, requests/s, p99 and the
# server's CPU per request (utime + stime from /proc/PID/stat), then each
# side's median and range.
#
#   bench/pages.sh DATA BIN_A "ARGS_A" BIN_B "ARGS_B" [BIN_C "ARGS_C" ...]
#
# More than two sides run in rounds, A B C ... then ... C B A, and so on
# (PAIRS rounds): e.g. the same binary with "--threads 2", "--threads 4"
# and "--threads 8".
#
# DATA is a directory holding creds.json (wksjobs init --json) and data/
# (seeded by wksjobs-seed; the huge project is the one listed).  ARGS_x
# are extra `serve` arguments of that side (e.g. "--threads 2").  The
# pages (PAGES_MODE):
#   walk     offsets 0, 100, ... 9,900 x no filter / SUCCESS / FAILED /
#            WAITING, limit=100: 400 pages, deep ones included
#   shallow  offsets 0 .. 99 x the same four filters: 400 pages near the
#            top (the rendering cost without the walk to a deep offset)
#   poll     one page (offset 0, no filter) again and again: the memo's answer
#   show     ShowJob of one job of the small project again and again
#   missing  ShowJob of a job that does not exist (404): HTTP, AK/SK and
#            one index lookup, the floor under any answer
# Knobs: PAIRS (4), PAGES_CONNS (32), BENCH_DURATION (5 s after a 1 s
# warm-up), PAGES_OUT (a JSONL file of every run; default none),
# PAGES_PERF=PREFIX (perf record of the server, PAGES_PERF_CG (fp) its call graph, during each run into
# PREFIX.<side><pair>.data: a profile, its figures not a measurement).
# Hold the machine's bench lock around it: flock /work/wt/bench.lock ...
set -euo pipefail

DIR=$(readlink -f "${1:?usage: bench/pages.sh DATA BIN_A ARGS_A BIN_B ARGS_B}")
shift
SIDES=(A B C D E F G H)
BINS=() ARGSS=()
while [ $# -gt 0 ]; do
	BINS+=("$(readlink -f "$1")") ARGSS+=("${2-}")
	shift $(($# < 2 ? $# : 2))
done
if [ ${#BINS[@]} -lt 2 ] || [ ${#BINS[@]} -gt ${#SIDES[@]} ]; then
	echo "pages: two to ${#SIDES[@]} sides (BIN ARGS ...)" >&2
	exit 2
fi
BIN_A=${BINS[0]}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
TOOLS=$(dirname "$BIN_A")/bench
PAIRS=${PAIRS:-4}
CONNS=${PAGES_CONNS:-32}
DUR=${BENCH_DURATION:-5}
MODE=${PAGES_MODE:-walk}
WRK_THREADS=$((CONNS < 2 ? 1 : 2))	# wrk needs a connection per thread
L=workspace-sub-jobs
WORK=$(mktemp -d /tmp/wksjobs-pages.XXXXXX)
SERVER_PID=

log() { printf '%s pages: %s\n' "$(date +%T)" "$*" >&2; }
cleanup() {
	stop_pid "$SERVER_PID" TERM
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 1' INT TERM

AK=$(sed 's/.*"access_key":"\([^"]*\)".*/\1/' "$DIR/creds.json")
SK=$(sed 's/.*"secret_key":"\([^"]*\)".*/\1/' "$DIR/creds.json")
# shellcheck disable=SC1091
. "$DIR/data/seed.env"

reqs() {	# reqs FILE: the mode's signed requests for the server on PUB
	local out=$1 off s q
	local -a offs
	: >"$out"
	case $MODE in
	walk) mapfile -t offs < <(seq 0 100 9900) ;;
	shallow) mapfile -t offs < <(seq 0 99) ;;
	poll) offs=(0) ;;
	show | missing)
		q=workspace-jobs/$SHOW_JOB
		[ "$MODE" = show ] || q=workspace-jobs/$(printf '0%.0s' $(seq 32))
		"$TOOLS/wksjobs-benchreq" --ak "$AK" --sk "$SK" --host "$PUB" \
		    --out "$out" --count 400 --path "/v2/$SMALL_PROJECT/$q"
		return ;;
	*) echo "pages: unknown PAGES_MODE $MODE" >&2; exit 2 ;;
	esac
	for off in "${offs[@]}"; do
		for s in "" SUCCESS FAILED WAITING; do
			[ "$MODE" = poll ] && [ -n "$s" ] && continue
			q="limit=100&offset=$off${s:+&status=$s}"
			"$TOOLS/wksjobs-benchreq" --ak "$AK" --sk "$SK" \
			    --host "$PUB" --out "$WORK/one.req" \
			    --path "/v2/$HUGE_PROJECT/$L" --query "$q" \
			    --count "$([ "$MODE" = poll ] && echo 400 || echo 1)"
			cat "$WORK/one.req" >>"$out"
		done
	done
}

run_side() {	# run_side SIDE PAIR
	local i=$1 pair=$2 side=${SIDES[$1]} bin=${BINS[$1]} sargs=${ARGSS[$1]}
	local c0 c1 line n perf_pid
	# shellcheck disable=SC2086
	serve_start "$WORK/serve.out" "$WORK/serve.err" "$DIR/data" \
	    --rate-limit 0 --max-inflight 0 $sargs -- "$bin"
	reqs "$WORK/run.req"
	timeout 20 wrk -t"$WRK_THREADS" -c"$CONNS" -d1s -s "$HERE/replay.lua" \
	    "http://$PUB" -- "$WORK/run.req" "$WRK_THREADS" cycle >/dev/null
	perf_pid=
	if [ -n "${PAGES_PERF:-}" ]; then	# a profile (then not a measurement)
		perf record -F 999 --call-graph "${PAGES_PERF_CG:-fp}" -p "$SERVER_PID" \
		    -o "$PAGES_PERF.$side$pair.data" -- sleep "$DUR" \
		    >/dev/null 2>&1 &
		perf_pid=$!
	fi
	c0=$(cpu_ticks "$SERVER_PID")
	line=$(timeout $((DUR + 30)) wrk -t"$WRK_THREADS" -c"$CONNS" \
	    -d"${DUR}s" --timeout 10s -s "$HERE/replay.lua" "http://$PUB" -- \
	    "$WORK/run.req" "$WRK_THREADS" cycle | sed -n 's/^BENCH //p')
	c1=$(cpu_ticks "$SERVER_PID")
	[ -z "$perf_pid" ] || wait "$perf_pid" || true
	stop_pid "$SERVER_PID" TERM
	SERVER_PID=
	[ -n "$line" ] || { log "$side: wrk gave no result"; exit 1; }
	n=${line#*\"requests\":}
	n=${n%%,*}
	line="${line%\}},\"cpu_us_per_req\":$(awk -v t=$((c1 - c0)) -v n="$n" \
	    -v hz="$hz" 'BEGIN {printf "%.1f", t * 1e6 / hz / n}')}"
	echo "{\"mode\":\"$MODE\",\"pair\":$pair,\"side\":\"$side\",\"args\":\"$sargs\",\"result\":$line}" |
	    tee -a "${PAGES_OUT:-/dev/null}" >>"$WORK/runs.jsonl"
	log "pair $pair $side: $line"
}

N=${#BINS[@]}
for i in $(seq 0 $((N - 1))); do
	log "$MODE: ${SIDES[$i]} = ${BINS[$i]} [${ARGSS[$i]}]"
done
log "$PAIRS pairs (rounds)"
for p in $(seq "$PAIRS"); do
	if [ $((p % 2)) = 1 ]; then
		for i in $(seq 0 $((N - 1))); do run_side "$i" "$p"; done
	else
		for i in $(seq $((N - 1)) -1 0); do run_side "$i" "$p"; done
	fi
done
# Per side: median and range of req/s, p99 and CPU per request.
for side in "${SIDES[@]:0:$N}"; do
	for k in rps p99_ms cpu_us_per_req; do
		grep "\"side\":\"$side\"" "$WORK/runs.jsonl" |
		    sed "s/.*\"$k\":\([0-9.]*\).*/\1/" | sort -g |
		    awk -v s="$side" -v k="$k" '{ v[NR] = $1 } END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%s %-15s median %10.1f  range %.1f-%.1f\n", s, k, m, v[1], v[NR] }'
	done
done
