#!/usr/bin/env bash
# paired.sh - one paired comparison of two server variants on the rows a
# change affects: runs A, B, B, A, A, B, ... (PAIRS pairs, the first of each
# pair alternating), each run from the same state, and prints each side's
# median and spread (min-max) of requests/s, server CPU per request and
# write syscalls per request; optionally callgrind instruction counts of
# a fixed request sequence for each side (repeatable whatever else the
# machine runs).
#
#   bench/paired.sh ROW BIN_A "ENV_A" BIN_B "ENV_B"
#
# BIN_A and BIN_B may be the same binary: the sides then differ by their
# environment, e.g. "" against "LD_PRELOAD=/usr/lib/.../libmimalloc.so.2"
# or "GLIBC_TUNABLES=glibc.malloc.tcache_count=255".  ROW is one of
#   writes       BatchDeleteSubJobs of 10 new IDs, durable, PAIRED_CONNS
#                (32) connections, BENCH_WRITE_DURATION (3) s; every run
#                starts from the seeded file, put back as bench/run.sh does,
#                and sends the same requests in the same order
#   writes_cold  the same, with the file dropped from the page cache after
#                it is put back (the writer then reads pages from the disk)
#   list         ListItaSubJobs limit=100 of the project of 100,000, one
#                page asked for again and again (a poller), BENCH_DURATION
#                (5) s after a 1 s warm-up
#   list_pages   the same, 100 different pages in turn
#
# Knobs: PAIRED_LOOP=1 (writes rows: before each server run, the plain
# one-transaction-per-request loop of that side's build, from the seeded
# file, for as long: each run's ratio to its loop, as bench/run.sh pairs
# them), PAIRS (5), PAIRED_CONNS (32), BENCH_SUBJOBS (1000000), BENCH_DIR
# (/tmp), PAIRED_DATA (a directory: seed into it once and reuse it in
# later calls; else a scratch one, removed), PAIRED_CALLGRIND=N (then
# PAIRED_CG_RUNS (2) runs per side, interleaved, of N requests from
# send.mjs over PAIRED_CG_CONNS (1) connections under valgrind
# --tool=callgrind, instructions counted per thread from after the server
# is ready to after the last answer; the writer thread's counts repeat
# closely, those of the HTTP and timer threads move a little with the
# timing: key cache refreshes, polls), PAIRED_NAME (the label in
# bench/out/paired-NAME.jsonl, where every figure goes, with the CPU
# ticks and write syscalls of each server thread), PAIRED_WALFRAMES=N
# (writes rows: then once per side, N deletes sent by send.mjs over
# PAIRED_CONNS connections from the seeded file, and the WAL frames they
# wrote per request, B-tree by B-tree, by wksjobs-walframes; N small
# enough that the WAL stays below the checkpoint threshold, SQ_CKPT_PAGES).
set -euo pipefail

ROW=${1:?usage: bench/paired.sh ROW BIN_A ENV_A BIN_B ENV_B}
BIN_A=$(readlink -f "${2:?BIN_A}")
ENV_A=${3-}
BIN_B=$(readlink -f "${4:?BIN_B}")
ENV_B=${5-}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
TOOLS=$(dirname "$BIN_A")/bench
PAIRS=${PAIRS:-5}
CONNS=${PAIRED_CONNS:-32}
DUR=${BENCH_DURATION:-5}
WDUR=${BENCH_WRITE_DURATION:-3}
SUBJOBS=${BENCH_SUBJOBS:-1000000}
NAME=${PAIRED_NAME:-$ROW}
OUT=${BENCH_OUT:-$HERE/out}
WRK_THREADS=2
L=workspace-sub-jobs
case $ROW in
writes | writes_cold | list | list_pages) ;;
*) echo "paired: unknown row $ROW" >&2; exit 2 ;;
esac
for t in wrk node curl "$TOOLS/wksjobs-seed" "$TOOLS/wksjobs-benchreq" \
    "$TOOLS/wksjobs-walframes"; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "paired: $t not found (WKSJOBS_BENCH_DEPS=1 scripts/deps.sh)" >&2
		exit 1
	}
done

