#!/usr/bin/env bash
# run-pg.sh BIN [SRC] - the PostgreSQL rows of the wksjobs benchmark
# (docs/BENCHMARKS.md), run by bench/run.sh after the SQLite rows, into the
# same results (BENCH_PG_RES) and report; or alone.
#
# Starts a throwaway PostgreSQL 15 (scripts/pg.sh, as an unprivileged user
# when run as root) tuned for the machine, durable (fsync,
# synchronous_commit on, full_page_writes), and copies into it the seeded
# installation SRC (a data directory: master key, wksjobs.db, seed.env,
# deletable.txt, creds.json; bench/run.sh passes the file it seeded) with
# `wksjobs admin migrate`; without SRC it seeds one (BENCH_SUBJOBS).  Then,
# each row against its plain baseline in the same run:
#   - claim -> finish, 8 workers over 2 `wksjobs serve --database` nodes,
#     claims of BENCH_PG_CLAIM_MAX (10), against bench/baseline_pg.c's
#     loop of one transaction per claim and per finish on 8 connections;
#     the lock waits of both sampled every 100 ms from pg_stat_activity
#     and pg_locks;
#   - ListItaSubJobs limit=100 on the project of 200,000, one page polled
#     and 100 different pages, against nginx serving the same bytes, the
#     PostgreSQL cluster's CPU counted with the server's;
#   - BatchDeleteSubJobs of 10 IDs, durable, 32 connections, against the
#     loop of one transaction per request on 32 connections and on one
#     (disjoint slices of deletable.txt: no run finds IDs another deleted).
# Every process it starts (cluster, nodes, nginx, samplers, watchdog) is
# stopped by PID; a watchdog ends it after BENCH_PG_DEADLINE seconds.
#
# Knobs: BENCH_PG_DEADLINE (360), BENCH_DURATION (5), BENCH_WRITE_DURATION
# (3), BENCH_PG_CLAIM_MAX (10), BENCH_PG_POOL (each node's --db-pool, 8),
# BENCH_PG_ONLY=claim|list|delete,
# BENCH_PG_RES (results file to append to; alone: BENCH_OUT/results.jsonl,
# and the report is written), BENCH_DIR, BENCH_KEEP=1.
set -euo pipefail

BIN=$(readlink -f "${1:?usage: bench/run-pg.sh path/to/wksjobs [SRC]}")
SRC=${2:-}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
TOOLS=$(dirname "$BIN")/bench
OUT=${BENCH_OUT:-$HERE/out}
DUR=${BENCH_DURATION:-5}
WDUR=${BENCH_WRITE_DURATION:-3}
DEADLINE=${BENCH_PG_DEADLINE:-360}
CLAIM_MAX=${BENCH_PG_CLAIM_MAX:-10}
WRK_THREADS=2
ENGINE=pg
START=$(date +%s)
PG_BIN=/usr/lib/postgresql/15/bin

for t in wrk nginx curl "$PG_BIN/postgres" "$TOOLS/wksjobs-baseline-pg" \
    "$TOOLS/wksjobs-benchreq" "$TOOLS/wksjobs-seed"; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "bench: $t not found (PostgreSQL 15: scripts/deps.sh)" >&2
		exit 1
	}
done

mkdir -p "$OUT"
WORK=$(mktemp -d "${BENCH_DIR:-/tmp}/wksjobs-pgbench.XXXXXX")
chmod 755 "$WORK"
ALONE=0
if [ -z "${BENCH_PG_RES:-}" ]; then
	ALONE=1
	BENCH_PG_RES=$WORK/results.jsonl
	: >"$BENCH_PG_RES"
fi
RES=$BENCH_PG_RES
PGDIR=$WORK/pg
NGX=$WORK/nginx
SERVER_PID='' NODE2_PID='' NGINX_PID='' WATCHDOG_PID='' SAMPLER_PID='' PG_PM=''

log() { printf '%s bench-pg: %s\n' "$(date +%T)" "$*" >&2; }

