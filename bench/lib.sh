# shellcheck shell=bash
# lib.sh - shell functions shared by bench/run.sh and bench/paired.sh:
# stopping a process by PID, starting `wksjobs serve` on free loopback
# ports, the server's CPU ticks.  Sourced, not run.

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
