# shellcheck shell=bash
# lib.sh - shell functions shared by bench/run.sh, bench/run-pg.sh and
# bench/paired.sh: stopping a process by PID, starting `wksjobs serve` on
# free loopback ports, the server's CPU ticks, nginx serving saved
# answers, and one wrk measurement or read scenario appended to the
# results (these use the caller's globals: WORK, NGX, RES, HERE, TOOLS,
# AK, SK, PUB, SERVER_PID, NGINX_PORT, DUR, WRK_THREADS and log; ENGINE
# tags the rows, PG_PM adds the PostgreSQL cluster's CPU).  Sourced, not
# run.

stop_pid() {	# stop_pid PID SIGNAL: signal, wait up to 15 s, then KILL
	local pid=$1 sig=$2 _
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
	kill -"$sig" "$pid" 2>/dev/null || true
	for _ in $(seq 150); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
}

# serve_start OUT ERR DATA [ARG...] -- COMMAND...: run COMMAND (a wksjobs
# binary, maybe behind env or valgrind) as `serve` on DATA with loopback
# listeners on free ports and ARGs, its stdout to OUT, its stderr
# appended to ERR; wait up to 120 s for its "ready" line.  Sets
# SERVER_PID, PUB and INT (the public and internal host:port).
serve_start() {
	local out=$1 err=$2 data=$3 _
	local -a args=()
	shift 3
	while [ "$1" != -- ]; do args+=("$1"); shift; done
	shift
	"$@" serve --data "$data" --listen 127.0.0.1:0 \
	    --internal-listen 127.0.0.1:0 --access-log=false \
	    ${args[@]+"${args[@]}"} >"$out" 2>>"$err" &
	SERVER_PID=$!
	for _ in $(seq 1200); do
		grep -q '^ready ' "$out" && break
		kill -0 "$SERVER_PID" 2>/dev/null || { cat "$err" >&2; exit 1; }
		sleep 0.1
	done
	grep -q '^ready ' "$out" || { echo "bench: server not ready" >&2; exit 1; }
	# shellcheck disable=SC2034	# for the caller
	PUB=$(sed -n 's/^ready public=\([^ ]*\) .*/\1/p' "$out")
	# shellcheck disable=SC2034
	INT=$(sed -n 's/^ready .*internal=\([^ ]*\)$/\1/p' "$out")
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }	# utime + stime

# watchdog NAME SECONDS: TERM this shell after SECONDS; sets WATCHDOG_PID.
# Killed (scratch_end), it ends its sleep too: nothing of it stays behind
# holding the caller's output open.
watchdog() {
	( sleep "$2" >/dev/null 2>&1 &
	  s=$!
	  trap 'kill "$s" 2>/dev/null; exit 0' TERM
	  wait "$s"
	  echo "$1: deadline of ${2}s reached" >&2
	  kill -TERM $$ ) &
	WATCHDOG_PID=$!
}

# scratch_end: stop the watchdog, remove WORK unless BENCH_KEEP=1
scratch_end() {
	[ -n "$WATCHDOG_PID" ] && kill "$WATCHDOG_PID" 2>/dev/null || true
	if [ "${BENCH_KEEP:-0}" = 1 ]; then
		log "kept $WORK"
	else
		rm -rf "$WORK"
	fi
}

hz=$(getconf CLK_TCK)

