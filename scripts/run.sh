#!/usr/bin/env bash
# run.sh BIN DATA - `make run`: initialise DATA on first start, run the
# service on its embedded default (SQLite) and one simulating worker,
# create a few demo jobs once, and print how to call it: the endpoint,
# the credentials and commands that work when pasted.  Ctrl-C (or
# SIGTERM) stops the worker and the server; if the server stops on its
# own, the worker is stopped too.
#
# Environment:
#   WKSJOBS_LISTEN, WKSJOBS_INTERNAL_LISTEN  addresses (port 0: any free one)
#   WKSJOBS_DEMO_JOBS=0                      create no demo jobs
#   WKSJOBS_DEMO_FAIL_RATE=0..1              share of sub-jobs the worker
#                                            fails (default 0.25)
#
# The web console's login (account, user, password) is printed with the
# other credentials; the password is set once and kept in
# DATA/demo-console-password.
#
# Nothing of an instance that already runs on DATA or on the addresses
# is touched: both are checked before any file is written.  Logs go to
# DATA/serve.log and DATA/worker.log (the terminal stays readable); the
# previous start's are kept as serve.log.1 and worker.log.1.
set -euo pipefail

die() { echo "run.sh: $*" >&2; exit 1; }
[ $# -eq 2 ] || die "usage: run.sh BIN DATA"
BIN=$(realpath -m -- "$1")
DATA=$(realpath -m -- "$2")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
CREDS="$DATA/demo-credentials.json"
cd "$ROOT"
. "$ROOT/scripts/run-common.sh"
[ -x "$BIN" ] || die "$BIN is not built (make build)"
PUB=${WKSJOBS_LISTEN:-127.0.0.1:8080}
INT=${WKSJOBS_INTERNAL_LISTEN:-127.0.0.1:8081}
RATE=${WKSJOBS_DEMO_FAIL_RATE:-0.25}
[[ $RATE =~ ^(0|1|0?\.[0-9]+|[01]\.0*)$ ]] ||
	die "WKSJOBS_DEMO_FAIL_RATE (make run FAIL_RATE=...) must be a number from 0 to 1, not '$RATE'"

# ---- before anything is written: is an instance running already? -------
# One `make run` per data directory: the lock is held by this script, the
# server and the worker (they inherit it) until the last of them ends.
other() {	# HOST:PORT -> HOST:PORT+10, a suggestion
	local port=${1##*:}
	[[ $port =~ ^[0-9]+$ ]] || port=8080
	[ "$port" = 0 ] || port=$((port + 10))
	printf '%s:%d\n' "${1%:*}" "$port"
}
ELSEWHERE="WKSJOBS_LISTEN=$(other "$PUB") WKSJOBS_INTERNAL_LISTEN=$(other "$INT")"
umask 077
mkdir -p "$DATA"
exec 9>>"$DATA/run.lock"
flock -n 9 || die "$DATA is in use by another make run (pid $(cat "$DATA/run.lock" 2>/dev/null || echo '?')); stop it first (Ctrl-C in its terminal), or give this one its own: make run DATA=./data2 $ELSEWHERE"
echo $$ >"$DATA/run.lock"
# A fixed port something answers on (another wksjobs on other data, any
# other server): say so now, not after the logs were rotated.
for addr in "$PUB" "$INT"; do
	port_free "$addr" "(another make run or wksjobs serve?); stop that one, or choose other addresses: make run $ELSEWHERE"
done

# ---- credentials ------------------------------------------------------
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$CREDS"; }
if [ ! -f "$DATA/master.key" ]; then
	"$BIN" init --data "$DATA" --json >"$CREDS.tmp"
	mv "$CREDS.tmp" "$CREDS"
	echo "initialised $DATA (credentials kept in $CREDS, mode 0600)"
elif [ ! -f "$CREDS" ]; then
	# Made by `wksjobs init`, whose secret key was shown once: a new key
	# for the first account's root user, for the demo.
	admin() { "$BIN" admin --data "$DATA" --json "$@"; }
	ROOTUSER=$(admin user list 2>/dev/null | grep -o '{[^}]*"root":true[^}]*}' |
		sed -n 's/.*"name":"\([^"]*\)".*/\1/p' | head -n 1) || true
	PROJ=$(admin project list 2>/dev/null | grep -o '"id":"[^"]*"' |
		head -n 1 | sed 's/"id":"\(.*\)"/\1/') || true
	[ -n "$ROOTUSER" ] && [ -n "$PROJ" ] &&
		KEY=$(admin key create --user "$ROOTUSER" 2>/dev/null) ||
		die "$DATA has no demo credentials and no access key could be made for it; run make run with a new directory (DATA=./data2) or remove $DATA to start afresh"
	printf '%s\n' "${KEY%\}},\"project_id\":\"$PROJ\",\"user_name\":\"$ROOTUSER\"}" >"$CREDS.tmp"
	mv "$CREDS.tmp" "$CREDS"
	echo "$DATA was made by wksjobs init: created an access key for its root user $ROOTUSER for the demo (kept in $CREDS, mode 0600)"
fi
AK=$(field access_key)
SK=$(field secret_key)
PROJECT=$(field project_id)
[ -n "$AK" ] && [ -n "$SK" ] && [ -n "$PROJECT" ] ||
	die "no credentials in $CREDS (remove it to have a new access key made)"

# The web console's login: the demo user gets a password once (kept in
# DATA/demo-console-password, mode 0600), set with wksjobs admin user
# passwd before the server starts.  The root user's account has its name.
CUSER=$(field user_name)
CUSER=${CUSER:-admin}
CACCOUNT=$(field domain_name)
CACCOUNT=${CACCOUNT:-$CUSER}
CPASS_FILE="$DATA/demo-console-password"
if [ ! -s "$CPASS_FILE" ]; then
	CPASS=$(head -c 12 /dev/urandom | base64 | tr '+/' '-_')
	"$BIN" admin --data "$DATA" --account "$CACCOUNT" user passwd "$CUSER" \
		--password "$CPASS" >/dev/null ||
		die "could not set the console password of $CUSER"
	printf '%s\n' "$CPASS" >"$CPASS_FILE"
fi
CPASS=$(cat "$CPASS_FILE")

# ---- logs: the previous start's are kept as *.1 ------------------------
for f in serve worker; do
	if [ -f "$DATA/$f.log" ]; then mv -f "$DATA/$f.log" "$DATA/$f.log.1"; fi
done

SERVER=""
WORKER=""
READY=$(mktemp "${TMPDIR:-/tmp}/wksjobs-ready.XXXXXX")

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
		{ tail -n 5 "$DATA/serve.log" >&2; die "the server did not start (its log: $DATA/serve.log)"; }
	sleep 0.1
done
LINE=$(grep '^ready ' "$READY") || die "the server is not ready after 15 s (its log: $DATA/serve.log)"
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
	--fail-rate "$RATE" --poll-ms 500 --internal-endpoint "$INT_URL" \
	2>"$DATA/worker.log" &
WORKER=$!
client() {
	WKSJOBS_AK=$AK WKSJOBS_SK=$SK WKSJOBS_PROJECT_ID=$PROJECT \
		"$BIN" "$@" --internal-endpoint "$INT_URL"
}

demo_jobs "$DATA"

sleep 0.2
kill -0 "$WORKER" 2>/dev/null ||
	{ tail -n 5 "$DATA/worker.log" >&2; die "the worker did not start (its log: $DATA/worker.log)"; }

CALL="$ROOT/tests/api/call.mjs"
HINT=""
[ -d "$ROOT/tests/api/node_modules/@huaweicloud" ] ||
	HINT="   (needs: make deps)"
PCT=$(awk -v r="$RATE" 'BEGIN { printf "%g", r * 100 }')

cat <<MSG

wksjobs is running on the embedded default (SQLite, $DATA/wksjobs.db)
  public API    $PUB_URL     (Huawei Cloud Workspace v2 job APIs)
  internal API  $INT_URL     (producers, workers, /healthz, /metrics)
  data          $DATA     (WKSJOBS_DATA, for wksjobs admin)
  project ID    $PROJECT
  AK            $AK
  SK            $SK
  worker        simulating, 2 at a time, 1..4 s each, $PCT% FAILED (make run FAIL_RATE=0..1 chooses)
  demo jobs    $DEMO
  console       $PUB_URL/console/   (account $CACCOUNT, user $CUSER, password $CPASS; wksjobs admin user passwd changes it)
  logs          $DATA/serve.log  $DATA/worker.log  (the previous start's: *.log.1)
  pids          server $SERVER, worker $WORKER

Try it in another terminal (paste the export line first):
  export HUAWEICLOUD_SDK_AK=$(q "$AK") HUAWEICLOUD_SDK_SK=$(q "$SK") HUAWEICLOUD_SDK_PROJECT_ID=$(q "$PROJECT") WKSJOBS_ENDPOINT=$PUB_URL WKSJOBS_INTERNAL_ENDPOINT=$INT_URL WKSJOBS_DATA=$(q "$DATA")
  $(q "$BIN") subjobs list
  $(q "$BIN") job create --type createDesktops --count 5 --wait
  node $(q "$CALL") GET '/v2/{project_id}/workspace-sub-jobs'$HINT

More: README.md's Quickstart goes on from here; $(q "$BIN") --help   (or add $(q "$(dirname "$BIN")") to PATH)
Ctrl-C stops the server and the worker (the data stays in $DATA).
MSG

# Until the server stops (Ctrl-C, SIGTERM or on its own); then cleanup.
wait "$SERVER"
