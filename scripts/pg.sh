#!/usr/bin/env bash
# pg.sh - a throwaway PostgreSQL 15 cluster for tests, make run-cluster and
# manual tries.  Never Debian's own cluster: the data lives in DIR/pgdata, the
# socket in DIR, the server listens on 127.0.0.1 on a port of its own.
#
#   scripts/pg.sh start DIR [PORT]     initdb if needed, start; prints the URL
#   scripts/pg.sh createdb DIR NAME    a new database; prints its URL
#   scripts/pg.sh dropdb DIR NAME      drops it (no error when missing)
#   scripts/pg.sh psql DIR [ARGS...]   psql on the postgres database
#   scripts/pg.sh stop DIR [immediate] stops it (fast shutdown by default)
#   scripts/pg.sh destroy DIR          stops it at once and removes its data
#   scripts/pg.sh status DIR           "running URL" (0) or "stopped" (3)
#   scripts/pg.sh url DIR              the base URL (DIR/url)
#
# Every command is idempotent: start on a running cluster prints its URL,
# stop on a stopped one does nothing.  Every wait is bounded (PG_WAIT
# seconds, 60 by default).  The base URL names the postgres database, e.g.
# postgresql://wksjobs-pg@127.0.0.1:PORT/postgres; authentication is trust on
# loopback and on the socket, so it is for tests only.
#
# PostgreSQL refuses to run as root: run as root, the script runs the server
# as the system user wksjobs-pg (created with useradd when missing, nobody if
# that fails) and gives it DIR.  That user must be able to reach DIR, so DIR
# must not sit under a 0700 directory (root's home is one): use a directory
# under /tmp, the build tree or ./data-cluster.  Run as another user, the
# server runs as that user.  Environment: PG_BIN (default
# /usr/lib/postgresql/15/bin), PG_WAIT.
set -euo pipefail

# The caller's libpq settings (PGHOST, PGSSLMODE, ...) must not redirect
# the script's own connections: every one names its host, port and user.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGSERVICE PGSSLMODE \
    PGOPTIONS PGDATA PGPASSFILE

PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
PG_WAIT=${PG_WAIT:-60}
PG_USER_WANTED=wksjobs-pg

die() { echo "pg.sh: $*" >&2; exit 1; }

usage() {
	sed -n '6,13s/^#   //p' "$0" >&2
	exit 2
}

# The OS user the server runs as (and the name of its superuser role).
pg_user() {
	if [ "$(id -u)" -ne 0 ]; then
		id -un
		return
	fi
	if ! id "$PG_USER_WANTED" >/dev/null 2>&1; then
		useradd --system --no-create-home --home-dir /nonexistent \
		    --shell /usr/sbin/nologin "$PG_USER_WANTED" >/dev/null 2>&1 ||
			true
	fi
	if id "$PG_USER_WANTED" >/dev/null 2>&1; then
		echo "$PG_USER_WANTED"
	else
		echo nobody
	fi
}

# Runs a command as the server's user, from DIR (its working directory must
# be readable by that user).
as_pg() {
	if [ "$(id -u)" -eq 0 ]; then
		(cd "$DIR" && runuser -u "$PGUSER_OS" -- "$@")
	else
		(cd "$DIR" && "$@")
	fi
}

# A free TCP port on 127.0.0.1 (the kernel's choice, never 5432).
free_port() {
	local p
	for _ in 1 2 3 4 5; do
		p=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
		[ "$p" != 5432 ] && { echo "$p"; return; }
	done
	die "no free port found"
}

port_busy() {
	python3 -c 'import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(0)
sys.exit(1)' "$1"
}

running() {
	[ -f "$DIR/pgdata/PG_VERSION" ] &&
		as_pg "$PG_BIN/pg_ctl" -D "$DIR/pgdata" status >/dev/null 2>&1
}

write_conf() {
	cat >>"$DIR/pgdata/postgresql.conf" <<EOF

# scripts/pg.sh: a throwaway cluster for tests
listen_addresses = '127.0.0.1'
unix_socket_directories = '$DIR'
unix_socket_permissions = 0777
max_connections = 300
shared_buffers = 128MB
fsync = on
synchronous_commit = on
full_page_writes = on
huge_pages = off
logging_collector = off
log_min_messages = warning
log_line_prefix = '%m [%p] %q%u@%d '
EOF
	cat >"$DIR/pgdata/pg_hba.conf" <<'EOF'
# scripts/pg.sh: trust on the socket and on loopback only (tests).
local all all              trust
host  all all 127.0.0.1/32 trust
host  all all ::1/128      trust
EOF
}

# initdb without its final sync (slow on a busy disk): the cluster is
# thrown away after a machine crash anyway; the server itself runs with
# fsync on.
do_init() {
	[ -f "$DIR/pgdata/PG_VERSION" ] && return 0
	rm -rf "$DIR/pgdata"
	as_pg "$PG_BIN/initdb" -D "$DIR/pgdata" -U "$PGUSER_OS" --auth=trust \
	    -E UTF8 --locale=C --no-sync >"$DIR/initdb.log" 2>&1 ||
		die "initdb failed, see $DIR/initdb.log"
	write_conf
}

