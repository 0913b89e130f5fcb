#!/usr/bin/env bash
# run.sh BIN - the wksjobs benchmark of docs/BENCHMARKS.md (make bench).
#
# Seeds a data set (bench/seed.c), starts `wksjobs serve` and, in the same
# run, nginx serving static files of the very bytes each measured response
# has, both on loopback with keep-alive; drives both with wrk through the
# same signed requests (bench/replay.lua, bench/claim.lua), runs the plain
# one-transaction-per-request delete loop (bench/baseline_delete.c), paired
# with each server delete run and from the same seeded state, on the
# same disk, and writes bench/out/results.md (bench/report.mjs) and
# bench/out/results.jsonl.
#
# Bounded: every step has a time limit and a watchdog ends the run after
# BENCH_DEADLINE seconds; loopback only; the processes it starts (server,
# nginx, watchdog) are stopped by PID on exit, and its scratch directory
# (the database and its seeded copy, ~2 GB) is removed unless BENCH_KEEP=1.
#
# Knobs (environment): BENCH_DURATION (s per read run, 5),
# BENCH_WRITE_DURATION (s per delete run, 3), BENCH_SUBJOBS (1000000),
# BENCH_DIR (scratch parent, /tmp: the disk measured), BENCH_OUT,
# BENCH_PROFILE=1 (perf profiles of the list and delete paths into
# BENCH_OUT), BENCH_THREADS (server --threads, default: the server's),
# BENCH_PG=0 (no PostgreSQL rows; else bench/run-pg.sh runs after the
# SQLite rows on the same seeded installation, BENCH_PG_DEADLINE 360 s).
set -euo pipefail

BIN=$(readlink -f "${1:?usage: bench/run.sh path/to/wksjobs}")
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
TOOLS=$(dirname "$BIN")/bench
OUT=${BENCH_OUT:-$HERE/out}
DUR=${BENCH_DURATION:-5}
WDUR=${BENCH_WRITE_DURATION:-3}
SUBJOBS=${BENCH_SUBJOBS:-1000000}
PG_PHASE=${BENCH_PG:-1}
PG_DEADLINE=${BENCH_PG_DEADLINE:-360}
# The PostgreSQL phase (bench/run-pg.sh) has a deadline of its own.
DEADLINE=${BENCH_DEADLINE:-$((720 + (PG_PHASE != 0 ? PG_DEADLINE + 30 : 0)))}
WRK_THREADS=2
START=$(date +%s)

for t in wrk nginx curl node "$TOOLS/wksjobs-seed" "$TOOLS/wksjobs-benchreq" \
    "$TOOLS/wksjobs-baseline-delete"; do
	command -v "$t" >/dev/null 2>&1 || {
		echo "bench: $t not found (make bench installs wrk and nginx;" \
		    "the bench programs build with the project)" >&2
		exit 1
	}
done

mkdir -p "$OUT"
WORK=$(mktemp -d "${BENCH_DIR:-/tmp}/wksjobs-bench.XXXXXX")
chmod 755 "$WORK"
RES=$WORK/results.jsonl
: >"$RES"
SERVER_PID= NGINX_PID= WATCHDOG_PID=

log() { printf '%s bench: %s\n' "$(date +%T)" "$*" >&2; }

cleanup() {
	stop_pid "$SERVER_PID" TERM
	stop_pid "$NGINX_PID" QUIT
	scratch_end
}
trap cleanup EXIT
trap 'log "interrupted"; exit 1' INT TERM

# The watchdog: the whole run stays under DEADLINE seconds.
watchdog bench "$DEADLINE"

