#!/usr/bin/env bash
# run.sh BIN DATA - `make run`: initialise DATA on first start, run the
# service on its embedded default (SQLite) and one simulating worker,
# create a few demo jobs, and print how to call it: the endpoint, the
# credentials and commands that work when pasted.  Ctrl-C (or SIGTERM)
# stops the worker and the server; if the server stops on its own, the
# worker is stopped too.
#
# Environment:
#   WKSJOBS_LISTEN, WKSJOBS_INTERNAL_LISTEN  addresses (port 0: any free one)
#   WKSJOBS_DEMO_JOBS=0                      create no demo jobs
# Logs go to DATA/serve.log and DATA/worker.log (the terminal stays
# readable).
set -euo pipefail

die() { echo "run.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: run.sh BIN DATA"
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s/%s\n' "$PWD" "$1" ;; esac; }
BIN=$(abspath "$1")
DATA=$(abspath "$2")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CREDS="$DATA/demo-credentials.json"
cd "$ROOT"
[ -x "$BIN" ] || die "$BIN is not built (make build)"

if [ ! -f "$DATA/master.key" ]; then
	umask 077
	mkdir -p "$DATA"	# init makes it too, but the credentials go there first
	"$BIN" init --data "$DATA" --json >"$CREDS.tmp"
	mv "$CREDS.tmp" "$CREDS"
	echo "initialised $DATA (credentials kept in $CREDS, mode 0600)"
fi
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$CREDS"; }
AK=$(field access_key)
SK=$(field secret_key)
PROJECT=$(field project_id)
[ -n "$AK" ] && [ -n "$SK" ] && [ -n "$PROJECT" ] ||
	die "no credentials in $CREDS (remove $DATA to start afresh)"
PUB=${WKSJOBS_LISTEN:-127.0.0.1:8080}
INT=${WKSJOBS_INTERNAL_LISTEN:-127.0.0.1:8081}

SERVER=""
WORKER=""
READY=$(mktemp "${TMPDIR:-/tmp}/wksjobs-ready.XXXXXX")

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
cleanup() {
	trap - EXIT INT TERM
	stop "$WORKER"
	stop "$SERVER"
	rm -f "$READY"
	echo "wksjobs: worker and server stopped"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

"$BIN" serve --data "$DATA" --listen "$PUB" --internal-listen "$INT" \
	>"$READY" 2>"$DATA/serve.log" &
SERVER=$!
# "ready public=IP:PORT internal=IP:PORT" once it listens (at most 15 s).
for i in $(seq 150); do
	grep -q '^ready ' "$READY" && break
	kill -0 "$SERVER" 2>/dev/null ||
		{ tail -n 20 "$DATA/serve.log" >&2; die "the server did not start"; }
	sleep 0.1
done
LINE=$(grep '^ready ' "$READY") || die "the server is not ready after 15 s"
url() {		# IP:PORT -> http://IP:PORT (IPv6 in brackets)
	local host=${1%:*} port=${1##*:}
	case $host in *:*) host="[$host]" ;; esac
	printf 'http://%s:%s\n' "$host" "$port"
}
PUB_URL=$(url "$(sed -n 's/.*public=\([^ ]*\).*/\1/p' <<<"$LINE")")
INT_URL=$(url "$(sed -n 's/.*internal=\([^ ]*\).*/\1/p' <<<"$LINE")")

# The client commands take credentials from WKSJOBS_AK/SK/PROJECT_ID
# (which would override the SDK variables a user may have exported).
# A simple command, not a function: $! must be the worker itself.
WKSJOBS_AK=$AK WKSJOBS_SK=$SK WKSJOBS_PROJECT_ID=$PROJECT \
	"$BIN" worker --simulate --concurrency 2 --duration 1..4 \
	--fail-rate 0.25 --poll-ms 500 --internal-endpoint "$INT_URL" \
	2>"$DATA/worker.log" &
WORKER=$!
client() {
	WKSJOBS_AK=$AK WKSJOBS_SK=$SK WKSJOBS_PROJECT_ID=$PROJECT \
		"$BIN" "$@" --internal-endpoint "$INT_URL"
}

DEMO=""
if [ "${WKSJOBS_DEMO_JOBS:-1}" != 0 ]; then
	for spec in createDesktops:6 rebuildDesktops:3 expandVolumes:2 \
	    createSnapshot:2; do
		client job create --type "${spec%:*}" --count "${spec#*:}" \
			--output json >/dev/null
		DEMO="$DEMO ${spec%:*} x${spec#*:},"
	done
	DEMO=${DEMO%,}
fi

sleep 0.2
kill -0 "$WORKER" 2>/dev/null ||
	{ tail -n 5 "$DATA/worker.log" >&2; die "the worker did not start"; }

q() { printf '%q' "$1"; }
CALL="$ROOT/tests/api/call.mjs"
HINT=""
[ -d "$ROOT/tests/api/node_modules/@huaweicloud" ] ||
	HINT="   (needs: make deps)"

cat <<MSG

wksjobs is running on the embedded default (SQLite, $DATA/wksjobs.db)
  public API    $PUB_URL     (Huawei Cloud Workspace v2 job APIs)
  internal API  $INT_URL     (producers, workers, /healthz, /metrics)
  project ID    $PROJECT
  AK            $AK
  SK            $SK
  worker        simulating, 2 at a time, 1..4 s each, 25% FAILED
  demo jobs    ${DEMO:- none}
  logs          $DATA/serve.log  $DATA/worker.log
  pids          server $SERVER, worker $WORKER

Try it in another terminal (paste the export line first):
  export HUAWEICLOUD_SDK_AK=$(q "$AK") HUAWEICLOUD_SDK_SK=$(q "$SK") HUAWEICLOUD_SDK_PROJECT_ID=$(q "$PROJECT") WKSJOBS_ENDPOINT=$PUB_URL WKSJOBS_INTERNAL_ENDPOINT=$INT_URL
  $(q "$BIN") subjobs list
  $(q "$BIN") subjobs delete --status FAILED
  node $(q "$CALL") GET '/v2/{project_id}/workspace-sub-jobs'$HINT

More: $(q "$BIN") job create --type createDesktops --count 5 --wait
      $(q "$BIN") --help   (or add $(q "$(dirname "$BIN")") to PATH)
Ctrl-C stops the server and the worker.
MSG

# Until the server stops (Ctrl-C, SIGTERM or on its own); then cleanup.
wait "$SERVER"