mkdir -p "$OUT"
RES=$OUT/paired-$NAME.jsonl
: >"$RES"
WORK=$(mktemp -d "${BENCH_DIR:-/tmp}/wksjobs-paired.XXXXXX")
SEEDDIR=${PAIRED_DATA:-$WORK/seed}
DATA=$WORK/data
SERVER_PID=

log() { printf '%s paired: %s\n' "$(date +%T)" "$*" >&2; }
cleanup() {
	stop_pid "$SERVER_PID" TERM
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'log "interrupted"; exit 1' INT TERM

# ---- the seeded state (once; kept in PAIRED_DATA when given) -------------
if [ ! -f "$SEEDDIR/seeded.db" ]; then
	mkdir -p "$SEEDDIR"
	"$BIN_A" init --data "$SEEDDIR/data" --json >"$SEEDDIR/creds.json" 2>/dev/null
	log "seeding $SUBJOBS sub-jobs"
	"$TOOLS/wksjobs-seed" --data "$SEEDDIR/data" --subjobs "$SUBJOBS" \
	    --big $((SUBJOBS / 10)) --huge $((SUBJOBS / 5)) 2>"$SEEDDIR/seed.log"
	sync "$SEEDDIR/data/wksjobs.db"
	mv "$SEEDDIR/data/wksjobs.db" "$SEEDDIR/seeded.db"
	rm -f "$SEEDDIR/data/wksjobs.db-wal" "$SEEDDIR/data/wksjobs.db-shm"
fi
AK=$(sed 's/.*"access_key":"\([^"]*\)".*/\1/' "$SEEDDIR/creds.json")
SK=$(sed 's/.*"secret_key":"\([^"]*\)".*/\1/' "$SEEDDIR/creds.json")
# shellcheck disable=SC1091
. "$SEEDDIR/data/seed.env"
mkdir -p "$DATA"
cp -a "$SEEDDIR/data/." "$DATA/"

restore() {	# the seeded file, in 4 KiB writes as bench/run.sh puts it back
	rm -f "$DATA/wksjobs.db" "$DATA/wksjobs.db-wal" "$DATA/wksjobs.db-shm"
	dd if="$SEEDDIR/seeded.db" of="$DATA/wksjobs.db" bs=4096 status=none
	sync "$DATA/wksjobs.db"
	if [ "$ROW" = writes_cold ]; then	# drop it from the page cache
		dd if="$DATA/wksjobs.db" iflag=nocache count=0 status=none
	fi
}

SERVE_ARGS=(--rate-limit 0 --max-inflight 0)
start_server() {	# start_server BIN "ENV" [WRAPPER...]: sets SERVER_PID PUB
	local bin=$1 envs=$2
	shift 2
	# shellcheck disable=SC2086
	serve_start "$WORK/serve.out" "$WORK/serve.err" "$DATA" \
	    "${SERVE_ARGS[@]}" -- env $envs "$@" "$bin"
}

reqs() {	# reqs FILE [COUNT]: the row's signed requests for the server on PUB
	local f=$1 n=${2:-}
	case $ROW in
	writes*)
		"$TOOLS/wksjobs-benchreq" --ak "$AK" --sk "$SK" --host "$PUB" \
		    --out "$f" --method POST --path-fmt "/v2/%s/$L/batch-delete" \
		    --ids "$DATA/deletable.txt" --count "${n:-$SEED_DELETE_GROUPS}" ;;
	list)
		"$TOOLS/wksjobs-benchreq" --ak "$AK" --sk "$SK" --host "$PUB" \
		    --out "$f" --path "/v2/$BIG_PROJECT/$L" --query limit=100 \
		    --count "${n:-4000}" ;;
	list_pages)
		"$TOOLS/wksjobs-benchreq" --ak "$AK" --sk "$SK" --host "$PUB" \
		    --out "$f" --path "/v2/$BIG_PROJECT/$L" --query limit=100 \
		    --count "${n:-4000}" --pages 100 ;;
	esac
}