# ---- the machine ---------------------------------------------------------
{
	echo "cpu: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) cores"
	echo "memory: $(free -m | awk '/^Mem:/ {print $2}') MiB"
	echo "kernel: $(uname -r)"
	echo "disk: $(df -h "$WORK" | awk 'NR == 2 {print $1 " (" $2 ")"}'), filesystem $(stat -f -c %T "$WORK")"
	echo "sqlite: $(sqlite3 --version 2>/dev/null | cut -d' ' -f1)"
	echo "libmicrohttpd: $(pkg-config --modversion libmicrohttpd 2>/dev/null)"
	echo "nginx: $(nginx -v 2>&1 | sed 's/.*nginx\///')"
	echo "wrk: $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)"
	echo "load before the run: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$WORK/machine.txt"

# ---- data ----------------------------------------------------------------
DATA=$WORK/data
"$BIN" init --data "$DATA" --json >"$WORK/creds.json" 2>/dev/null
AK=$(sed 's/.*"access_key":"\([^"]*\)".*/\1/' "$WORK/creds.json")
SK=$(sed 's/.*"secret_key":"\([^"]*\)".*/\1/' "$WORK/creds.json")
log "seeding $SUBJOBS sub-jobs"
t0=$(date +%s%N)
"$TOOLS/wksjobs-seed" --data "$DATA" --subjobs "$SUBJOBS" \
    --big $((SUBJOBS / 10)) --huge $((SUBJOBS / 5)) 2>"$WORK/seed.log"
seed_s=$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')
cat "$WORK/seed.log" >&2
# shellcheck disable=SC1091
. "$DATA/seed.env"
sync "$DATA/wksjobs.db"	# the load skipped fsync: no dirty pages in later runs
# The state each delete run starts from (see "writes" below).
cp "$DATA/wksjobs.db" "$WORK/seeded.db"
sync "$WORK/seeded.db"
printf '{"kind":"seed","seconds":%.1f,"subjobs":%s,"jobs":%s,"projects":%s,"delete_groups":%s}\n' \
    "$seed_s" "$SEED_SUBJOBS" "$SEED_JOBS" "$SEED_PROJECTS" \
    "$SEED_DELETE_GROUPS" >>"$RES"

# ---- servers -------------------------------------------------------------
SERVE_ARGS=()
[ -n "${BENCH_THREADS:-}" ] && SERVE_ARGS+=(--threads "$BENCH_THREADS")
# One caller drives every request: the per-user rate limit (a policy, not
# a capacity) would answer 429 to nearly all of them.
"$BIN" serve --help 2>&1 | grep -q -- '--rate-limit' && SERVE_ARGS+=(--rate-limit 0)
"$BIN" serve --help 2>&1 | grep -q -- '--max-inflight' && SERVE_ARGS+=(--max-inflight 0)
PEAK_KB=0	# the highest VmHWM of the server processes stopped so far
start_server() {	# start wksjobs serve on free ports; sets SERVER_PID PUB INT
	serve_start "$WORK/serve.out" "$WORK/serve.err" "$DATA" \
	    "${SERVE_ARGS[@]}" -- "$BIN"
}
stop_server() {	# stop it, keeping its peak RSS in PEAK_KB
	local kb
	kb=$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status" 2>/dev/null || echo 0)
	[ "${kb:-0}" -gt "$PEAK_KB" ] && PEAK_KB=$kb
	stop_pid "$SERVER_PID" TERM
	SERVER_PID=
}
: >"$WORK/serve.err"
start_server
sleep 2
idle_rss=$(awk '/^VmRSS/ {print $2}' "/proc/$SERVER_PID/status")

NGX=$WORK/nginx
start_nginx || start_nginx || start_nginx || { cat "$NGX/stderr" >&2; exit 1; }
log "wksjobs on $PUB (internal $INT), nginx on 127.0.0.1:$NGINX_PORT"

# ---- measuring -----------------------------------------------------------
profile_start() {	# profile_start NAME: perf the server for a while
	[ "${BENCH_PROFILE:-0}" = 1 ] && command -v perf >/dev/null || return 0
	perf record -F 999 --call-graph dwarf,16384 -p "$SERVER_PID" \
	    -o "$WORK/perf.$1.data" -- sleep "$2" >/dev/null 2>&1 &
	PERF_PID=$!
}

profile_end() {		# profile_end NAME: wait for perf, write its report
	[ "${BENCH_PROFILE:-0}" = 1 ] && [ -n "${PERF_PID:-}" ] || return 0
	wait "$PERF_PID" || true
	perf report -i "$WORK/perf.$1.data" --no-children --percent-limit 0.7 \
	    --sort dso,symbol --stdio -g none >"$OUT/profile-$1.txt" 2>/dev/null || true
	perf report -i "$WORK/perf.$1.data" --children --percent-limit 2 \
	    --sort symbol --stdio -g none >"$OUT/profile-$1-inclusive.txt" 2>/dev/null || true
	PERF_PID=
}

L=workspace-sub-jobs
# BENCH_ONLY=reads|offsets|writes|console runs one part (while working on it: offsets,
# the deep and different pages, are a part of reads); the report
# then lacks the other parts' rows.
want() { [ -z "${BENCH_ONLY:-}" ] || [ "$BENCH_ONLY" = "$1" ]; }
if want reads; then
log "reads"
read_scenario list_big_100 "/v2/$BIG_PROJECT/$L" "limit=100" 32 256
if [ "${BENCH_PROFILE:-0}" = 1 ]; then	# a profile of its own, not measured
	profile_start list 6
	timeout 30 wrk -t"$WRK_THREADS" -c32 -d5s -s "$HERE/replay.lua" \
	    "http://$PUB" -- "$WORK/list_big_100.req" "$WRK_THREADS" cycle >/dev/null
	profile_end list
fi
read_scenario list_big_100_failed "/v2/$BIG_PROJECT/$L" "limit=100&status=FAILED" 32 256
# The same, each request a different page of 100: every answer rendered
# (the per-thread memo of answers keeps 4; these cycle through 100).
PAGES=100 read_scenario list_big_100_pages "/v2/$BIG_PROJECT/$L" "limit=100" 32 256
PAGES=100 read_scenario list_big_100_failed_pages "/v2/$BIG_PROJECT/$L" "limit=100&status=FAILED" 32
read_scenario list_small_100 "/v2/$SMALL_PROJECT/$L" "limit=100" 32 256
read_scenario list_small_100_failed "/v2/$SMALL_PROJECT/$L" "limit=100&status=FAILED" 32 256
read_scenario list_big_1000 "/v2/$BIG_PROJECT/$L" "limit=1000" 32 256
read_scenario list_huge_100 "/v2/$HUGE_PROJECT/$L" "limit=100" 32
read_scenario list_huge_100_failed "/v2/$HUGE_PROJECT/$L" "limit=100&status=FAILED" 32
PAGES=100 read_scenario list_huge_100_pages "/v2/$HUGE_PROJECT/$L" "limit=100" 32
read_scenario show_job "/v2/$SMALL_PROJECT/workspace-jobs/$SHOW_JOB" "" 32 256
fi
if want reads || want offsets; then
# Each request a different page anywhere in the first 10,000 rows, as an
# operator paging, a script walking offsets or many console users ask:
# offsets 0 to 9,900 by 100 with no filter and with each of three status
# filters, 400 pages.
pages_scenario list_huge_400_pages "/v2/$HUGE_PROJECT/$L" \
    "limit=100|limit=100&status=SUCCESS|limit=100&status=FAILED|limit=100&status=WAITING" \
    0 100 100 32
# What a deep page costs: CPU per request at offset 9,900 against 0.
offset_scenarios offset "/v2/$HUGE_PROJECT/$L"
fi

# ---- the web console ----------------------------------------------------
# First render of the sub-jobs page on the project of 200,000 sub-jobs in
# Debian's chromium (bench/console.mjs), and the calls of one refresh.
if want console; then
	if [ -x /usr/bin/chromium ] &&
	    [ -d "$HERE/../tests/api/node_modules/playwright-core" ]; then
		log "console"
		CPW="bench-$(head -c 9 /dev/urandom | base64 | tr '+/' '-_')"
		"$BIN" admin --data "$DATA" user passwd admin --password "$CPW" \
		    >/dev/null
		PNAME=$("$BIN" admin --data "$DATA" --json project list |
		    grep -o "{\"id\":\"$HUGE_PROJECT\",\"name\":\"[^\"]*\"" |
		    sed 's/.*"name":"\([^"]*\)"/\1/')
		timeout 180 node "$HERE/console.mjs" "http://$PUB" admin admin \
		    "$CPW" "$PNAME" >>"$RES" || log "console: failed"
	else
		log "console: skipped (needs /usr/bin/chromium and make deps)"
	fi
fi

# ---- writes --------------------------------------------------------------
if want writes; then
log "deletes"
# Each delete run, the loop's and the server's, starts from the same state
# and does the same work: the seeded file is put back (from the copy made
# after the seed, the server stopped meanwhile) and every run sends the
# requests of deletable.txt in the same order from its first line.  So a
# pair compares the same deletes on the same tree; an earlier run no longer
# thins the tree for a later one (the second run on one tree is 20-30 %
# slower), and the file is in the page cache, as the reads' warm-up puts
# theirs (the copy leaves what it writes cached; this VM hands page cache
# back to its host within minutes).  Each server run is paired with a loop
# run just before it: the machine's speed drifts by tens of per cent within
# minutes, and a pair sees the same moment.
restore() {	# put the seeded file back; the server must be stopped
	local t0
	t0=$(date +%s%N)
	rm -f "$DATA/wksjobs.db" "$DATA/wksjobs.db-wal" "$DATA/wksjobs.db-shm"
	# In 4 KiB writes, as SQLite writes its pages: the page cache then
	# holds the file in 4 KiB folios, as the seed left it.  cp's large
	# writes make large folios (this kernel's ext4 has them), and every
	# later 4 KiB write into one walks all of its blocks: a random 4 KiB
	# pwrite measured 3.8 us against 1.05, the checkpoints' writes
	# slowed, and deletes were 5-11 % slower (the loop's 1-3 %).
	dd if="$WORK/seeded.db" of="$DATA/wksjobs.db" bs=4096 status=none
	sync "$DATA/wksjobs.db"
	printf '{"kind":"restore","seconds":%s,"db_bytes":%s}\n' \
	    "$(awk -v a="$t0" -v b="$(date +%s%N)" 'BEGIN {printf "%.1f", (b - a) / 1e9}')" \
	    "$(stat -c %s "$DATA/wksjobs.db")" >>"$RES"
}
baseline() {	# baseline CONNS [--no-sync]: the loop, paired with the run at CONNS
	local r kind=baseline_delete
	[ "${2:-}" = --no-sync ] && kind=baseline_delete_nosync
	r=$(timeout 120 "$TOOLS/wksjobs-baseline-delete" --db "$DATA/wksjobs.db" \
	    --ids "$DATA/deletable.txt" --max "$SEED_DELETE_GROUPS" \
	    --seconds "$WDUR" ${2:+"$2"})
	printf '{"kind":"%s","conns":%s,"result":%s}\n' "$kind" "$1" "$r" >>"$RES"
	log "$kind (pair $1): $r"
}
# The same loop without fsync (synchronous = OFF, not durable), once: what
# one thread doing this SQL can do on this CPU, the bound of any single
# SQLite writer, for reference (the server's writer changes the same rows).
stop_server
restore
baseline 32 --no-sync
for c in 32 256; do
	stop_server
	restore
	baseline "$c"
	restore
	start_server
	req "$WORK/delete_$c.req" --method POST \
	    --path-fmt "/v2/%s/$L/batch-delete" --ids "$DATA/deletable.txt" \
	    --count "$SEED_DELETE_GROUPS"
	wrk_run delete_10 wksjobs "$c" "$WDUR" replay.lua "http://$PUB" \
	    "$WORK/delete_$c.req" "$WRK_THREADS" once
	wrk_run delete_10 nginx "$c" "$WDUR" replay.lua \
	    "http://127.0.0.1:$NGINX_PORT" "$WORK/delete_$c.req" "$WRK_THREADS" cycle
done
if [ "${BENCH_PROFILE:-0}" = 1 ]; then	# a profile of its own, not measured
	stop_server
	restore
	start_server
	req "$WORK/delete_prof.req" --method POST \
	    --path-fmt "/v2/%s/$L/batch-delete" --ids "$DATA/deletable.txt" \
	    --count 9000
	profile_start delete 3
	timeout 30 wrk -t"$WRK_THREADS" -c32 -d2s -s "$HERE/replay.lua" \
	    "http://$PUB" -- "$WORK/delete_prof.req" "$WRK_THREADS" once >/dev/null
	profile_end delete
fi

log "delete_by_status"
count_cfg() {	# total_count of SUCCESS sub-jobs in the big project
	curl_cfg "$WORK/count.cfg" --path "/v2/$BIG_PROJECT/$L" \
	    --query "limit=0&status=SUCCESS"
	curl -s -K "$WORK/count.cfg" --max-time 30 |
	    sed 's/.*"total_count":\([0-9]*\).*/\1/'
}
before=$(count_cfg)
echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || true
curl_cfg "$WORK/dbs.cfg" --method POST --path "/v2/$BIG_PROJECT/$L/batch-delete" \
    --body '{"delete_by_status":"SUCCESS"}'
read -r code secs < <(curl -s -K "$WORK/dbs.cfg" --max-time 60 -o /dev/null \
    -w '%{http_code} %{time_total}\n')
after=$(count_cfg)
printf '{"kind":"delete_by_status","http":%s,"seconds":%s,"before":%s,"after":%s,"hwm_kb":%s}\n' \
    "$code" "$secs" "$before" "$after" \
    "$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status")" >>"$RES"
