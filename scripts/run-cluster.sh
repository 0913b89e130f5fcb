#!/usr/bin/env bash
# run-cluster.sh BIN DATA - `make run-cluster`: a throwaway PostgreSQL 15
# (scripts/pg.sh) in DATA/pg, the schema and first account made once by
# `wksjobs init --database`, three stateless `wksjobs serve` nodes on one
# database (each with its own copy of the data directory, which holds the
# master key), HAProxy in front of them (round robin, health-checked on
# GET /readyz), two simulating workers through HAProxy's internal port,
# demo jobs once, and how to call it.  Ctrl-C (or SIGTERM) stops
# everything it started, by PID, PostgreSQL last.
#
# Environment:
#   WKSJOBS_LISTEN, WKSJOBS_INTERNAL_LISTEN  HAProxy's public and internal
#                            addresses (default 127.0.0.1:8080 and :8081)
#   WKSJOBS_CLUSTER_NODES    how many nodes (default 3)
#   WKSJOBS_PG_PORT          PostgreSQL's port (default: a free one)
#   WKSJOBS_DEMO_JOBS=0      create no demo jobs
#   WKSJOBS_DEMO_FAIL_RATE   share of sub-jobs the workers fail (0.25)
#
# The nodes listen on free loopback ports only HAProxy is told about.
# Logs: DATA/nodeN/serve.log, DATA/haproxy.log, DATA/workerN.log and
# PostgreSQL's own in DATA/pg (the previous start's kept as *.log.1).
set -euo pipefail