cleanup() {
	stop_pid "$SAMPLER_PID" TERM
	stop_pid "$SERVER_PID" TERM
	stop_pid "$NODE2_PID" TERM
	stop_pid "$NGINX_PID" QUIT
	# The cluster by its postmaster's PID (SIGINT: fast shutdown).
	stop_pid "$PG_PM" INT
	scratch_end
}
trap cleanup EXIT
trap 'log "interrupted"; exit 1' INT TERM

watchdog bench-pg "$DEADLINE"

want() { [ -z "${BENCH_PG_ONLY:-}" ] || [ "$BENCH_PG_ONLY" = "$1" ]; }
secs_since() { awk -v a="$1" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}'; }

# ---- the installation to copy ------------------------------------------
if [ -z "$SRC" ]; then
	SRC=$WORK/src
	"$BIN" init --data "$SRC" --json >"$SRC.creds.json" 2>/dev/null
	mv "$SRC.creds.json" "$SRC/creds.json"
	n=${BENCH_SUBJOBS:-1000000}
	log "seeding $n sub-jobs"
	"$TOOLS/wksjobs-seed" --data "$SRC" --subjobs "$n" --big $((n / 10)) \
	    --huge $((n / 5)) 2>"$WORK/seed.log"
fi
AK=$(sed 's/.*"access_key":"\([^"]*\)".*/\1/' "$SRC/creds.json")
SK=$(sed 's/.*"secret_key":"\([^"]*\)".*/\1/' "$SRC/creds.json")
# shellcheck disable=SC1091
. "$SRC/seed.env"

# ---- the cluster ---------------------------------------------------------
# Tuned for this machine: the data set in shared buffers (a quarter of
# memory at most), no checkpoint during a run, no JIT for short OLTP
# statements, plans for an SSD; durable as a production server is.
mem_mb=$(free -m | awk '/^Mem:/ {print $2}')
sb_mb=$((mem_mb / 4 > 2048 ? 2048 : mem_mb / 4))
"$HERE/../scripts/pg.sh" start "$PGDIR" >/dev/null
"$HERE/../scripts/pg.sh" psql "$PGDIR" <<EOF
ALTER SYSTEM SET shared_buffers = '${sb_mb}MB';
ALTER SYSTEM SET effective_cache_size = '$((mem_mb / 2))MB';
ALTER SYSTEM SET work_mem = '16MB';
ALTER SYSTEM SET maintenance_work_mem = '512MB';
ALTER SYSTEM SET wal_buffers = '16MB';
ALTER SYSTEM SET max_wal_size = '8GB';
ALTER SYSTEM SET checkpoint_timeout = '30min';
ALTER SYSTEM SET checkpoint_completion_target = 0.9;
ALTER SYSTEM SET random_page_cost = 1.1;
ALTER SYSTEM SET effective_io_concurrency = 200;
ALTER SYSTEM SET jit = off;
ALTER SYSTEM SET synchronous_commit = on;
ALTER SYSTEM SET fsync = on;
ALTER SYSTEM SET full_page_writes = on;
ALTER SYSTEM SET max_connections = 300;
EOF
"$HERE/../scripts/pg.sh" stop "$PGDIR"
"$HERE/../scripts/pg.sh" start "$PGDIR" >/dev/null
PG_PM=$(head -1 "$PGDIR/pgdata/postmaster.pid")
psql_b() { "$HERE/../scripts/pg.sh" psql "$PGDIR" -d bench -At "$@"; }
URL=$("$HERE/../scripts/pg.sh" createdb "$PGDIR" bench)
{
	echo "postgresql: $("$PG_BIN/postgres" --version | awk '{print $3}')," \
	    "shared_buffers ${sb_mb}MB, work_mem 16MB, max_wal_size 8GB," \
	    "synchronous_commit on, fsync on, full_page_writes on, jit off"
} >"$WORK/machine-pg.txt"