# /proc figures of the server: write syscalls; CPU ticks and write syscalls
# per thread name (cpu_ticks: lib.sh).
syscw() { awk '/^syscw:/ {print $2}' "/proc/$1/io"; }
threads() {	# threads PID: {"thread name": [CPU ticks, write syscalls], ...}
	local t
	for t in /proc/"$1"/task/*; do
		printf '%s %s %s\n' "$(tr ' ' _ <"$t/comm")" \
		    "$(sed 's/.*) //' "$t/stat" | awk '{print $12 + $13}')" \
		    "$(awk '/^syscw:/ {print $2}' "$t/io")"
	done | awk '{ c[$1] += $2; w[$1] += $3 } END {
		s = ""
		for (k in c) { s = s sep "\"" k "\":[" c[k] "," w[k] "]"; sep = "," }
		print "{" s "}" }'
}
hz=$(getconf CLK_TCK)

loop_side() {	# loop_side BIN "ENV": with PAIRED_LOOP=1, the plain loop of
	# BIN's build (bench/baseline_delete.c) from the seeded file for as
	# long as the server's run, just before it; sets LOOP_RPS
	LOOP_RPS=
	[ "${PAIRED_LOOP:-0}" = 1 ] || return 0
	restore
	# shellcheck disable=SC2086
	LOOP_RPS=$(env $2 timeout $((WDUR + 60)) \
	    "$(dirname "$1")/bench/wksjobs-baseline-delete" \
	    --db "$DATA/wksjobs.db" --ids "$DATA/deletable.txt" \
	    --max "$SEED_DELETE_GROUPS" --seconds "$WDUR" |
	    sed -n 's/.*"rps":\([0-9.]*\).*/\1/p')
}

run_side() {	# run_side SIDE PAIR: one timed run, one line in RES
	local side=$1 pair=$2 bin envs mode secs c0 c1 w0 w1 t0 t1 line
	if [ "$side" = A ]; then bin=$BIN_A envs=$ENV_A; else bin=$BIN_B envs=$ENV_B; fi
	case $ROW in
	writes*) loop_side "$bin" "$envs"; restore; mode=once secs=$WDUR ;;
	*) mode=cycle secs=$DUR ;;
	esac
	start_server "$bin" "$envs"
	reqs "$WORK/run.req"
	if [ "$mode" = cycle ]; then	# warm-up, not measured
		timeout 20 wrk -t"$WRK_THREADS" -c"$CONNS" -d1s -s "$HERE/replay.lua" \
		    "http://$PUB" -- "$WORK/run.req" "$WRK_THREADS" cycle >/dev/null
	fi
	c0=$(cpu_ticks "$SERVER_PID") w0=$(syscw "$SERVER_PID")
	t0=$(threads "$SERVER_PID")
	line=$(timeout $((secs + 30)) wrk -t"$WRK_THREADS" -c"$CONNS" -d"${secs}s" \
	    --timeout 10s -s "$HERE/replay.lua" "http://$PUB" -- "$WORK/run.req" \
	    "$WRK_THREADS" "$mode" | sed -n 's/^BENCH //p')
	c1=$(cpu_ticks "$SERVER_PID") w1=$(syscw "$SERVER_PID")
	t1=$(threads "$SERVER_PID")
	stop_pid "$SERVER_PID" TERM
	SERVER_PID=
	[ -n "$line" ] || { log "$side: wrk gave no result"; exit 1; }
	line="${line%\}}${LOOP_RPS:+,\"loop_rps\":$LOOP_RPS},\"cpu_ms\":$(( (c1 - c0) * 1000 / hz )),\"syscw\":$((w1 - w0)),\"hz\":$hz,\"threads_before\":$t0,\"threads_after\":$t1}"
	printf '{"kind":"run","pair":%s,"side":"%s","env":"%s","result":%s}\n' \
	    "$pair" "$side" "$envs" "$line" >>"$RES"
	log "pair $pair $side: $line"
}

