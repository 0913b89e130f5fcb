#!/usr/bin/env bash
# soak.sh BIN - `make soak`: a throwaway PostgreSQL (scripts/pg.sh), two
# wksjobs nodes on it, and bench/soak.mjs: sub-jobs created, claimed,
# finished and deleted at half the peak rate for SOAK_MINUTES (20).
# Every 30 s it samples the sizes of sub_jobs, jobs and audit_events and
# their indexes (psql) and the claim p99; then gnuplot draws them.
# Writes OUT/soak.csv, OUT/soak.png and OUT/summary.txt, OUT being
# SOAK_OUT (default bench/out/soak).  Not part of make test.
#
# Verdict (exit 1 when it fails): the claim p99 of the last sample within
# 2x of the first; sub_jobs and its indexes at the end within 1.5x of
# their size halfway (flat once the churn has settled).  audit_events
# keeps every write by design and grows; it is plotted, not judged.
#
# Environment: SOAK_MINUTES (20), SOAK_PEAK_SECONDS (30), SOAK_WORKERS (8),
# SOAK_NODES (2), SOAK_OUT.
set -euo pipefail

die() { echo "soak.sh: $*" >&2; exit 1; }
[ $# -eq 1 ] || die "usage: soak.sh BIN"
BIN=$(realpath -m -- "$1")
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
. "$ROOT/scripts/run-common.sh"
[ -x "$BIN" ] || die "$BIN is not built (make build)"
command -v gnuplot >/dev/null || die "gnuplot is missing (WKSJOBS_BENCH_DEPS=1 scripts/deps.sh)"
MINUTES=${SOAK_MINUTES:-20}
PEAK_S=${SOAK_PEAK_SECONDS:-30}
WORKERS=${SOAK_WORKERS:-8}
NODES=${SOAK_NODES:-2}
OUT=$(realpath -m -- "${SOAK_OUT:-bench/out/soak}")
[[ $MINUTES =~ ^[1-9][0-9]*$ ]] || die "SOAK_MINUTES must be a whole number of minutes, not '$MINUTES'"
mkdir -p "$OUT"

# PostgreSQL's user must reach its directory: under /tmp, not 0700.
WORK=$(mktemp -d /tmp/wksjobs-soak.XXXXXX)
chmod 0711 "$WORK"
NODEPIDS=()
cleanup() {
	trap - EXIT INT TERM
	local p
	for p in "${NODEPIDS[@]}"; do stop "$p"; done
	scripts/pg.sh destroy "$WORK/pg" >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

scripts/pg.sh start "$WORK/pg" >/dev/null
URL=$(scripts/pg.sh createdb "$WORK/pg" wksjobs)
"$BIN" init --database "$URL" --data "$WORK/node1" --json >"$WORK/creds.json"
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p" "$WORK/creds.json"; }
for n in $(seq 2 "$NODES"); do cp -a "$WORK/node1" "$WORK/node$n"; done
NODEJSON=""
for n in $(seq 1 "$NODES"); do
	"$BIN" serve --config '' --database "$URL" --data "$WORK/node$n" \
		--listen 127.0.0.1:0 --internal-listen 127.0.0.1:0 \
		--access-log=false --rate-limit 0 \
		>"$WORK/ready$n" 2>"$OUT/serve$n.log" &
	NODEPIDS+=($!)
	for i in $(seq 300); do
		grep -q '^ready ' "$WORK/ready$n" && break
		kill -0 "${NODEPIDS[-1]}" 2>/dev/null || die "node $n did not start ($OUT/serve$n.log)"
		sleep 0.1
	done
	line=$(grep '^ready ' "$WORK/ready$n") || die "node $n not ready after 30 s"
	pub=$(sed -n 's/.*public=\([^ ]*\).*/\1/p' <<<"$line")
	int=$(sed -n 's/.*internal=\([^ ]*\).*/\1/p' <<<"$line")
	NODEJSON="$NODEJSON${NODEJSON:+,}{\"publicUrl\":\"http://$pub\",\"internalUrl\":\"http://$int\"}"
done
cat >"$WORK/soak.json" <<JSON
{"nodes":[$NODEJSON],"ak":"$(field access_key)","sk":"$(field secret_key)",
 "project":"$(field project_id)","database":"$URL","minutes":$MINUTES,
 "peakSeconds":$PEAK_S,"sampleSeconds":30,"ratio":0.5,"workers":$WORKERS}
JSON
node bench/soak.mjs "$WORK/soak.json" "$OUT/soak.csv" | tee "$OUT/summary.txt"

# ---- the plot ---------------------------------------------------------------
gnuplot <<GP
set terminal png size 1000,700
set output '$OUT/soak.png'
set datafile separator ','
set key top left
set multiplot layout 2,1 title "wksjobs soak on PostgreSQL: create, claim, finish, delete at half the peak rate ($MINUTES min)"
set ylabel 'MiB'
set xlabel 'elapsed (s)'
plot '$OUT/soak.csv' every ::1 using 1:((\$2+\$3)/1048576) with linespoints title 'sub\_jobs + indexes', \
     '' every ::1 using 1:((\$4+\$5)/1048576) with linespoints title 'jobs + indexes', \
     '' every ::1 using 1:((\$6+\$7)/1048576) with linespoints title 'audit\_events + indexes'
set ylabel 'ms'
set yrange [0:*]
plot '$OUT/soak.csv' every ::1 using 1:10 with linespoints title 'claim p99', \
     '' every ::1 using 1:9 with linespoints title 'claim p50'
unset multiplot
GP

echo "soak: $OUT/soak.csv, $OUT/soak.png, $OUT/summary.txt"

# ---- the verdict --------------------------------------------------------------
awk -F, -v out="$OUT/summary.txt" '
NR == 2 { p99_first = $10 }
NR > 1 { rows[++n] = $2 + $3; p99_last = $10 }
END {
	if (n < 2) { print "soak: fewer than two samples" >> out; print "soak: fewer than two samples"; exit 1 }
	half = rows[int((n + 1) / 2)]; last = rows[n]
	ok = 1
	msg = sprintf("claim p99 first %.2f ms, last %.2f ms (%.2fx, at most 2x); sub_jobs+indexes halfway %d B, end %d B (%.2fx, at most 1.5x)",
	    p99_first, p99_last, p99_first > 0 ? p99_last / p99_first : 0, half, last, half > 0 ? last / half : 0)
	if (p99_first > 0 && p99_last > 2 * p99_first) ok = 0
	if (half > 0 && last > 1.5 * half) ok = 0
	verdict = (ok ? "soak: PASS " : "soak: FAIL ") msg
	print verdict; print verdict >> out
	exit !ok
}' "$OUT/soak.csv"
