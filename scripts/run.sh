#!/usr/bin/env bash
# run.sh BIN DATA - `make run`: initialise DATA on first start, then run the
# service on its embedded default (SQLite) in the foreground, printing how
# to call it.  Ctrl-C stops it (SIGINT drains like SIGTERM).
set -euo pipefail
BIN=$1
DATA=$2
CREDS="$DATA/demo-credentials.json"
cd "$(dirname "$0")/.."

if [ ! -f "$DATA/master.key" ]; then
	umask 077
	"$BIN" init --data "$DATA" --json >"$CREDS.tmp"
	mv "$CREDS.tmp" "$CREDS"
	echo "initialised $DATA (credentials kept in $CREDS, mode 0600)"
fi
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$CREDS"; }
AK=$(field access_key)
SK=$(field secret_key)
PROJECT=$(field project_id)
PUB=${WKSJOBS_LISTEN:-127.0.0.1:8080}
INT=${WKSJOBS_INTERNAL_LISTEN:-127.0.0.1:8081}

cat <<MSG

wksjobs is starting on the embedded default (SQLite, $DATA/wksjobs.db)
  public API    http://$PUB     (Huawei Cloud Workspace v2 job APIs)
  internal API  http://$INT     (producers, workers, /healthz, /metrics)
  project ID    $PROJECT
  AK            $AK
  SK            $SK

Try it (in another terminal), signed by the official Huawei Node.js SDK:
  export HUAWEICLOUD_SDK_AK=$AK HUAWEICLOUD_SDK_SK=$SK HUAWEICLOUD_SDK_PROJECT_ID=$PROJECT
  export WKSJOBS_ENDPOINT=http://$PUB
  WKSJOBS_ENDPOINT=http://$INT node tests/api/call.mjs POST /v1/internal/{project_id}/jobs '' \\
      '{"job_type":"createDesktops","sub_jobs":[{"entities":{"desktop_id":"d1","user_name":"alice"}}]}'
  node tests/api/call.mjs GET /v2/{project_id}/workspace-sub-jobs 'limit=10'
  curl -s http://$INT/metrics | head

MSG
exec "$BIN" serve --data "$DATA" --listen "$PUB" --internal-listen "$INT"