log "copying the seeded installation into PostgreSQL (admin migrate)"
t0=$(date +%s%N)
"$BIN" admin migrate --data "$SRC" --to "$URL" --json >"$WORK/migrate.json"
copy_s=$(secs_since "$t0")
t0=$(date +%s%N)
psql_b -c "VACUUM (ANALYZE)" -c "CHECKPOINT" >/dev/null
vac_s=$(secs_since "$t0")
printf '{"kind":"pg_setup","copy_seconds":%s,"vacuum_seconds":%s,"db_bytes":%s,"settings":"%s"}\n' \
    "$copy_s" "$vac_s" "$(psql_b -c "SELECT pg_database_size('bench')")" \
    "$(cat "$WORK/machine-pg.txt")" >>"$RES"
log "copied in ${copy_s}s, vacuumed in ${vac_s}s"

# ---- nodes ---------------------------------------------------------------
SERVE_ARGS=(--database "$URL" --db-pool "${BENCH_PG_POOL:-8}")
"$BIN" serve --help 2>&1 | grep -q -- '--rate-limit' && SERVE_ARGS+=(--rate-limit 0)
"$BIN" serve --help 2>&1 | grep -q -- '--max-inflight' && SERVE_ARGS+=(--max-inflight 0)
node_dir() {	# node_dir N: a data directory with the master key only
	mkdir -p "$WORK/node$1"
	chmod 700 "$WORK/node$1"
	cp -p "$SRC"/master.key* "$WORK/node$1/"
	echo "$WORK/node$1"
}
start_node() {	# start_node N: sets SERVER_PID PUB INT
	: >"$WORK/node$1.out"
	serve_start "$WORK/node$1.out" "$WORK/node$1.err" "$(node_dir "$1")" \
	    "${SERVE_ARGS[@]}" -- "$BIN"
}
start_node 1
N1_PID=$SERVER_PID N1_PUB=$PUB N1_INT=$INT
start_nginx || start_nginx || start_nginx || { cat "$NGX/stderr" >&2; exit 1; }
log "node 1 on $PUB (internal $INT), nginx on 127.0.0.1:$NGINX_PORT"

# sampler APP SECONDS: sample the lock waits of APP's sessions meanwhile
sampler() {
	"$TOOLS/wksjobs-baseline-pg" locks --url "$URL" --app "$1" \
	    --seconds "$2" >"$WORK/locks.json" &
	SAMPLER_PID=$!
}
sampler_end() {	# sampler_end NAME: its result into the results
	wait "$SAMPLER_PID" || true
	SAMPLER_PID=
	printf '{"kind":"pg_locks","scenario":"%s","result":%s}\n' "$1" \
	    "$(cat "$WORK/locks.json")" >>"$RES"
	log "lock waits of $1: $(cat "$WORK/locks.json")"
}
# baseline_run KIND ARGS...: a plain loop, with the cluster's CPU
baseline_run() {
	local kind=$1 d0 r
	shift
	d0=$(pg_ticks)
	r=$(timeout 120 "$TOOLS/wksjobs-baseline-pg" "$@" --url "$URL")
	# Its backends exit after it: their CPU moves to the postmaster's
	# reaped children's once they are gone (pg_ticks reads both).
	sleep 1
	r="${r%\}},\"db_cpu_ms\":$(( ($(pg_ticks) - d0) * 1000 / hz ))}"
	printf '{"kind":"%s","result":%s}\n' "$kind" "$r" >>"$RES"
	log "$kind: $r"
}

