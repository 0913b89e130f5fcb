# run-common.sh - what scripts/run.sh (`make run`) and scripts/run-cluster.sh
# (`make run-cluster`) share; sourced, not run.  The caller defines die()
# and client() (the wksjobs client commands with its credentials).

# Stop one process: SIGTERM, then SIGKILL after 20 s (bounded).
stop() {
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || return 0
	for i in $(seq 200); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# The demo jobs, once per data directory DIR (DIR/demo-seeded says they
# were made); sets DEMO to what to print about them.
demo_jobs() {
	local dir=$1 spec
	DEMO=" none (WKSJOBS_DEMO_JOBS=0)"
	if [ -f "$dir/demo-seeded" ]; then
		DEMO=" created on the first start only"
	elif [ "${WKSJOBS_DEMO_JOBS:-1}" != 0 ]; then
		DEMO=""
		for spec in createDesktops:6 rebuildDesktops:3 expandVolumes:2 \
		    createSnapshot:2; do
			client job create --type "${spec%:*}" --count "${spec#*:}" \
				--output json >/dev/null
			DEMO="$DEMO ${spec%:*} x${spec#*:},"
		done
		DEMO=${DEMO%,}
		: >"$dir/demo-seeded"
	fi
}

# Die when something answers on HOST:PORT already; HINT (after "is
# already in use ") says what to do.
port_free() {
	local addr=$1 hint=$2 host port
	host=${addr%:*} port=${addr##*:}
	host=${host#[} host=${host%]}
	[ "$port" = 0 ] && return 0
	if timeout 2 bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$host" "$port" 2>/dev/null; then
		die "$addr is already in use $hint"
	fi
}

q() { printf '%q' "$1"; }