cg_side() {	# cg_side SIDE RUN: callgrind instructions of a fixed sequence
	local side=$1 run=$2 bin envs n=$PAIRED_CALLGRIND f ir th
	if [ "$side" = A ]; then bin=$BIN_A envs=$ENV_A; else bin=$BIN_B envs=$ENV_B; fi
	case $ROW in writes*) restore ;; esac
	rm -f "$WORK"/cg.*
	start_server "$bin" "$envs" valgrind --tool=callgrind \
	    --callgrind-out-file="$WORK/cg.%p" --dump-instr=no \
	    --separate-threads=yes
	reqs "$WORK/cg.req" "$n"
	# Counted from here: the server is ready, no request sent yet.
	callgrind_control -z "$SERVER_PID" >/dev/null
	node "$HERE/send.mjs" "$PUB" "$WORK/cg.req" "$n" "${PAIRED_CG_CONNS:-1}" \
	    >"$WORK/cg.sent"
	callgrind_control -d "$SERVER_PID" >/dev/null
	sleep 1
	stop_pid "$SERVER_PID" TERM
	SERVER_PID=
	# The dump after the zeroing (part 1), one file per thread, named by
	# the thread function it runs (what the HTTP threads run has no
	# symbol of this project's: "other").
	th=$(for f in "$WORK"/cg.*.1-[0-9]*; do
		ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$f")
		case $(grep -o -m1 -E 'writer_main|syncer_main|ckpt_main|reaper_main' "$f" ||
		    true) in
		writer_main) echo "writer $ir" ;;
		syncer_main) echo "syncer $ir" ;;
		ckpt_main) echo "checkpoint $ir" ;;
		reaper_main) echo "reaper $ir" ;;
		*) case $f in *-01) echo "main $ir" ;; *) echo "http $ir" ;; esac ;;
		esac
	done | awk '{ n[$1] += $2; t += $2 } END {
		s = sprintf("\"total\":%.0f", t)
		for (k in n) s = s sprintf(",\"%s\":%.0f", k, n[k])
		print "{" s "}" }')
	printf '{"kind":"callgrind","run":%s,"side":"%s","env":"%s","requests":%s,"conns":%s,"ir":%s,"sent":%s}\n' \
	    "$run" "$side" "$envs" "$n" "${PAIRED_CG_CONNS:-1}" "$th" \
	    "$(sed -n 's/^SENT //p' "$WORK/cg.sent")" >>"$RES"
	log "callgrind $side: $th instructions for $n requests"
	rm -f "$WORK"/cg.*
}

wal_side() {	# wal_side SIDE: the WAL frames of PAIRED_WALFRAMES deletes
	local side=$1 bin envs n=$PAIRED_WALFRAMES
	if [ "$side" = A ]; then bin=$BIN_A envs=$ENV_A; else bin=$BIN_B envs=$ENV_B; fi
	restore
	start_server "$bin" "$envs"
	reqs "$WORK/wal.req" "$n"
	node "$HERE/send.mjs" "$PUB" "$WORK/wal.req" "$n" "$CONNS" >/dev/null
	# A copy while the server runs: its close checkpoints the WAL away.
	rm -rf "$WORK/walcopy"
	mkdir "$WORK/walcopy"
	cp "$DATA/wksjobs.db" "$DATA/wksjobs.db-wal" "$WORK/walcopy/"
	stop_pid "$SERVER_PID" TERM
	SERVER_PID=
	printf '{"kind":"walframes","side":"%s","env":"%s","result":%s}\n' \
	    "$side" "$envs" "$("$TOOLS/wksjobs-walframes" \
	    --db "$WORK/walcopy/wksjobs.db" --requests "$n")" >>"$RES"
	log "walframes $side: $(tail -n1 "$RES")"
	rm -rf "$WORK/walcopy"
}

log "$NAME ($ROW): A = $BIN_A [$ENV_A], B = $BIN_B [$ENV_B], $PAIRS pairs"
case $ROW in list*) restore ;; esac	# the reads change nothing: once
for p in $(seq "$PAIRS"); do
	if [ $((p % 2)) = 1 ]; then
		run_side A "$p"; run_side B "$p"
	else
		run_side B "$p"; run_side A "$p"
	fi
done
if [ -n "${PAIRED_CALLGRIND:-}" ]; then	# A, B, B, A, ...
	for p in $(seq "${PAIRED_CG_RUNS:-2}"); do
		if [ $((p % 2)) = 1 ]; then cg_side A "$p"; cg_side B "$p"
		else cg_side B "$p"; cg_side A "$p"; fi
	done
fi
if [ -n "${PAIRED_WALFRAMES:-}" ]; then
	case $ROW in
	writes*) wal_side A; wal_side B ;;
	*) log "PAIRED_WALFRAMES: writes rows only" ;;
	esac
fi
node "$HERE/paired_report.mjs" "$RES"