# ---- claim -> finish -----------------------------------------------------
if want claim; then
	log "claim -> finish"
	sampler wksjobs-baseline "$((DUR + 1))"
	baseline_run pg_baseline_claim claim-finish --conns 8 --seconds "$DUR"
	sampler_end baseline_claim
	start_node 2
	NODE2_PID=$SERVER_PID N2_INT=$INT
	SERVER_PID=$N1_PID PUB=$N1_PUB INT=$N1_INT
	# Warm both nodes' connections and statements (not measured).
	pids=()
	for i in "$N1_INT" "$N2_INT"; do
		timeout 20 wrk -t1 -c2 -d1s -s "$HERE/claim.lua" "http://$i" -- \
		    "$AK" "$SK" "$CLAIM_MAX" warm >/dev/null &
		pids+=($!)
	done
	wait "${pids[@]}" || true
	t0=$(cpu_ticks "$N1_PID") t1=$(cpu_ticks "$NODE2_PID") d0=$(pg_ticks)
	sampler wksjobs "$((DUR + 1))"
	pids=()
	for n in 1 2; do
		i=$N1_INT
		[ "$n" = 2 ] && i=$N2_INT
		timeout $((DUR + 30)) wrk -t2 -c4 -d"${DUR}s" --timeout 10s \
		    -s "$HERE/claim.lua" "http://$i" -- "$AK" "$SK" "$CLAIM_MAX" \
		    "node$n" | sed -n 's/^BENCH //p' >"$WORK/claim$n.json" &
		pids+=($!)
	done
	wait "${pids[@]}" || true
	sampler_end claim_finish
	cpu=$(( ($(cpu_ticks "$N1_PID") - t0 + $(cpu_ticks "$NODE2_PID") - t1) * 1000 / hz ))
	printf '{"kind":"pg_claim","max":%s,"nodes":[%s,%s],"cpu_ms":%s,"db_cpu_ms":%s}\n' \
	    "$CLAIM_MAX" "$(cat "$WORK/claim1.json")" "$(cat "$WORK/claim2.json")" \
	    "$cpu" "$(( ($(pg_ticks) - d0) * 1000 / hz ))" >>"$RES"
	log "claim_finish: $(cat "$WORK/claim1.json") $(cat "$WORK/claim2.json")"
	stop_pid "$NODE2_PID" TERM
	NODE2_PID=
fi

# ---- lists ---------------------------------------------------------------
L=workspace-sub-jobs
if want list; then
	log "lists"
	read_scenario list_huge_100 "/v2/$HUGE_PROJECT/$L" "limit=100" 32
	PAGES=100 read_scenario list_huge_100_pages "/v2/$HUGE_PROJECT/$L" "limit=100" 32
	pages_scenario list_huge_400_pages "/v2/$HUGE_PROJECT/$L" \
	    "limit=100|limit=100&status=SUCCESS|limit=100&status=FAILED|limit=100&status=WAITING" \
	    0 100 100 32
	offset_scenarios offset "/v2/$HUGE_PROJECT/$L"
fi

# ---- deletes -------------------------------------------------------------
if want delete; then
	log "deletes"
	# Disjoint slices: the server's run, the loop on 32 connections, the
	# loop on one.
	n=$(wc -l <"$SRC/deletable.txt")
	head -n $((n * 45 / 100)) "$SRC/deletable.txt" >"$WORK/del.server"
	sed -n "$((n * 45 / 100 + 1)),$((n * 90 / 100))p" "$SRC/deletable.txt" >"$WORK/del.loop"
	sed -n "$((n * 90 / 100 + 1)),\$p" "$SRC/deletable.txt" >"$WORK/del.loop1"
	baseline_run pg_baseline_delete_1 delete --conns 1 --seconds "$WDUR" \
	    --ids "$WORK/del.loop1"
	baseline_run pg_baseline_delete delete --conns 32 --seconds "$WDUR" \
	    --ids "$WORK/del.loop"
	req "$WORK/delete_32.req" --method POST \
	    --path-fmt "/v2/%s/$L/batch-delete" --ids "$WORK/del.server" \
	    --count "$(wc -l <"$WORK/del.server")"
	wrk_run delete_10 wksjobs 32 "$WDUR" replay.lua "http://$PUB" \
	    "$WORK/delete_32.req" "$WRK_THREADS" once
fi

# ---- totals --------------------------------------------------------------
printf '{"kind":"pg_totals","bench_seconds":%s,"db_bytes":%s}\n' \
    "$(( $(date +%s) - START ))" \
    "$(psql_b -c "SELECT pg_database_size('bench')")" >>"$RES"
grep -hE ' (error|warn) ' "$WORK"/node*.err | head -5 >&2 || true
log "done in $(( $(date +%s) - START ))s"
if [ "$ALONE" = 1 ]; then
	cp "$RES" "$OUT/results-pg.jsonl"
	node "$HERE/report.mjs" "$OUT/results-pg.jsonl" "$WORK/machine-pg.txt" \
	    >"$OUT/results-pg.md"
	cat "$OUT/results-pg.md"
fi