url_for() { echo "postgresql://$PGUSER_OS@127.0.0.1:$1/$2"; }

cmd_start() {
	local port=${1:-} tries=1 p
	if running; then
		cat "$DIR/url"
		return 0
	fi
	do_init
	if [ -z "$port" ]; then
		tries=5
		# The port of the last start when it is still free.
		if [ -s "$DIR/port" ] && ! port_busy "$(cat "$DIR/port")"; then
			port=$(cat "$DIR/port")
		fi
	fi
	for ((i = 0; i < tries; i++)); do
		p=${port:-$(free_port)}
		port=
		if as_pg "$PG_BIN/pg_ctl" -D "$DIR/pgdata" -l "$DIR/postgres.log" \
		    -o "-p $p" -w -t "$PG_WAIT" start >/dev/null 2>&1; then
			echo "$p" >"$DIR/port"
			url_for "$p" postgres >"$DIR/url"
			# Ready for connections, not only started.
			for ((w = 0; w < PG_WAIT * 4; w++)); do
				"$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$p" \
				    -U "$PGUSER_OS" -d postgres -t 5 &&
					break
				sleep 0.25
			done
			cat "$DIR/url"
			return 0
		fi
		# A port taken between our choice and the server's bind: retry.
		as_pg "$PG_BIN/pg_ctl" -D "$DIR/pgdata" -m immediate -w \
		    -t "$PG_WAIT" stop >/dev/null 2>&1 || true
	done
	tail -n 20 "$DIR/postgres.log" >&2 || true
	die "the server did not start, see $DIR/postgres.log"
}

cmd_stop() {
	local mode=fast
	[ "${1:-}" = immediate ] && mode=immediate
	[ -f "$DIR/pgdata/PG_VERSION" ] || return 0
	running || return 0
	as_pg "$PG_BIN/pg_ctl" -D "$DIR/pgdata" -m "$mode" -w -t "$PG_WAIT" \
	    stop >/dev/null || die "the server did not stop in ${PG_WAIT}s"
}

need_running() {
	running || die "no server running in $DIR (scripts/pg.sh start $DIR)"
}

valid_name() {
	[[ "$1" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] ||
		die "database name must match [a-z_][a-z0-9_]*: $1"
}

psql_admin() {
	"$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 \
	    -p "$(cat "$DIR/port")" -U "$PGUSER_OS" -d postgres "$@"
}

# A database command's NAME argument, checked, on a running cluster.
db_arg() {
	[ -n "${1:-}" ] || usage
	valid_name "$1"
	need_running
}

cmd_createdb() {
	local name=${1:-}
	db_arg "$name"
	psql_admin -c "CREATE DATABASE \"$name\" OWNER \"$PGUSER_OS\"" \
	    >/dev/null || die "could not create database $name"
	url_for "$(cat "$DIR/port")" "$name"
}

cmd_dropdb() {
	local name=${1:-}
	db_arg "$name"
	psql_admin -c "DROP DATABASE IF EXISTS \"$name\" WITH (FORCE)" \
	    >/dev/null 2>&1 || die "could not drop database $name"
}

[ $# -ge 2 ] || usage
cmd=$1
DIR=$2
shift 2
[ -x "$PG_BIN/pg_ctl" ] || die "PostgreSQL 15 not found in $PG_BIN (scripts/deps.sh)"
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)
# The socket path (DIR/.s.PGSQL.PORT) must fit in sun_path.
[ ${#DIR} -le 90 ] || die "DIR path too long for a socket: $DIR"
PGUSER_OS=$(pg_user)
if [ "$(id -u)" -eq 0 ]; then
	chown "$PGUSER_OS" "$DIR"
	chmod 0755 "$DIR"
	runuser -u "$PGUSER_OS" -- test -w "$DIR" -a -x "$DIR" ||
		die "$PGUSER_OS cannot reach $DIR: a parent directory is not traversable (use a directory under /tmp)"
fi

case $cmd in
start) cmd_start "$@" ;;
stop) cmd_stop "$@" ;;
destroy)
	cmd_stop immediate
	rm -rf "$DIR/pgdata" "$DIR/url" "$DIR/port" "$DIR/initdb.log" \
	    "$DIR/postgres.log"
	;;
createdb) cmd_createdb "$@" ;;
dropdb) cmd_dropdb "$@" ;;
psql) need_running; psql_admin "$@" ;;
status)
	if running; then
		echo "running $(cat "$DIR/url")"
	else
		echo stopped
		exit 3
	fi
	;;
url)
	[ -s "$DIR/url" ] || die "no cluster in $DIR"
	cat "$DIR/url"
	;;
*) usage ;;
esac