log "delete_by_status: HTTP $code in ${secs}s, SUCCESS $before -> $after"

log "claim -> finish"
wrk_run claim_finish wksjobs 8 "$DUR" claim.lua "http://$INT" "$AK" "$SK"
wrk_run claim_finish nginx 8 "$DUR" replay.lua "http://127.0.0.1:$NGINX_PORT" \
    "$WORK/delete_32.req" "$WRK_THREADS" cycle
fi

# ---- totals --------------------------------------------------------------
db_bytes=$(stat -c %s "$DATA/wksjobs.db")
wal_bytes=$(stat -c %s "$DATA/wksjobs.db-wal" 2>/dev/null || echo 0)
stop_server
peak_rss=$PEAK_KB
total_s=$(( $(date +%s) - START ))
printf '{"kind":"server","idle_rss_kb":%s,"peak_rss_kb":%s,"db_bytes":%s,"wal_bytes":%s,"bench_seconds":%s}\n' \
    "$idle_rss" "$peak_rss" "$db_bytes" "$wal_bytes" "$total_s" >>"$RES"
grep -E ' (error|warn) ' "$WORK/serve.err" | head -5 >&2 || true

# ---- PostgreSQL ----------------------------------------------------------
# The same seeded installation, copied into a throwaway PostgreSQL; its
# rows go into the same results.  A failure or its deadline leaves the
# report without them.
if [ "$PG_PHASE" != 0 ]; then
	mkdir -p "$WORK/pgsrc"
	mv "$WORK/seeded.db" "$WORK/pgsrc/wksjobs.db"
	ln "$DATA"/master.key* "$DATA/seed.env" "$DATA/deletable.txt" \
	    "$WORK/creds.json" "$WORK/pgsrc/"
	BENCH_PG_RES=$RES BENCH_PG_DEADLINE=$PG_DEADLINE \
	    "$HERE/run-pg.sh" "$BIN" "$WORK/pgsrc" ||
		log "the PostgreSQL phase failed (above); its rows are missing"
	total_s=$(( $(date +%s) - START ))
fi

cp "$RES" "$OUT/results.jsonl"
cp "$WORK/machine.txt" "$OUT/machine.txt"
node "$HERE/report.mjs" "$OUT/results.jsonl" "$OUT/machine.txt" >"$OUT/results.md"
log "done in ${total_s}s: $OUT/results.md"
cat "$OUT/results.md"