die() { echo "run-cluster.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: run-cluster.sh BIN DATA"
BIN=$(realpath -m -- "$1")
DATA=$(realpath -m -- "$2")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PGSH="$ROOT/scripts/pg.sh"
CREDS="$DATA/demo-credentials.json"
cd "$ROOT"
. "$ROOT/scripts/run-common.sh"
[ -x "$BIN" ] || die "$BIN is not built (make build)"
[ -x "$PGSH" ] || die "$PGSH is missing"
command -v haproxy >/dev/null || die "haproxy is not installed (make deps)"
PUB=${WKSJOBS_LISTEN:-127.0.0.1:8080}
INT=${WKSJOBS_INTERNAL_LISTEN:-127.0.0.1:8081}
NODES=${WKSJOBS_CLUSTER_NODES:-3}
RATE=${WKSJOBS_DEMO_FAIL_RATE:-0.25}
[[ $NODES =~ ^[1-9]$ ]] || die "WKSJOBS_CLUSTER_NODES must be 1..9, not '$NODES'"
[[ $RATE =~ ^(0|1|0?\.[0-9]+|[01]\.0*)$ ]] ||
	die "WKSJOBS_DEMO_FAIL_RATE must be a number from 0 to 1, not '$RATE'"

# ---- before anything is written: is a cluster running already? -------
# DATA itself is traversable (PostgreSQL's user must reach DATA/pg); the
# nodes' directories, with the master key, are 0700.
mkdir -p "$DATA"
chmod 0711 "$DATA"
umask 077
exec 9>>"$DATA/run.lock"
flock -n 9 || die "$DATA is in use by another make run-cluster (pid $(cat "$DATA/run.lock" 2>/dev/null || echo '?')); stop it first (Ctrl-C in its terminal)"
echo $$ >"$DATA/run.lock"
for addr in "$PUB" "$INT"; do
	[ "${addr##*:}" = 0 ] && die "$addr: HAProxy needs a fixed port"
	port_free "$addr" "(make run?); stop that one, or choose other addresses: make run-cluster WKSJOBS_LISTEN=127.0.0.1:8090 WKSJOBS_INTERNAL_LISTEN=127.0.0.1:8091"
done

for f in "$DATA"/haproxy.log "$DATA"/worker*.log "$DATA"/node*/serve.log; do
	if [ -f "$f" ]; then mv -f "$f" "$f.1"; fi
done

# ---- what was started, stopped in reverse order ------------------------
WORKERS=()
NODEPIDS=()
HAPROXY=""
PG_STARTED=0
TMPS=()

cleanup() {
	trap - EXIT INT TERM
	local p
	for p in "${WORKERS[@]}"; do stop "$p"; done
	stop "$HAPROXY"
	for p in "${NODEPIDS[@]}"; do stop "$p"; done
	[ "$PG_STARTED" = 1 ] && "$PGSH" stop "$DATA/pg" >/dev/null 2>&1 || true
	rm -f "${TMPS[@]}"
	echo "wksjobs cluster: workers, HAProxy, nodes and PostgreSQL stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- PostgreSQL --------------------------------------------------------
URL=$("$PGSH" start "$DATA/pg" ${WKSJOBS_PG_PORT:+"$WKSJOBS_PG_PORT"} | tail -n 1) ||
	die "PostgreSQL did not start (see $DATA/pg)"
PG_STARTED=1
[[ $URL =~ ^postgres(ql)?:// ]] || die "scripts/pg.sh start printed no URL: '$URL'"

# ---- the schema and the first account, once ----------------------------
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$CREDS"; }
if [ ! -f "$DATA/node1/master.key" ]; then
	rm -rf "$DATA/node1"
	"$BIN" init --database "$URL" --data "$DATA/node1" --json >"$CREDS.tmp" ||
		{ rm -f "$CREDS.tmp"; rm -rf "$DATA/node1"; false; } ||
		die "wksjobs init failed (a database initialised before? rm -rf $DATA starts afresh)"
	mv "$CREDS.tmp" "$CREDS"
	echo "initialised $URL (master key in $DATA/node1, credentials in $CREDS)"
fi
[ -f "$CREDS" ] || die "no $CREDS: rm -rf $DATA starts afresh"
AK=$(field access_key)
SK=$(field secret_key)
PROJECT=$(field project_id)
[ -n "$AK" ] && [ -n "$SK" ] && [ -n "$PROJECT" ] || die "no credentials in $CREDS"
# Every further node: a copy of the first one's directory (the master key).
for n in $(seq 2 "$NODES"); do
	if [ ! -f "$DATA/node$n/master.key" ]; then
		rm -rf "$DATA/node$n"
		cp -a "$DATA/node1" "$DATA/node$n"
		rm -f "$DATA/node$n"/*.log "$DATA/node$n"/*.log.1
	fi
done

# ---- the nodes -----------------------------------------------------------
declare -A NPUB NINT
for n in $(seq 1 "$NODES"); do
	ready=$(mktemp "${TMPDIR:-/tmp}/wksjobs-ready.XXXXXX")
	TMPS+=("$ready")
	"$BIN" serve --config '' --database "$URL" --data "$DATA/node$n" \
		--listen 127.0.0.1:0 --internal-listen 127.0.0.1:0 \
		>"$ready" 2>"$DATA/node$n/serve.log" &
	NODEPIDS+=($!)
done
for n in $(seq 1 "$NODES"); do
	pid=${NODEPIDS[$((n - 1))]} ready=${TMPS[$((n - 1))]}
	for i in $(seq 300); do
		grep -q '^ready ' "$ready" && break
		kill -0 "$pid" 2>/dev/null ||
			{ tail -n 5 "$DATA/node$n/serve.log" >&2; die "node $n did not start (its log: $DATA/node$n/serve.log)"; }
		sleep 0.1
	done
	line=$(grep '^ready ' "$ready") || die "node $n is not ready after 30 s (its log: $DATA/node$n/serve.log)"
	NPUB[$n]=$(sed -n 's/.*public=\([^ ]*\).*/\1/p' <<<"$line")
	NINT[$n]=$(sed -n 's/.*internal=\([^ ]*\).*/\1/p' <<<"$line")
done

# ---- HAProxy -------------------------------------------------------------
# Both backends check each node's internal /readyz (the public listener
# has no health route): a node whose database is away leaves both.
CFG="$DATA/haproxy.cfg"
{
	cat <<CFG
# Generated by scripts/run-cluster.sh for this start; rewritten each time.
global
	maxconn 4096
	pidfile $DATA/haproxy.pid

defaults
	mode http
	option httplog
	timeout connect 2s
	timeout client 120s
	timeout server 120s
	timeout http-request 30s
	retries 2
	option redispatch
	option httpchk GET /readyz
	http-check expect status 200
	default-server inter 1s fall 2 rise 2

frontend public
	bind $PUB
	default_backend nodes_public

frontend internal
	bind $INT
	default_backend nodes_internal

backend nodes_public
	balance roundrobin
CFG
	for n in $(seq 1 "$NODES"); do
		printf '\tserver node%d %s check port %s\n' "$n" "${NPUB[$n]}" "${NINT[$n]##*:}"
	done
	printf '\nbackend nodes_internal\n\tbalance roundrobin\n'
	for n in $(seq 1 "$NODES"); do
		printf '\tserver node%d %s check\n' "$n" "${NINT[$n]}"
	done
} >"$CFG"
haproxy -c -q -f "$CFG" || die "HAProxy refuses $CFG"
# -W master-worker, -db in the foreground: $! is the master, which stops
# its worker on SIGTERM.
haproxy -W -db -f "$CFG" >"$DATA/haproxy.log" 2>&1 &
HAPROXY=$!
PUB_URL="http://$PUB"
INT_URL="http://$INT"
for i in $(seq 100); do
	curl -fsS -o /dev/null "$INT_URL/readyz" 2>/dev/null && break
	kill -0 "$HAPROXY" 2>/dev/null || { tail -n 5 "$DATA/haproxy.log" >&2; die "HAProxy did not start"; }
	sleep 0.1
done
curl -fsS -o /dev/null "$INT_URL/readyz" || die "no node is ready behind HAProxy after 10 s"

# ---- workers and demo jobs ------------------------------------------------
for w in 1 2; do
	WKSJOBS_AK=$AK WKSJOBS_SK=$SK WKSJOBS_PROJECT_ID=$PROJECT \
		"$BIN" worker --simulate --concurrency 2 --duration 1..4 \
		--fail-rate "$RATE" --poll-ms 500 --internal-endpoint "$INT_URL" \
		--worker-id "cluster-worker-$w" 2>"$DATA/worker$w.log" &
	WORKERS+=($!)
done
client() {
	WKSJOBS_AK=$AK WKSJOBS_SK=$SK WKSJOBS_PROJECT_ID=$PROJECT \
		"$BIN" "$@" --internal-endpoint "$INT_URL"
}
demo_jobs "$DATA"
sleep 0.2
for p in "${WORKERS[@]}"; do
	kill -0 "$p" 2>/dev/null || die "a worker did not start (its log: $DATA/worker*.log)"
done

NODELINES=""
for n in $(seq 1 "$NODES"); do
	NODELINES="$NODELINES
  node $n        public http://${NPUB[$n]}  internal http://${NINT[$n]}  pid ${NODEPIDS[$((n - 1))]}  (log $DATA/node$n/serve.log)"
done
PCT=$(awk -v r="$RATE" 'BEGIN { printf "%g", r * 100 }')

cat <<MSG

wksjobs is running as a cluster of $NODES nodes on PostgreSQL ($URL)
  public API    $PUB_URL     (HAProxy, round robin over the nodes)
  internal API  $INT_URL     (HAProxy; nodes checked on GET /readyz)$NODELINES
  HAProxy       pid $HAPROXY, configuration $CFG, log $DATA/haproxy.log
  project ID    $PROJECT
  AK            $AK
  SK            $SK
  workers       2 simulating, 2 at a time each, 1..4 s each, $PCT% FAILED, through $INT_URL
  demo jobs    $DEMO

Try it in another terminal (paste the export line first):
  export HUAWEICLOUD_SDK_AK=$(q "$AK") HUAWEICLOUD_SDK_SK=$(q "$SK") HUAWEICLOUD_SDK_PROJECT_ID=$(q "$PROJECT") WKSJOBS_ENDPOINT=$PUB_URL WKSJOBS_INTERNAL_ENDPOINT=$INT_URL WKSJOBS_DATABASE=$(q "$URL") WKSJOBS_DATA=$(q "$DATA/node1")
  $(q "$BIN") subjobs list
  $(q "$BIN") job create --type createDesktops --count 5 --wait
  kill -9 ${NODEPIDS[0]}    # lose node 1: HAProxy takes it out, the others go on

Ctrl-C stops the workers, HAProxy, the nodes and PostgreSQL (the data stays in $DATA).
MSG

# Until HAProxy stops (Ctrl-C, SIGTERM or on its own); then cleanup.
wait "$HAPROXY"
