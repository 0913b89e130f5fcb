#!/usr/bin/env bash
# offsets.sh - what a ListItaSubJobs page deep in the list costs against
# one near its top: the server's CPU per request (utime + stime over a run
# divided by the requests answered) for pages at offsets BASE .. BASE + 15
# (16 distinct pages in turn, more than the memo of rendered answers
# keeps), BASE 0 and 9,900, with no filter and with status filters, limit
# 100 and 1000, on a project of 200,000 sub-jobs (bench/seed.c's "huge"
# project).  One connection, so that nothing but the page is measured.
#
#   bench/offsets.sh BIN [BIN...]
#
# Each binary gets a data set seeded by its own build's seeder (the schema
# is the binary's); with several, the rounds alternate between them.
# For each filter and limit, runs near 0 and near 9,900 alternate
# (OFFSETS_PAIRS times); each run is logged (CPU microseconds per request,
# requests/s) and one line per binary, filter and limit gives the medians
# and their ratio.  Hold the bench lock around it (flock).
# Env: OFFSETS_SUBJOBS (300000), OFFSETS_DURATION (3 s a run),
# OFFSETS_PAIRS (3), OFFSETS_ROUNDS (1), OFFSETS_CALLGRIND=N (instead
# of timed runs: callgrind's instructions per request over N requests
# near each base, the server under valgrind), OFFSETS_FILTERS ("- SUCCESS FAILED WAITING
# SUCCESS,FAILED"), OFFSETS_LIMITS ("100 1000").
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=bench/lib.sh
. "$HERE/lib.sh"
SUBJOBS=${OFFSETS_SUBJOBS:-300000}
DUR=${OFFSETS_DURATION:-3}
ROUNDS=${OFFSETS_ROUNDS:-1}
PAIRS=${OFFSETS_PAIRS:-3}
FILTERS=${OFFSETS_FILTERS:-- SUCCESS FAILED WAITING SUCCESS,FAILED}
LIMITS=${OFFSETS_LIMITS:-100 1000}
BASES="0 9900"
[ $# -ge 1 ] || { echo "usage: bench/offsets.sh BIN [BIN...]" >&2; exit 2; }

WORK=$(mktemp -d /tmp/wksjobs-offsets.XXXXXX)
SERVER_PID=''
WATCHDOG_PID=''
log() { printf '%s offsets: %s\n' "$(date +%T)" "$*" >&2; }

# print_ratio LABEL A B: "LABEL offset~0=A offset~9900=B ratio=B/A"
print_ratio() {
	printf '%s offset~0=%s offset~9900=%s ratio=%s\n' "$1" "$2" "$3" \
	    "$(awk -v a="$2" -v b="$3" 'BEGIN { printf "%.2f", b / a }')"
}
trap 'stop_pid "$SERVER_PID" TERM; scratch_end' EXIT
trap 'log "interrupted"; exit 1' INT TERM

# seed I BIN: an installation of BIN's schema with the data set, in $WORK/I
seed() {
	local d=$WORK/$1 tools
	tools=$(dirname "$2")/bench
	"$2" init --data "$d/data" --json >"$d.creds" 2>/dev/null
	"$tools/wksjobs-seed" --data "$d/data" --subjobs "$SUBJOBS" \
	    --big $((SUBJOBS / 10)) --huge 200000 2>"$d.seed.log"
}

# query FILTER LIMIT: the query string of a page (no offset)
query() {
	local q="limit=$2" s
	if [ "$1" != - ]; then
		for s in ${1//,/ }; do q="$q&status=$s"; done
	fi
	printf '%s' "$q"
}

# reqs I BIN OUT FILTER LIMIT BASE: 16 pages from BASE on, interleaved
reqs() {
	local i=$1 bin=$2 out=$3 q k ak sk
	local -a files=()
	q=$(query "$4" "$5")
	ak=$(sed 's/.*"access_key":"\([^"]*\)".*/\1/' "$WORK/$i.creds")
	sk=$(sed 's/.*"secret_key":"\([^"]*\)".*/\1/' "$WORK/$i.creds")
	for k in $(seq 0 15); do
		"$(dirname "$bin")/bench/wksjobs-benchreq" --ak "$ak" --sk "$sk" \
		    --host "$PUB" --path "/v2/$HUGE_PROJECT/workspace-sub-jobs" \
		    --query "$q&offset=$(($6 + k))" --count 200 \
		    --out "$out.$k"
		files+=("$out.$k")
	done
	# Round robin over the 16 files: request j of each in turn.
	node -e '
const fs = require("fs");
const parts = process.argv.slice(2, -1).map((f) => {
	const b = fs.readFileSync(f), recs = [];
	for (let p = 0; p < b.length;) {
		const nl = b.indexOf(10, p), n = Number(b.subarray(p, nl));
		recs.push(b.subarray(p, nl + 1 + n));
		p = nl + 1 + n;
	}
	return recs;
});
const out = [];
for (let j = 0; j < parts[0].length; j++)
	for (const r of parts) out.push(r[j]);
fs.writeFileSync(process.argv[process.argv.length - 1], Buffer.concat(out));
' "${files[@]}" "$out"
	rm -f "${files[@]}"
}

# measure R: one run of request file R; prints CPU us per request and req/s
measure() {
	local t0 t1 line n
	t0=$(cpu_ticks "$SERVER_PID")
	line=$(timeout $((DUR + 30)) wrk -t1 -c1 -d"${DUR}s" \
	    -s "$HERE/replay.lua" "http://$PUB" -- "$1" 1 cycle |
	    sed -n 's/^BENCH //p')
	t1=$(cpu_ticks "$SERVER_PID")
	n=$(printf '%s' "$line" | sed 's/.*"requests":\([0-9]*\).*/\1/')
	awk -v t=$((t1 - t0)) -v hz="$hz" -v n="$n" -v d="$DUR" \
	    'BEGIN { printf "%.0f %.0f\n", t / hz * 1e6 / n, n / d }'
}

# run I BIN: every scenario against BIN on installation I; the pages near
# each base in turn, PAIRS times, and the medians
run() {
	local i=$1 bin=$2 f l b k r cpu rps
	# shellcheck disable=SC1090
	. "$WORK/$i/data/seed.env"
	serve_start "$WORK/$i.out" "$WORK/$i.err" "$WORK/$i/data" \
	    --rate-limit 0 --max-inflight 0 -- "$bin"
	for f in $FILTERS; do
		for l in $LIMITS; do
			for b in $BASES; do
				reqs "$i" "$bin" "$WORK/req.$i.$b" "$f" "$l" "$b"
				timeout 20 wrk -t1 -c1 -d1s -s "$HERE/replay.lua" \
				    "http://$PUB" -- "$WORK/req.$i.$b" 1 cycle \
				    >/dev/null
				: >"$WORK/runs.$b"
			done
			for k in $(seq "$PAIRS"); do
				for b in $BASES; do
					read -r cpu rps < <(measure "$WORK/req.$i.$b")
					echo "$cpu $rps" >>"$WORK/runs.$b"
					log "$i filter=$f limit=$l offset=$b+0..15" \
					    "run $k: cpu_us=$cpu rps=$rps"
				done
			done
			r=
			for b in $BASES; do
				r="$r $(sort -n "$WORK/runs.$b" | awk '{ c[NR] = $1 }
				    END { print c[int((NR + 1) / 2)] }')"
			done
			# shellcheck disable=SC2086
			print_ratio "$i filter=$f limit=$l cpu_us(median of $PAIRS):" $r
		done
	done
	stop_pid "$SERVER_PID" TERM
	SERVER_PID=
}

# cg_run I BIN: the same scenarios under callgrind: instructions per
# request of OFFSETS_CALLGRIND requests near each base (after 16 not
# counted), whatever else the machine runs
cg_run() {
	local i=$1 bin=$2 f l b n=$OFFSETS_CALLGRIND ir r
	# shellcheck disable=SC1090
	. "$WORK/$i/data/seed.env"
	rm -f "$WORK"/cg.*
	serve_start "$WORK/$i.out" "$WORK/$i.err" "$WORK/$i/data" \
	    --rate-limit 0 --max-inflight 0 -- valgrind --tool=callgrind \
	    --callgrind-out-file="$WORK/cg.%p" --dump-instr=no "$bin"
	for f in $FILTERS; do
		for l in $LIMITS; do
			r=
			for b in $BASES; do
				reqs "$i" "$bin" "$WORK/req.$i.$b" "$f" "$l" "$b"
				node "$HERE/send.mjs" "$PUB" "$WORK/req.$i.$b" 16 1 \
				    >/dev/null
				callgrind_control -z "$SERVER_PID" >/dev/null
				node "$HERE/send.mjs" "$PUB" "$WORK/req.$i.$b" "$n" 1 \
				    >/dev/null
				callgrind_control -d "$SERVER_PID" >/dev/null
				sleep 1
				# shellcheck disable=SC2012
				ir=$(sed -n 's/^\(totals\|summary\): *\([0-9]*\).*/\2/p' \
				    "$(ls -t "$WORK"/cg.* | head -1)" | head -1)
				r="$r $((ir / n))"
			done
			# shellcheck disable=SC2086
			print_ratio "$i filter=$f limit=$l instructions per request:" $r
		done
	done
	stop_pid "$SERVER_PID" TERM
	SERVER_PID=
}

watchdog offsets $((600 + ROUNDS * $# * PAIRS * 150))
i=0
for bin in "$@"; do
	i=$((i + 1))
	mkdir -p "$WORK/b$i"
	log "seeding for $bin"
	seed "b$i" "$(readlink -f "$bin")"
done
for r in $(seq "$ROUNDS"); do
	i=0
	for bin in "$@"; do
		i=$((i + 1))
		log "round $r: $bin"
		if [ -n "${OFFSETS_CALLGRIND:-}" ]; then
			cg_run "b$i" "$(readlink -f "$bin")"
		else
			run "b$i" "$(readlink -f "$bin")"
		fi
	done
done