# The CPU ticks of a PostgreSQL cluster (postmaster PG_PM): its own, its
# exited children's (reaped: cutime + cstime) and its live children's.
pg_ticks() {
	local t c
	t=$(awk '{print $14 + $15 + $16 + $17}' "/proc/$PG_PM/stat")
	for c in $(ps -o pid= --ppid "$PG_PM"); do
		t=$((t + $(awk '{print $14 + $15}' "/proc/$c/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}

free_port() {	# a free loopback TCP port below the ephemeral range
	local p
	while :; do
		p=$((20000 + RANDOM % 12000))
		ss -Hatn "sport = :$p" 2>/dev/null | grep -q . || { echo "$p"; return; }
	done
}

start_nginx() {	# on a free port; 0 when it runs
	mkdir -p "$NGX/static" "$NGX/tmp"
	NGINX_PORT=$(free_port)
	cat >"$NGX/nginx.conf" <<EOF
daemon off;
worker_processes auto;
pid $NGX/nginx.pid;
error_log $NGX/error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	sendfile on;
	tcp_nopush on;
	keepalive_requests 100000000;
	keepalive_timeout 120s;
	client_body_temp_path $NGX/tmp;
	proxy_temp_path $NGX/tmp;
	fastcgi_temp_path $NGX/tmp;
	uwsgi_temp_path $NGX/tmp;
	scgi_temp_path $NGX/tmp;
	server {
		listen 127.0.0.1:$NGINX_PORT;
		root $NGX/static;
		default_type application/json;
		location / {
			# An empty 200 to a POST; else the file X-Bench-File names.
			if (\$request_method = POST) { return 200; }
			try_files /\$http_x_bench_file =404;
		}
	}
}
EOF
	chmod -R a+rX "$NGX"
	nginx -c "$NGX/nginx.conf" -p "$NGX" 2>"$NGX/stderr" &
	NGINX_PID=$!
	sleep 0.5
	kill -0 "$NGINX_PID" 2>/dev/null
}

req() {		# req OUT ARGS...: precomputed signed requests
	local out=$1
	shift
	"$TOOLS/wksjobs-benchreq" --ak "$AK" --sk "$SK" --host "$PUB" \
	    --out "$out" "$@"
}

curl_cfg() {	# curl_cfg CFG ARGS...: one signed request as curl config
	local cfg=$1
	shift
	"$TOOLS/wksjobs-benchreq" --ak "$AK" --sk "$SK" --host "$PUB" \
	    --curl "$cfg" "$@"
}

# wrk_run NAME SERVER CONNS SECONDS SCRIPT URL ARGS...: one measurement,
# appended to results.jsonl with the server's CPU per request.
wrk_run() {
	local name=$1 server=$2 conns=$3 secs=$4 script=$5 url=$6 t0 t1 d0 line
	shift 6
	if [ "$server" = wksjobs ]; then
		# Peak RSS of this run alone: reset the high-water mark.
		echo 5 >"/proc/$SERVER_PID/clear_refs" 2>/dev/null || true
		t0=$(cpu_ticks "$SERVER_PID")
		[ -n "${PG_PM:-}" ] && d0=$(pg_ticks)
	fi
	line=$(timeout $((secs + 30)) wrk -t"$WRK_THREADS" -c"$conns" \
	    -d"${secs}s" --timeout 10s -s "$HERE/$script" "$url" -- "$@" |
	    sed -n 's/^BENCH //p')
	[ -n "$line" ] || { log "$name: wrk gave no result"; return 0; }
	if [ "$server" = wksjobs ]; then
		t1=$(cpu_ticks "$SERVER_PID")
		line="${line%\}},\"cpu_ms\":$(( (t1 - t0) * 1000 / hz )),\"hwm_kb\":$(awk '/^VmHWM/ {print $2}' "/proc/$SERVER_PID/status")}"
		[ -n "${PG_PM:-}" ] &&
			line="${line%\}},\"db_cpu_ms\":$(( ($(pg_ticks) - d0) * 1000 / hz ))}"
	fi
	printf '{"kind":"wrk","scenario":"%s","server":"%s","conns":%s,%s"result":%s}\n' \
	    "$name" "$server" "$conns" "${ENGINE:+\"engine\":\"$ENGINE\",}" \
	    "$line" >>"$RES"
	log "$name $server c=$conns: $line"
}

# read_scenario NAME PATH QUERY CONNS...: signed GETs against both servers
# (PAGES=K: the requests ask for K different pages in turn, offsets 0, 1,
# ... K-1; nginx serves the first page's bytes)
read_scenario() {
	local name=$1 path=$2 query=$3 code size
	shift 3
	req "$WORK/$name.req" --path "$path" --query "$query" --count 4000 \
	    ${PAGES:+--pages "$PAGES"}
	curl_cfg "$WORK/$name.cfg" --path "$path" --query "$query"
	read -r code size < <(curl -s -K "$WORK/$name.cfg" --max-time 30 \
	    -o "$NGX/static/$name.json" -w '%{http_code} %{size_download}\n')
	chmod a+r "$NGX/static/$name.json"
	[ "$code" = 200 ] || { log "$name: HTTP $code"; return 0; }
	printf '{"kind":"response","scenario":"%s","bytes":%s}\n' "$name" "$size" >>"$RES"
	against_nginx "$name" "$name.json" "$@"
}

# against_nginx NAME STATIC CONNS...: warm the server's caches with
# WORK/NAME.req (not measured), then measure it on both servers at each
# CONNS, nginx serving STATIC (see replay.lua).
against_nginx() {
	local name=$1 static=$2 c
	shift 2
	timeout 20 wrk -t"$WRK_THREADS" -c32 -d1s -s "$HERE/replay.lua" \
	    "http://$PUB" -- "$WORK/$name.req" "$WRK_THREADS" cycle >/dev/null
	for c in "$@"; do
		wrk_run "$name" wksjobs "$c" "$DUR" replay.lua "http://$PUB" \
		    "$WORK/$name.req" "$WRK_THREADS" cycle
		wrk_run "$name" nginx "$c" "$DUR" replay.lua \
		    "http://127.0.0.1:$NGINX_PORT" "$WORK/$name.req" \
		    "$WRK_THREADS" cycle "$static"
	done
}

# pages_scenario NAME PATH "QUERY|QUERY..." BASE STEP K CONNS...: signed
# GETs, each a different page: for every QUERY the K pages at offsets
# BASE, BASE+STEP, ..., one QUERY's requests after the other's.  nginx
# serves each page its own saved bytes (replay.lua's static_file names
# them), so both servers send the same bytes for every request.
pages_scenario() {
	local name=$1 path=$2 queries=$3 base=$4 step=$5 k=$6 q qq i code
	local size total=0 n=0 dir=$NGX/static/$name
	local -a qs
	shift 6
	IFS='|' read -ra qs <<<"$queries"
	mkdir -p "$dir"
	: >"$WORK/$name.req"
	for q in "${qs[@]}"; do
		req "$WORK/$name.part" --path "$path" --query "$q" \
		    --count $((k * 10)) --pages "$k" --page-base "$base" \
		    --page-step "$step"
		cat "$WORK/$name.part" >>"$WORK/$name.req"
		for ((i = 0; i < k; i++)); do
			qq="$q&offset=$((base + i * step))"
			curl_cfg "$WORK/$name.cfg" --path "$path" --query "$qq"
			read -r code size < <(curl -s -K "$WORK/$name.cfg" \
			    --max-time 30 -o "$dir/${qq//[^A-Za-z0-9]/_}.json" \
			    -w '%{http_code} %{size_download}\n')
			[ "$code" = 200 ] || { log "$name: HTTP $code ($qq)"; return 0; }
			total=$((total + size)) n=$((n + 1))
		done
	done
	chmod -R a+rX "$dir"
	printf '{"kind":"response","scenario":"%s","bytes":%s}\n' "$name" \
	    "$((total / n))" >>"$RES"
	against_nginx "$name" "$name/" "$@"
}

# offset_scenarios PREFIX PATH: the server's CPU per request for pages at
# offset 0 and at 9,900 (64 different pages from each: BASE, BASE+1, ...,
# more than the memo of answers keeps), with no filter and each status
# filter, limit 100 and 1000; wrk at 8 connections for OFFSET_DUR seconds
# (2) a run, the two bases alternating OFFSET_ROUNDS times (3), so that
# what the rest of the machine does falls on both.  Rows
# "PREFIX_FILTER_LIMIT_BASE", one per round (bench/report.mjs pairs their
# medians).
offset_scenarios() {
	local prefix=$1 path=$2 f lim base q name k
	for f in all SUCCESS FAILED WAITING; do
		for lim in 100 1000; do
			q="limit=$lim"
			[ "$f" = all ] || q="$q&status=$f"
			for base in 0 9900; do
				name=${prefix}_${f}_${lim}_$base
				req "$WORK/$name.req" --path "$path" --query "$q" \
				    --count 4000 --pages 64 --page-base "$base"
				timeout 20 wrk -t"$WRK_THREADS" -c8 -d1s \
				    -s "$HERE/replay.lua" "http://$PUB" -- \
				    "$WORK/$name.req" "$WRK_THREADS" cycle >/dev/null
			done
			for ((k = 0; k < ${OFFSET_ROUNDS:-3}; k++)); do
				for base in 0 9900; do
					name=${prefix}_${f}_${lim}_$base
					wrk_run "$name" wksjobs 8 "${OFFSET_DUR:-2}" \
					    replay.lua "http://$PUB" "$WORK/$name.req" \
					    "$WRK_THREADS" cycle
				done
			done
		done
	done
}
